package confine

import (
	"runtime"
	"runtime/debug"
	"time"
)

// A Version says which confine this is: what `confine --version` prints.
type Version struct {
	// Version is the module's version, such as v1.2.0, or "(devel)" for
	// a build from a checkout.
	Version string
	// Revision is the commit it was built from, and Modified says the
	// checkout had changes; Revision is "" when the build recorded none
	// (go build -buildvcs=false, or no checkout).
	Revision string
	Modified bool
	// Time is when that commit was made, zero when the build recorded
	// none. Unlike the time of the build, it is the same for every build
	// of a checkout, so what carries a date (the man pages) can use it
	// and still be reproducible.
	Time time.Time
	// Go is the Go release it was built with, and Platform its GOOS/GOARCH.
	Go, Platform string
}

// BuildVersion returns the version of the running program, from the
// build information Go records in it.
func BuildVersion() Version {
	v := Version{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "vcs.time":
			v.Time, _ = time.Parse(time.RFC3339, s.Value)
		}
	}
	return v
}

// String gives the version as one line: "confine VERSION, revision REV
// (modified), GO PLATFORM"; without a revision, it says so.
func (v Version) String() string {
	s := "confine " + v.Version + ", "
	switch {
	case v.Revision == "":
		s += "no revision recorded"
	case v.Modified:
		s += "revision " + v.Revision + " (modified)"
	default:
		s += "revision " + v.Revision
	}
	return s + ", " + v.Go + " " + v.Platform
}
