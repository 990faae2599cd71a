package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/confine-policy/confine/internal/atomicfile"
)

// refpolicyFiles are confine's refpolicy-flavour templates.
//
//go:embed *.cil
var refpolicyFiles embed.FS

// debianEngines is the module that lets Debian's engines start confined
// containers (see DebianEngines).
//
//go:embed engines/debian.cil
var debianEngines []byte

// DebianEnginesFile is the file Write puts DebianEngines in, and the name
// semodule installs it as, debian_engines.
const DebianEnginesFile = "debian_engines.cil"

// DebianEngines returns a module, not a template, that Debian 12 needs
// beside refpolicy's container module before podman starts any container
// confined: the labels of podman and conmon, a root shell's transition to
// the engine's domain, and what crun 1.8 does that the container module
// does not allow. Found from the denials of an enforcing Debian guest.
func DebianEngines() []byte { return slices.Clone(debianEngines) }

// Errors returned for names this package does not know.
var (
	ErrUnknownFlavor = errors.New("unknown template flavour")
	ErrUnknownBlock  = errors.New("unknown template block")
)

// A Flavor is a family of policies, each with its own template set.
type Flavor int

const (
	// Fedora is Fedora's and RHEL's targeted policy, with
	// container-selinux's templates.
	Fedora Flavor = iota + 1
	// Refpolicy is the reference policy and the distributions built on
	// it, with confine's templates.
	Refpolicy
)

var flavorNames = map[Flavor]string{Fedora: "fedora", Refpolicy: "refpolicy"}

// ParseFlavor returns the flavour named s, as --flavor takes it: "fedora"
// or "refpolicy".
func ParseFlavor(s string) (Flavor, error) {
	for f, name := range flavorNames {
		if s == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w %q (want fedora or refpolicy)", ErrUnknownFlavor, s)
}

func (f Flavor) String() string {
	if name, ok := flavorNames[f]; ok {
		return name
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// MarshalText and UnmarshalText let a Flavor be a flag (flag.TextVar).
func (f Flavor) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

func (f *Flavor) UnmarshalText(text []byte) error {
	parsed, err := ParseFlavor(string(text))
	if err != nil {
		return err
	}
	*f = parsed
	return nil
}

// Dir returns where the flavour's templates are installed, the directory
// a load recipe names.
func (f Flavor) Dir() string {
	switch f {
	case Fedora:
		// Where container-selinux installs the templates udica uses.
		return "/usr/share/udica/templates"
	case Refpolicy:
		return "/usr/share/confine/templates"
	}
	return ""
}

// Detect guesses the flavour of the host under root from its installed
// templates and its policy's name (SELINUXTYPE): Fedora when
// container-selinux's templates are installed or the policy is
// "targeted", Refpolicy otherwise.
func Detect(root, policyType string) Flavor {
	if policyType == "targeted" {
		return Fedora
	}
	if fi, err := os.Stat(filepath.Join(root, Fedora.Dir())); err == nil && fi.IsDir() {
		return Fedora
	}
	return Refpolicy
}

// blockFiles maps each template block to the file that defines it. The
// names are udica's, and the same in both flavours.
var blockFiles = map[string]string{
	"container":                "base_container.cil",
	"net_container":            "net_container.cil",
	"restricted_net_container": "net_container.cil",
	"home_container":           "home_container.cil",
	"home_rw_container":        "home_container.cil",
	"log_container":            "log_container.cil",
	"log_rw_container":         "log_container.cil",
	"tmp_container":            "tmp_container.cil",
	"tmp_rw_container":         "tmp_container.cil",
	"config_container":         "config_container.cil",
	"config_rw_container":      "config_container.cil",
	"tty_container":            "tty_container.cil",
	"x_container":              "x_container.cil",
	"virt_container":           "virt_container.cil",
}

// File returns the name of the template file that defines block, such as
// "net_container.cil" for restricted_net_container.
func File(block string) (string, error) {
	if f, ok := blockFiles[block]; ok {
		return f, nil
	}
	return "", fmt.Errorf("%w %q", ErrUnknownBlock, block)
}

// Blocks returns the names of all template blocks, sorted.
func Blocks() []string {
	return slices.Sorted(maps.Keys(blockFiles))
}

// Files returns the names of the template files, such as
// "base_container.cil", sorted. semodule names a module after its file,
// so these, without ".cil", are the names the templates are installed as.
func Files() []string {
	return slices.Compact(slices.Sorted(maps.Values(blockFiles)))
}

// FS returns confine's refpolicy-flavour templates: one CIL file per
// template file name, at the top of the file system.
func FS() fs.FS { return refpolicyFiles }

// Written returns the names of the files Write writes: the template files,
// sorted, then DebianEnginesFile.
func Written() []string {
	return append(Files(), DebianEnginesFile)
}

// Data returns what Write puts in the file name, one of Written.
func Data(name string) ([]byte, error) {
	if name == DebianEnginesFile {
		return DebianEngines(), nil
	}
	data, err := refpolicyFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%w: no template file %q", ErrUnknownBlock, name)
	}
	return data, nil
}

// Write writes the files of Written into dir, creating it if needed. Each
// file is replaced whole or not at all, so an error never leaves a partly
// written template behind.
func Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing templates: %w", err)
	}
	for _, name := range Written() {
		data, err := Data(name)
		if err != nil {
			return fmt.Errorf("writing templates: %w", err)
		}
		if err := atomicfile.Write(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing templates: %w", err)
		}
	}
	return nil
}
