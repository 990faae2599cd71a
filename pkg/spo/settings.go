package spo

import (
	"cmp"
	"encoding/json"
	"slices"
)

// SPODSettings are the lists of the SecurityProfilesOperatorDaemon's
// spec.selinux.options that let SelinuxProfiles through SPO's defaults:
// the system profiles they may inherit, beyond container, and the types,
// classes and permissions taken off the translator's denylists.
type SPODSettings struct {
	AllowedSystemProfiles []string `json:"allowedSystemProfiles,omitempty"`
	AllowedTypes          []string `json:"allowedTypes,omitempty"`
	AllowedClasses        []string `json:"allowedClasses,omitempty"`
	AllowedPermissions    []string `json:"allowedPermissions,omitempty"`
}

// Needs returns what the SPOD must allow for all of docs to install: the
// System inherits other than container, and each type, class and
// permission of their rules that SPO refuses by default.
func Needs(docs ...*SelinuxProfileDoc) SPODSettings {
	var s SPODSettings
	for _, d := range docs {
		for _, r := range d.Spec.Inherit {
			if r.Kind == SystemKind && r.Name != BaseTemplate {
				s.AllowedSystemProfiles = append(s.AllowedSystemProfiles, r.Name)
			}
		}
		for target, classes := range d.Spec.Allow {
			if slices.Contains(deniedTypes, target) {
				s.AllowedTypes = append(s.AllowedTypes, target)
			}
			for class, perms := range classes {
				if slices.Contains(deniedClasses, class) {
					s.AllowedClasses = append(s.AllowedClasses, class)
				}
				for _, p := range perms {
					if slices.Contains(deniedPermissions, p) {
						s.AllowedPermissions = append(s.AllowedPermissions, p)
					}
				}
			}
		}
	}
	return s.normalized()
}

// Empty reports whether s allows nothing beyond SPO's defaults.
func (s SPODSettings) Empty() bool {
	return len(s.AllowedSystemProfiles) == 0 && len(s.AllowedTypes) == 0 && len(s.AllowedClasses) == 0 && len(s.AllowedPermissions) == 0
}

// normalized returns s with each list sorted and without repeats; a list
// of system profiles starts with container, which SPO allows by default
// and a merge patch would otherwise take away.
func (s SPODSettings) normalized() SPODSettings {
	set := func(l []string) []string {
		l = slices.Clone(l)
		slices.Sort(l)
		return slices.Compact(l)
	}
	out := SPODSettings{
		AllowedTypes:       set(s.AllowedTypes),
		AllowedClasses:     set(s.AllowedClasses),
		AllowedPermissions: set(s.AllowedPermissions),
	}
	if profiles := slices.DeleteFunc(set(s.AllowedSystemProfiles), func(p string) bool { return p == BaseTemplate }); len(profiles) > 0 {
		out.AllowedSystemProfiles = append([]string{BaseTemplate}, profiles...)
	}
	return out
}

// MergePatch returns the JSON merge patch of the SPOD that sets s, as
// kubectl patch --type=merge takes it. A merge patch replaces a list
// whole: it must hold what the SPOD already lists, too.
func (s SPODSettings) MergePatch() string {
	type selinux struct {
		Options SPODSettings `json:"options"`
	}
	type spec struct {
		Selinux selinux `json:"selinux"`
	}
	// Strings and lists of strings always marshal.
	patch, _ := json.Marshal(struct {
		Spec spec `json:"spec"`
	}{spec{selinux{s.normalized()}}})
	return string(patch)
}

// KubectlPatch returns the command that sets s in the SPOD of SPO in
// namespace ("" is DefaultNamespace). The names in it are types, classes,
// permissions and block names, which hold no quote, so the patch is
// quoted whole for a POSIX shell.
func (s SPODSettings) KubectlPatch(namespace string) string {
	return "kubectl -n " + cmp.Or(namespace, DefaultNamespace) + " patch spod spod --type=merge -p '" + s.MergePatch() + "'"
}
