package recipe

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/confine-policy/confine/pkg/aaload"
)

// An AppArmor recipe is how to install one AppArmor profile and run its
// container under it.
type AppArmor struct {
	// Name is the profile's name.
	Name string
	// File is the profile's file, as the user names it; "" when it was
	// written to standard output.
	File string
	// Dir is where the profile is installed: aaload.DefaultDir unless
	// the user chose another.
	Dir string
	// Loaded, once the profile is installed and loaded (confine apparmor
	// -l), says how: the recipe then prints that instead of the commands
	// that would.
	Loaded *aaload.Result
}

// Installed returns the path the profile is installed as.
func (r *AppArmor) Installed() string {
	dir := r.Dir
	if dir == "" {
		dir = aaload.DefaultDir
	}
	return filepath.Join(dir, r.Name)
}

// SecurityOpt returns the value of docker's and podman's --security-opt
// that runs the container under the profile.
func (r *AppArmor) SecurityOpt() string { return "apparmor=" + r.Name }

// Load returns the commands that install the profile and load it into
// the kernel, keeping a copy in the profile cache (-W) for the next boot's
// parser.
func (r *AppArmor) Load() []string {
	var cmds []string
	if r.File != "" {
		cmds = append(cmds, fmt.Sprintf("install -D -m 0644 %s %s", r.File, r.Installed()))
	}
	return append(cmds, "apparmor_parser -r -W "+r.Installed())
}

// Write prints the recipe in the shape of the SELinux one: the commands,
// then the option that runs the container under the profile, for docker
// and podman, compose, and a Kubernetes pod.
func (r *AppArmor) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nProfile %s created!\n\n", r.Name)
	switch {
	case r.Loaded != nil:
		fmt.Fprintf(&b, "Installed as %s and loaded into the kernel with: \n# %s\n\n", r.Installed(), strings.Join(r.Loaded.Command, " "))
	case r.File == "":
		fmt.Fprintf(&b, "Save the profile above as %s, then load it using: \n", r.Installed())
	default:
		b.WriteString("Please load it using: \n")
	}
	if r.Loaded == nil {
		for _, c := range r.Load() {
			b.WriteString("# " + c + "\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Restart the container with: \"--security-opt %s\" parameter\n", r.SecurityOpt())
	fmt.Fprintf(&b, "or, in a compose file: security_opt: [\"%s\"]\n", r.SecurityOpt())
	fmt.Fprintf(&b, "or, in a Kubernetes pod: securityContext.appArmorProfile: {type: Localhost, localhostProfile: %s}\n", r.Name)
	_, err := io.WriteString(w, b.String())
	return err
}
