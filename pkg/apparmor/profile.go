package apparmor

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/confine-policy/confine/pkg/inspect"
)

// Errors wrapped by what this package returns.
var (
	// ErrBadName is wrapped when a profile name is not one AppArmor and
	// the engines' apparmor= option take as it is: a letter or digit,
	// then letters, digits, '_', '.' and '-'.
	ErrBadName = errors.New("invalid profile name")
	// ErrBadPath is wrapped when a path cannot be written into a rule
	// without changing what the rule says: it is not absolute, or holds a
	// character that would end the rule or widen what it names.
	ErrBadPath = errors.New("path not safe in a profile")
	// ErrBadRule is wrapped when a rule of the model is not one this
	// package writes: an unknown permission, capability or network
	// family, or a pattern that could end its rule.
	ErrBadRule = errors.New("invalid rule")
)

// A Profile is one container's AppArmor profile.
type Profile struct {
	// Name is the profile's name, which --security-opt apparmor=Name
	// gives the container.
	Name string
	// Container and Engine say whose profile it is, for its header.
	Container string
	Engine    string
	// Sections are the rules, each group with its reasons.
	Sections []Section
	// Warnings are what the user should know before using the profile.
	Warnings []string
}

// A Section is a group of rules and the comment that says why they are
// there.
type Section struct {
	// Comment is one or more lines, written as "# line" above the rules.
	Comment []string
	Rules   []Rule
}

// A Rule is one rule of a profile: a FileRule, CapabilityRule,
// NetworkRule or one of the fixed rules of package apparmor.
type Rule interface {
	// Text returns the rule as the profile holds it, ending in a comma.
	Text() string
	check() error
}

// Qualifier is what precedes a rule: nothing for an allow rule.
type Qualifier string

// Qualifiers. AuditDeny makes the kernel log what it denies, which a
// plain deny keeps quiet.
const (
	Allow     Qualifier = ""
	Deny      Qualifier = "deny"
	AuditDeny Qualifier = "audit deny"
)

func (q Qualifier) prefix() string {
	if q == Allow {
		return ""
	}
	return string(q) + " "
}

// A FileRule grants or denies access to the paths its pattern matches.
type FileRule struct {
	Qualifier Qualifier
	// Pattern is an AppArmor path pattern, from Path or Tree for a
	// container's path, or one of confine's own.
	Pattern string
	// Perms are AppArmor's file permissions, such as "rwlk" or "mrix".
	Perms string
}

// Text implements Rule.
func (r FileRule) Text() string {
	return fmt.Sprintf("%s%s %s,", r.Qualifier.prefix(), r.Pattern, r.Perms)
}

// filePerms are the file permissions, in the order AppArmor's own tools
// write them.
const filePerms = "mrwaklix"

func (r FileRule) check() error {
	if !validPattern(r.Pattern) {
		return fmt.Errorf("%w: file pattern %q", ErrBadRule, r.Pattern)
	}
	if r.Perms == "" || strings.Trim(r.Perms, filePerms) != "" {
		return fmt.Errorf("%w: file permissions %q for %s", ErrBadRule, r.Perms, r.Pattern)
	}
	return r.Qualifier.check()
}

// A CapabilityRule grants or denies one capability, named as
// capabilities(7) names it, lowercase and without "cap_".
type CapabilityRule struct {
	Qualifier Qualifier
	Name      string
}

// Text implements Rule.
func (r CapabilityRule) Text() string {
	return fmt.Sprintf("%scapability %s,", r.Qualifier.prefix(), r.Name)
}

func (r CapabilityRule) check() error {
	if !inspect.IsCapability(r.Name) {
		return fmt.Errorf("%w: capability %q", ErrBadRule, r.Name)
	}
	return r.Qualifier.check()
}

// A NetworkRule allows sockets of a family and type; an empty Family
// allows all networking.
type NetworkRule struct {
	Qualifier Qualifier
	// Family is "inet", "inet6", "unix" or "packet"; Type is "stream",
	// "dgram", "seqpacket" or "raw", or "" for every type.
	Family, Type string
}

// Text implements Rule.
func (r NetworkRule) Text() string {
	return strings.Join(slices.DeleteFunc([]string{r.Qualifier.prefix() + "network", r.Family, r.Type}, func(s string) bool { return s == "" }), " ") + ","
}

