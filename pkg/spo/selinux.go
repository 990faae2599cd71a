package spo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/confine-policy/confine/pkg/policy"
)

// The API group and version this package writes, and the kinds.
const (
	Group      = "security-profiles-operator.x-k8s.io"
	APIVersion = Group + "/v1"

	KindSelinuxProfile  = "SelinuxProfile"
	KindAppArmorProfile = "AppArmorProfile"
)

// Self is the key of spec.allow that stands for the profile's own
// process type, NAME.process.
const Self = "@self"

// SystemKind is the kind of an inherit entry that names a template block
// installed on the nodes, rather than another SelinuxProfile.
const SystemKind = "System"

// BaseTemplate is the system profile every profile inherits, the only one
// SPO allows by default: the block that declares process.
const BaseTemplate = "container"

// DefaultNamespace is the namespace SPO runs in, and its SPOD object
// (named spod) lives in, unless it was installed elsewhere
// (openshift-security-profiles on OpenShift).
const DefaultNamespace = "security-profiles-operator"

// A SelinuxProfileDoc is a SelinuxProfile resource.
type SelinuxProfileDoc struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Metadata   Metadata           `json:"metadata"`
	Spec       SelinuxProfileSpec `json:"spec"`
}

// Metadata is an object's metadata. Both kinds are cluster-scoped, so
// there is no namespace.
type Metadata struct {
	Name string `json:"name"`
}

// SelinuxProfileSpec is a SelinuxProfile's spec.
type SelinuxProfileSpec struct {
	// Inherit lists the template blocks the profile inherits, container
	// first.
	Inherit []PolicyRef `json:"inherit,omitempty"`
	// Mode is Enforcing (the default when empty) or Permissive.
	Mode string `json:"mode,omitempty"`
	// Allow holds the rules.
	Allow Allow `json:"allow,omitempty"`
}

