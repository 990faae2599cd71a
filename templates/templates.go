package templates

import (
	"embed"
	"errors"
	"fmt"
	"slices"
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

// DebianEnginesFile is the file DebianEngines is installed from, and so
// the name semodule installs it as, debian_engines.
const DebianEnginesFile = "debian_engines.cil"

// DebianEngines returns a module, not a template, that Debian 12 needs
// beside refpolicy's container module before podman starts any container
// confined: the labels of podman and conmon, a root shell's transition to
// the engine's domain, and what crun 1.8 does that the container module
// does not allow. Found from the denials of an enforcing Debian guest.
func DebianEngines() []byte { return slices.Clone(debianEngines) }

var (
	// ErrUnknownFlavor is returned by ParseFlavor for a name that is
	// neither "fedora" nor "refpolicy".
	ErrUnknownFlavor = errors.New("unknown template flavour")
	// ErrUnknownBlock is returned by File for a name that is not a
	// template block, and by Data for one that is not a template file.
	ErrUnknownBlock = errors.New("unknown template block")
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

// blocks are the template blocks, each with the file that defines it, in
// the order a module inherits them: udica's, then the blocks for special
// directories. The names are udica's, and the same in both flavours.
var blocks = []struct{ name, file string }{
	{"container", "base_container.cil"},
	{"net_container", "net_container.cil"},
	{"virt_container", "virt_container.cil"},
	{"x_container", "x_container.cil"},
	{"tty_container", "tty_container.cil"},
	{"restricted_net_container", "net_container.cil"},
	{"home_container", "home_container.cil"},
	{"home_rw_container", "home_container.cil"},
	{"log_container", "log_container.cil"},
	{"log_rw_container", "log_container.cil"},
	{"tmp_container", "tmp_container.cil"},
	{"tmp_rw_container", "tmp_container.cil"},
	{"config_container", "config_container.cil"},
	{"config_rw_container", "config_container.cil"},
}

// File returns the name of the template file that defines block, such as
// "net_container.cil" for restricted_net_container.
func File(block string) (string, error) {
	for _, b := range blocks {
		if b.name == block {
			return b.file, nil
		}
	}
	return "", fmt.Errorf("%w %q", ErrUnknownBlock, block)
}

// Blocks returns the names of all template blocks, in the order a module
// inherits them.
func Blocks() []string {
	names := make([]string, len(blocks))
	for i, b := range blocks {
		names[i] = b.name
	}
	return names
}

// Files returns the names of the template files, such as
// "base_container.cil", sorted. semodule names a module after its file,
// so these, without ".cil", are the names the templates are installed as.
func Files() []string {
	var files []string
	for _, b := range blocks {
		files = append(files, b.file)
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// Written returns the names of the files an installation of the
// refpolicy flavour holds (confine templates --write writes them): the
// template files, sorted, then DebianEnginesFile.
func Written() []string {
	return append(Files(), DebianEnginesFile)
}

// Data returns the content of the file name, one of Written.
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
