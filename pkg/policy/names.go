package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/templates"
)

// ErrNameTaken is wrapped by a NameError: installing a module of that
// name would replace or clash with something the host already has.
var ErrNameTaken = errors.New("module name taken")

// A NameError says why a module name cannot be used, and which one can.
type NameError struct {
	Name string
	// Why says what already has the name.
	Why string
	// Free is a name that can be used instead.
	Free string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("module name %s: %s; choose another name, such as %s", e.Name, e.Why, e.Free)
}

func (e *NameError) Unwrap() error { return ErrNameTaken }

// CheckName reports whether a new module may be called name on the host
// facts describes: semodule names a module after its file, and the block
// inside it declares name.process. It refuses, with a *NameError, a name
// that is a template block or template file, a module of the host's store
// that confine or udica did not write (semodule -i would replace it), or
// a type, attribute or block the host's policy already declares. A module
// confine or udica wrote may be written again. An invalid name is
// cil.ErrInvalidName.
func CheckName(name string, facts host.Facts) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	why, err := taken(name, facts, true)
	if err != nil || why == "" {
		return err
	}
	free, err := freeName(name, facts, true)
	if err != nil {
		return err
	}
	return &NameError{Name: name, Why: why, Free: free}
}

// CheckModuleName is CheckName for the name of a module file that holds a
// block of another name (confine NAME -o FILE): only the templates and the
// store matter, since the file declares nothing of its own name.
func CheckModuleName(name string, facts host.Facts) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	why, err := taken(name, facts, false)
	if err != nil || why == "" {
		return err
	}
	free, err := freeName(name, facts, false)
	if err != nil {
		return err
	}
	return &NameError{Name: name, Why: why, Free: free}
}

// NameFor returns the module name for a container called container: its
// name made a valid CIL name, and then one CheckName accepts. Note says
// what was changed and why, empty when the container's name is used as it
// is.
func NameFor(container string, facts host.Facts) (name, note string, err error) {
	container = strings.TrimPrefix(container, "/") // docker's names start with one
	name = cilName(container)
	var changes []string
	if name != container {
		changes = append(changes, fmt.Sprintf("%q is not a CIL name", container))
	}
	why, err := taken(name, facts, true)
	if err != nil {
		return "", "", err
	}
	if why != "" {
		if name, err = freeName(name, facts, true); err != nil {
			return "", "", err
		}
		changes = append(changes, why)
	}
	if len(changes) > 0 {
		note = fmt.Sprintf("container %s: module named %s, since %s", container, name, strings.Join(changes, " and "))
	}
	return name, note, nil
}

// ValidateName reports whether name can name a module: a CIL name (see
// cil.ValidateName) that fits a file name once ".cil" is added.
func ValidateName(name string) error {
	if err := cil.ValidateName(name); err != nil {
		return err
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w %.40q...: longer than %d bytes", cil.ErrInvalidName, name, MaxNameLen)
	}
	return nil
}

// cilName makes s a valid CIL name: every character CIL does not allow
// becomes '_', a name that does not start with a letter (or is a reserved
// word) gets "c_" in front, and it is cut to MaxNameLen.
func cilName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	s = string(b)
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') || s == "self" || s == "all" {
		s = "c_" + s
	}
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	return s
}

// taken says what already has name on the host, or "" when nothing does.
// declared says whether the policy's declarations count: they do for a
// module's block name.
func taken(name string, facts host.Facts, declared bool) (string, error) {
	if slices.Contains(templates.Blocks(), name) {
		return "it is the name of a template block every module may inherit", nil
	}
	if slices.Contains(templates.Files(), name+".cil") {
		return fmt.Sprintf("the template file %s.cil is installed as a module of that name", name), nil
	}
	m, err := facts.Module(name)
	if err != nil {
		return "", err
	}
	switch {
	case m.Exists && m.Written:
		return "", nil // confine's or udica's: writing it again is what the user wants
	case m.Exists:
		return fmt.Sprintf("the host's policy has a module %s (priority %d, in %s) that confine did not write, and semodule -i %s.cil would replace it", name, m.Priority, m.Store, name), nil
	case !declared:
		return "", nil
	}
	pol, err := facts.Policy()
	if err != nil {
		return "", err
	}
	switch {
	case pol.HasType(name):
		return "the host's policy already declares a type or attribute of that name", nil
	case pol.HasBlock(name) && m.Store != "":
		return fmt.Sprintf("a module of another name already declares block %s in the host's policy", name), nil
	case pol.HasBlock(name) && !pol.HasType(name+".process"):
		return fmt.Sprintf("the host's policy already declares block %s, and not as a container's module", name), nil
	}
	return "", nil
}

// maxCandidates bounds the names freeName tries: a host that has all of
// them answers oddly (a policy that says it declares every name), and the
// search must end all the same.
const maxCandidates = 1000

// freeName returns the first of name_container, name_container2, ... that
// nothing on the host has, or ErrNameTaken when none of the first
// maxCandidates is free.
func freeName(name string, facts host.Facts, declared bool) (string, error) {
	for i := 1; i <= maxCandidates; i++ {
		suffix := "_container"
		if i > 1 {
			suffix += strconv.Itoa(i)
		}
		candidate := name
		if len(candidate)+len(suffix) > MaxNameLen {
			candidate = candidate[:MaxNameLen-len(suffix)]
		}
		candidate += suffix
		why, err := taken(candidate, facts, declared)
		if err != nil || why == "" {
			return candidate, err
		}
	}
	return "", fmt.Errorf("module name %s: %w, and so are the first %d names made from it", name, ErrNameTaken, maxCandidates)
}
