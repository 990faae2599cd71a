package fcontext

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/secontext"
)

// fuzzSeeds are the test files, as seeds for both fuzz targets.
func fuzzSeeds(f *testing.F) []string {
	f.Helper()
	var seeds []string
	for _, pattern := range []string{"parse/*.fc", "*/file_contexts"} {
		files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, string(data))
		}
	}
	return seeds
}

// lookupErrors are the errors Lookup may give.
var lookupErrors = []error{ErrNoMatch, ErrInvalidPath, ErrBadPattern, ErrUnsupportedPattern, secontext.ErrBadContext}

func knownError(err error) bool {
	for _, e := range lookupErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzLoad reads file_contexts text and aliases. Beyond not panicking,
// every warning and entry must point into the file, lookups may only fail
// in documented ways, an entry whose shape spares the regex must match
// exactly what its regex matches, and mayMatch must never rule out what a
// regex matches.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "/var/run /run\n/m /\n")
	}
	f.Add("/a(/.*)?\tu:r:t:s0\n/b.+\t-d\tu:r:t\n", "")
	f.Fuzz(func(t *testing.T, data, subs string) {
		if len(data) > 1<<12 || len(subs) > 1<<10 {
			return
		}
		tb, warnings := build([]file{{name: "fc", data: data}}, file{name: "subs", data: subs}, file{})
		c := &Contexts{tb}
		lines := strings.Count(data, "\n") + 1
		for _, w := range warnings {
			if w.Source.Line < 1 || w.Source.Line > lines && w.Source.File == "fc" {
				t.Errorf("warning %v outside the file's %d lines", w, lines)
			}
		}
		for k := range tb.entries {
			e := &tb.entries[k]
			if e.line < 1 || int(e.line) > lines {
				t.Errorf("entry %q at line %d of %d", e.pattern, e.line, lines)
			}
			paths := []string{e.prefix, e.prefix + "\n", e.prefix + "/x", e.prefix + "x", e.prefix + "x/y", e.pattern}
			for _, p := range paths {
				for _, ft := range []FileType{AnyFile, e.fileType} {
					if _, err := c.Lookup(p, ft); err != nil && !knownError(err) {
						t.Errorf("Lookup(%q): %v", p, err)
					}
				}
			}
			if e.patErr == nil {
				checkPattern(t, tb, k, paths)
			}
		}
		for _, dir := range []string{"/", "/var", "/a/b"} {
			if _, err := c.Under(dir); err != nil {
				t.Errorf("Under(%q): %v", dir, err)
			}
		}
	})
}

// checkPattern checks entry k's pattern against Go's regexp, the oracle
// for its shape, for mayMatch, and for matchProg, which lookups use.
func checkPattern(t *testing.T, tb *table, k int, paths []string) {
	t.Helper()
	e := &tb.entries[k]
	re, reErr := goRegexp(e.pattern)
	prog, progErr := tb.prog(k)
	pieces, parseErr := tb.parsed(k)
	if parseErr != nil {
		t.Fatalf("pattern %q: analysed, but %v", e.pattern, parseErr)
	}
	if (reErr == nil) != (progErr == nil) {
		t.Fatalf("pattern %q: regexp says %v, prog %v", e.pattern, reErr, progErr)
	}
	if reErr != nil {
		if e.shape != regexShape {
			t.Fatalf("pattern %q has a shape but no regex: %v", e.pattern, reErr)
		}
		return
	}
	for _, p := range paths {
		enc := encodeKey(p)
		want := re.MatchString(enc)
		if got := matchProg(prog, []rune(enc)); got != want {
			t.Errorf("pattern %q, path %q: matchProg says %v, regexp %v", e.pattern, p, got, want)
		}
		switch {
		case e.shape != regexShape && strings.HasPrefix(p, e.prefix):
			if got := e.shape.matchRest(p[len(e.prefix):]); got != want {
				t.Errorf("pattern %q, path %q: shape %s says %v, regex %v", e.pattern, p, shapeNames[e.shape], got, want)
			}
		case e.shape == regexShape && want:
			if !mayMatch(pieces, p, false) {
				t.Errorf("pattern %q matches %q, but mayMatch rules it out", e.pattern, p)
			}
			for n := range len(p) {
				if !mayMatch(pieces, p[:n], true) {
					t.Errorf("pattern %q matches %q, but mayMatch rules out every key starting with %q", e.pattern, p, p[:n])
				}
			}
		}
	}
}

// FuzzUnder checks Under's promise: the entry that wins for a path is
// among those Under gives for every directory above the path.
func FuzzUnder(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		for _, p := range []string{"/var/lib/x", "/srv/www/index.html", "/var/run/a", "/home/joe/.ssh/k", "/t/zz", "/a/\n"} {
			f.Add(s, "/var/run /run\n/srv/alias /var/lib\n", p)
		}
	}
	f.Fuzz(func(t *testing.T, data, subs, path string) {
		if len(data) > 1<<12 || len(subs) > 1<<10 || len(path) > 1<<8 {
			return
		}
		tb, _ := build([]file{{name: "fc", data: data}}, file{name: "subs", data: subs}, file{name: "subs_dist", data: subs})
		c := &Contexts{tb}
		var winners []Match
		for ft := range modes {
			m, err := c.Lookup(path, FileType(ft))
			if err == nil {
				winners = append(winners, m)
			}
		}
		for _, dir := range ancestors(path, 8) {
			ms, err := c.Under(dir)
			if err != nil {
				t.Fatalf("Under(%q): %v", dir, err)
			}
			for _, w := range winners {
				found := false
				for _, m := range ms {
					found = found || m.Source == w.Source
				}
				if !found {
					t.Errorf("Lookup(%q, %q) gives line %d (%q), which Under(%q) misses", path, w.FileType, w.Source.Line, w.Pattern, dir)
				}
			}
		}
	})
}

// goRegexp compiles the translation of a pattern with Go's regexp
// package.
func goRegexp(src string) (*regexp.Regexp, error) {
	translated, err := translation(src)
	if err != nil {
		return nil, err
	}
	return regexp.Compile(translated)
}

// translation parses a pattern and gives it in Go syntax.
func translation(src string) (string, error) {
	pieces, err := parsePattern(src)
	if err != nil {
		return "", err
	}
	return goSyntax(pieces), nil
}
