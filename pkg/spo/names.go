package spo

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ErrBadName is wrapped when a profile cannot take a name: Kubernetes
// names an object with a DNS subdomain (lowercase letters, digits, '-'
// and '.'), and a SelinuxProfile's name is also its CIL block's, which
// takes no '.' and starts with a letter.
var ErrBadName = errors.New("invalid profile name")

// ErrBadKey is wrapped when a type, class or permission of a module is not
// one SPO's daemon accepts in spec.allow.
var ErrBadKey = errors.New("invalid allow entry")

// MaxNameLen is the longest name Kubernetes gives an object.
const MaxNameLen = 253

var (
	// dnsSubdomain is Kubernetes' rule for an object's name.
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// blockName is what a SelinuxProfile's name must also be: a CIL name.
	blockName = regexp.MustCompile(`^[a-z][-a-z0-9]*$`)
	// The patterns SPO's daemon checks spec.allow's keys and permissions
	// against (internal/pkg/daemon/selinuxprofile/selinuxprofile.go).
	labelKey  = regexp.MustCompile(`^([a-zA-Z0-9.\-_]+|@self)$`)
	classPerm = regexp.MustCompile(`^[a-zA-Z0-9.\-_]+$`)
	// aaPeer is the pattern of spec.abstract.ptrace.peer.
	aaPeer = regexp.MustCompile(`^(?:[a-zA-Z0-9_./*?-]|@\{profile_name\})+$`)
	// aaPath is SPO's pattern for an AppArmorProfile's paths
	// (crd2armor's strictPathRegex, and the API's validation).
	aaPath = regexp.MustCompile(`^/(?:[a-zA-Z0-9_./*?+@ -]|@\{[a-zA-Z0-9_]+\})*$`)
)

// runtimeProfiles are the AppArmor profile names SPO refuses to install,
// as the container runtimes' own (apparmor_supported.go), and the prefixes
// of those that carry a version.
var (
	runtimeProfiles        = []string{"cri-containerd.apparmor.d", "crio-default", "docker-default"}
	runtimeProfilePrefixes = []string{"containers-default-", "crio-default-"}
)

// suggest turns a module or profile name into one Kubernetes takes, for
// an error message: lowercase, with '_' as '-'.
func suggest(name string) string {
	s := strings.Trim(strings.ReplaceAll(strings.ToLower(name), "_", "-"), "-.")
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = "c-" + s
	}
	return s
}

// validateSelinuxName checks that name can name a SelinuxProfile: a
// Kubernetes name that is also a CIL block name.
func validateSelinuxName(name string) error {
	if len(name) > MaxNameLen || !dnsSubdomain.MatchString(name) || !blockName.MatchString(name) {
		return fmt.Errorf("%w %q: a SelinuxProfile's name is a lowercase letter followed by lowercase letters, digits and '-', ending in a letter or digit (it names the object and its CIL block); try %q", ErrBadName, name, suggest(name))
	}
	return nil
}

// validateAppArmorName checks that name can name an AppArmorProfile: a
// Kubernetes name that is not a container runtime's own profile.
func validateAppArmorName(name string) error {
	if len(name) > MaxNameLen || !dnsSubdomain.MatchString(name) {
		return fmt.Errorf("%w %q: an AppArmorProfile's name is lowercase letters, digits, '-' and '.', starting and ending in a letter or digit; try %q", ErrBadName, name, suggest(name))
	}
	if slices.Contains(runtimeProfiles, name) || slices.ContainsFunc(runtimeProfilePrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
		return fmt.Errorf("%w %q: SPO refuses the container runtimes' own profile names", ErrBadName, name)
	}
	return nil
}