// A PolicyRef names a profile to inherit: Kind System for a template
// block of the nodes' policy.
type PolicyRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Allow maps a target type (Self for the profile's own process) to object
// classes to permissions, each list sorted and without repeats. It is
// written with its keys sorted.
type Allow map[string]map[string][]string

// Denied says what SelinuxProfile does with a rule or inherit that SPO
// refuses by default.
type Denied int

const (
	// KeepDenied keeps it, with a warning that prints the SPOD setting
	// the operator must change before the profile installs.
	KeepDenied Denied = iota
	// DropDenied leaves it out, with a warning that says what the
	// container will be refused.
	DropDenied
)

// Options are the choices SelinuxProfile takes.
type Options struct {
	// Name names the profile, and so its CIL block and the process type
	// NAME.process; "" is the module's name.
	Name string
	// Denied says what to do with what SPO refuses by default.
	Denied Denied
}

// SPO's safe defaults, as its translator hard-codes them
// (internal/pkg/translator/obj2cil.go: deniedTypes, deniedClasses,
// deniedPermissions); the SPOD's spec.selinux.options.allowedTypes,
// allowedClasses and allowedPermissions take entries off them.
var (
	deniedTypes       = []string{"kernel_t", "kmem_t", "security_t", "shadow_t"}
	deniedClasses     = []string{"capability", "capability2", "security", "system"}
	deniedPermissions = []string{"load_policy", "mac_admin", "mounton", "relabelfrom", "relabelto", "setbool", "setenforce", "setsecparam"}
)

// SelinuxProfile returns the SelinuxProfile for module m, and warnings,
// each naming the profile: what SPO refuses by default and was kept or
// left out (Options.Denied). Advice says how to let what was kept
// through. An error means no profile: a name Kubernetes or SPO would
// refuse.
func SelinuxProfile(m *policy.Module, opts Options) (*SelinuxProfileDoc, []string, error) {
	name := cmp.Or(opts.Name, m.Name)
	if err := validateSelinuxName(name); err != nil {
		return nil, nil, err
	}
	t := translation{drop: opts.Denied == DropDenied, profile: name}
	doc := &SelinuxProfileDoc{
		APIVersion: APIVersion,
		Kind:       KindSelinuxProfile,
		Metadata:   Metadata{Name: name},
		Spec:       SelinuxProfileSpec{Inherit: []PolicyRef{{Kind: SystemKind, Name: BaseTemplate}}},
	}
	for _, tmpl := range m.Templates {
		if tmpl.Block == BaseTemplate {
			continue
		}
		if !labelKey.MatchString(tmpl.Block) || tmpl.Block == Self {
			return nil, nil, fmt.Errorf("%w: template block %q", ErrBadKey, tmpl.Block)
		}
		if t.systemProfile(tmpl) {
			doc.Spec.Inherit = append(doc.Spec.Inherit, PolicyRef{Kind: SystemKind, Name: tmpl.Block})
		}
	}
	allow := Allow{}
	for _, grp := range m.Groups {
		target := grp.Target
		if target == "process" {
			target = Self
		}
		if !labelKey.MatchString(target) {
			return nil, nil, fmt.Errorf("%w: type %q", ErrBadKey, grp.Target)
		}
		for _, r := range grp.Rules {
			if !classPerm.MatchString(r.Class) {
				return nil, nil, fmt.Errorf("%w: class %q", ErrBadKey, r.Class)
			}
			for _, p := range r.Perms {
				if !classPerm.MatchString(p) {
					return nil, nil, fmt.Errorf("%w: permission %q of class %s", ErrBadKey, p, r.Class)
				}
			}
			perms := t.rule(target, r.Class, r.Perms)
			if len(perms) == 0 {
				continue
			}
			if allow[target] == nil {
				allow[target] = map[string][]string{}
			}
			merged := append(slices.Clone(allow[target][r.Class]), perms...)
			slices.Sort(merged)
			allow[target][r.Class] = slices.Compact(merged)
		}
	}
	if len(allow) > 0 {
		doc.Spec.Allow = allow
	}
	return doc, t.warnings, nil
}

// translation collects what SPO refuses while a module is translated.
type translation struct {
	drop     bool
	profile  string
	warnings []string
}

// warn adds a warning once: a denied type is met once per class.
func (t *translation) warn(format string, args ...any) {
	w := "SelinuxProfile " + t.profile + ": " + fmt.Sprintf(format, args...)
	if !slices.Contains(t.warnings, w) {
		t.warnings = append(t.warnings, w)
	}
}

// systemProfile reports whether the template is inherited, warning that
// SPO refuses it by default.
func (t *translation) systemProfile(tmpl policy.Template) bool {
	why := "inherit " + tmpl.Block
	if len(tmpl.Reasons) > 0 {
		why += " (" + strings.Join(tmpl.Reasons, "; ") + ")"
	}
	if t.drop {
		t.warn("%s left out: SPO inherits only the system profiles its SPOD's spec.selinux.options.allowedSystemProfiles lists, %s by default; the container loses what the block grants", why, BaseTemplate)
		return false
	}
	t.warn("%s kept: SPO inherits only the system profiles its SPOD's spec.selinux.options.allowedSystemProfiles lists, %s by default", why, BaseTemplate)
	return true
}

// rule returns the permissions of one rule that go into the profile,
// warning of what SPO refuses in it.
func (t *translation) rule(target, class string, perms []string) []string {
	where := target + " " + class + " (" + strings.Join(perms, " ") + ")"
	// denied warns, and reports whether what SPO refuses is left out.
	denied := func(what, setting, name string) bool {
		if t.drop {
			t.warn("%s %s: SPO refuses it by default; left out of %s, so the container is refused it", what, name, where)
			return true
		}
		t.warn("%s %s: SPO refuses it by default unless the SPOD's spec.selinux.options.%s lists it; kept in %s", what, name, setting, where)
		return false
	}
	if slices.Contains(deniedTypes, target) && denied("type", "allowedTypes", target) {
		return nil
	}
	if slices.Contains(deniedClasses, class) && denied("class", "allowedClasses", class) {
		return nil
	}
	kept := make([]string, 0, len(perms))
	for _, p := range perms {
		if slices.Contains(deniedPermissions, p) && denied("permission", "allowedPermissions", p) {
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

// Advice returns what to do before docs install on an SPO in namespace
// ("" is DefaultNamespace) left at its defaults: nothing, or the one
// kubectl patch of the SPOD that allows what they hold and SPO refuses.
// One patch for all: a merge patch replaces each list whole, so one per
// profile would undo the one before.
func Advice(namespace string, docs ...*SelinuxProfileDoc) []string {
	needs := Needs(docs...)
	if needs.Empty() {
		return nil
	}
	namespace = cmp.Or(namespace, DefaultNamespace)
	what := "the SelinuxProfile installs"
	if len(docs) > 1 {
		what = "the SelinuxProfiles install"
	}
	advice := []string{fmt.Sprintf("%s only once the SPOD allows what SPO refuses by default; a merge patch replaces each list, so add what the SPOD lists already (kubectl -n %s get spod spod -o jsonpath='{.spec.selinux.options}'): %s",
		what, namespace, needs.KubectlPatch(namespace))}
	if len(needs.AllowedSystemProfiles) > 0 {
		advice = append(advice, "on an SPO release whose SPOD is still v1alpha1, the setting is spec.selinuxOptions.allowedSystemProfiles, and its translator refuses no type, class or permission")
	}
	return advice
}

// Usage returns what a pod names the profile by: its process type,
// NAME.process, for seLinuxOptions.type (SPO's GetPolicyUsage).
func (d *SelinuxProfileDoc) Usage() string { return d.Metadata.Name + ".process" }

// YAML returns the resource as one YAML document.
func (d *SelinuxProfileDoc) YAML() ([]byte, error) { return yaml.Marshal(d) }