func (r NetworkRule) check() error {
	switch {
	case r.Family == "" && r.Type != "",
		!slices.Contains([]string{"", "inet", "inet6", "unix", "packet"}, r.Family),
		!slices.Contains([]string{"", "stream", "dgram", "seqpacket", "raw"}, r.Type):
		return fmt.Errorf("%w: network %q %q", ErrBadRule, r.Family, r.Type)
	}
	return r.Qualifier.check()
}

// fixedRule is one of the rules written as they are, such as the signal
// and mount rules: only this package makes them.
type fixedRule string

// Text implements Rule.
func (r fixedRule) Text() string { return string(r) }

func (r fixedRule) check() error {
	if strings.ContainsAny(string(r), "\n#\x00") || !strings.HasSuffix(string(r), ",") {
		return fmt.Errorf("%w: %q", ErrBadRule, string(r))
	}
	return nil
}

func (q Qualifier) check() error {
	switch q {
	case Allow, Deny, AuditDeny:
		return nil
	}
	return fmt.Errorf("%w: qualifier %q", ErrBadRule, string(q))
}

// validPattern reports whether p can stand in a file rule as one
// pattern: absolute (or starting with a variable), with commas only
// between the alternatives of balanced braces, and without anything else
// that would end the rule or the line. Spaces are allowed only in a
// pattern quoted whole.
func validPattern(p string) bool {
	if q, ok := strings.CutPrefix(p, `"`); ok {
		inner, ok := strings.CutSuffix(q, `"`)
		return ok && validPattern(strings.ReplaceAll(inner, " ", "_"))
	}
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "@{") || strings.ContainsAny(p, "\"#\\ \t\n\r\x00") {
		return false
	}
	depth := 0
	for _, r := range p {
		switch {
		case r == '{':
			depth++
		case r == '}':
			depth--
		case r == ',' && depth == 0:
			return false
		}
		if depth < 0 {
			return false
		}
	}
	return depth == 0
}

var nameSyntax = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// reservedNames are profile names with a meaning of their own to AppArmor
// or the engines: a profile of one of these names would not be used as
// this package's, or would replace what the engine runs every container
// with.
var reservedNames = []string{"unconfined", "docker-default"}

// ValidateName checks that name can name a profile: AppArmor's and the
// engines' syntax, at most 255 bytes, and none of the names AppArmor or
// the engines give a meaning (unconfined, docker-default,
// containers-default-*).
func ValidateName(name string) error {
	switch {
	case !nameSyntax.MatchString(name) || len(name) > 255:
		return fmt.Errorf("%w %q: a profile name is a letter or digit followed by letters, digits, '_', '.' and '-'", ErrBadName, name)
	case slices.Contains(reservedNames, name) || strings.HasPrefix(name, "containers-default-"):
		return fmt.Errorf("%w %q: the engines and AppArmor use that name themselves", ErrBadName, name)
	}
	return nil
}

// Validate checks the profile's name and every rule.
func (p *Profile) Validate() error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	for _, s := range p.Sections {
		for _, r := range s.Rules {
			if err := r.check(); err != nil {
				return fmt.Errorf("profile %s: %w", p.Name, err)
			}
		}
	}
	return nil
}

// Text returns the profile as AppArmor's parser reads it, the same bytes
// for the same profile, after checking it with Validate.
func (p *Profile) Text() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# AppArmor profile %s, written by confine for %s container %s.\n", p.Name, comment(p.Engine), comment(p.Container))
	b.WriteString("# Run confine apparmor again rather than editing it.\n")
	b.WriteString("abi <abi/3.0>,\n\ninclude <tunables/global>\n\n")
	fmt.Fprintf(&b, "profile %s flags=(attach_disconnected,mediate_deleted) {\n", p.Name)
	b.WriteString("  include <abstractions/base>\n")
	for _, s := range p.Sections {
		b.WriteString("\n")
		for _, c := range s.Comment {
			b.WriteString("  # " + comment(c) + "\n")
		}
		for _, r := range s.Rules {
			b.WriteString("  " + r.Text() + "\n")
		}
	}
	b.WriteString("}\n")
	return []byte(b.String()), nil
}

// comment makes s safe on a comment line: a control character, which
// could end the line, is written as Go would quote it.
func comment(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := fmt.Sprintf("%q", string(r))
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 }

// Written reports whether data is a profile file confine wrote, by the
// first line Text writes: a file without it is the host's own, which
// confine never replaces.
func Written(data []byte) bool {
	first, _, _ := strings.Cut(string(data), "\n")
	return strings.HasPrefix(first, "# AppArmor profile ") && strings.Contains(first, ", written by confine for ")
}
