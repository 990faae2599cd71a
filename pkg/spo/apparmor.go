package spo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/confine-policy/confine/pkg/apparmor"
)

// An AppArmorProfileDoc is an AppArmorProfile resource.
type AppArmorProfileDoc struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   Metadata            `json:"metadata"`
	Spec       AppArmorProfileSpec `json:"spec"`
}

// AppArmorProfileSpec is an AppArmorProfile's spec.
type AppArmorProfileSpec struct {
	Abstract AppArmorAbstract `json:"abstract"`
	// Mode is Enforce (the default when empty) or Complain.
	Mode string `json:"mode,omitempty"`
}

// AppArmorAbstract is what SPO renders a profile from. Every list is
// sorted, without repeats.
type AppArmorAbstract struct {
	Executable *AppArmorExecutables  `json:"executable,omitempty"`
	Filesystem *AppArmorFilesystem   `json:"filesystem,omitempty"`
	Network    *AppArmorNetwork      `json:"network,omitempty"`
	Capability *AppArmorCapabilities `json:"capability,omitempty"`
	Ptrace     *AppArmorPtrace       `json:"ptrace,omitempty"`
}

// AppArmorExecutables are the paths SPO allows running (ixr) and
// mapping (mr).
type AppArmorExecutables struct {
	AllowedExecutables []string `json:"allowedExecutables,omitempty"`
	AllowedLibraries   []string `json:"allowedLibraries,omitempty"`
}

// AppArmorFilesystem are the paths SPO allows reading (and denies writing,
// linking and locking), writing (and denies reading), or both.
type AppArmorFilesystem struct {
	ReadOnlyPaths  []string `json:"readOnlyPaths,omitempty"`
	WriteOnlyPaths []string `json:"writeOnlyPaths,omitempty"`
	ReadWritePaths []string `json:"readWritePaths,omitempty"`
}

// AppArmorNetwork says which sockets SPO allows: raw ones, and those of
// TCP and UDP.
type AppArmorNetwork struct {
	AllowRaw  *bool              `json:"allowRaw,omitempty"`
	Protocols *AppArmorProtocols `json:"allowedProtocols,omitempty"`
}

// AppArmorProtocols are the protocols of AppArmorNetwork.
type AppArmorProtocols struct {
	AllowTCP *bool `json:"allowTcp,omitempty"`
	AllowUDP *bool `json:"allowUdp,omitempty"`
}

// AppArmorCapabilities are the capabilities SPO allows, lowercase without
// "cap_".
type AppArmorCapabilities struct {
	AllowedCapabilities []string `json:"allowedCapabilities,omitempty"`
}

// AppArmorPtrace is SPO's one ptrace rule: ptrace (ACCESS) peer=PEER.
type AppArmorPtrace struct {
	AllowedAccess []string `json:"allowedAccess"`
	Peer          string   `json:"peer,omitempty"`
}

// AppArmorOptions are the choices AppArmorProfile takes.
type AppArmorOptions struct {
	// Name names the resource, and so the profile SPO loads; "" is the
	// profile's name.
	Name string
	// Complain writes mode Complain: what the profile would deny is
	// logged and allowed. SPO then writes no deny rule at all.
	Complain bool
}

// ptraceAccess are the accesses SPO's ptrace field takes.
var ptraceAccess = []string{"read", "readby", "trace", "tracedby"}

// AppArmorProfile returns the AppArmorProfile for profile p, and warnings:
// every rule SPO's abstract cannot say as confine's profile does, and how
// it was widened or left out. An error means no resource: a name
// Kubernetes or SPO would refuse, or a profile that does not validate.
func AppArmorProfile(p *apparmor.Profile, opts AppArmorOptions) (*AppArmorProfileDoc, []string, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	name := cmp.Or(opts.Name, p.Name)
	if err := validateAppArmorName(name); err != nil {
		return nil, nil, err
	}
	a := &abstractor{self: p.Name}
	for _, s := range p.Sections {
		for _, r := range s.Rules {
			if err := a.rule(r); err != nil {
				return nil, nil, fmt.Errorf("profile %s: %w", p.Name, err)
			}
		}
	}
	doc := &AppArmorProfileDoc{
		APIVersion: APIVersion,
		Kind:       KindAppArmorProfile,
		Metadata:   Metadata{Name: name},
		Spec:       AppArmorProfileSpec{Abstract: a.abstract()},
	}
	if opts.Complain {
		doc.Spec.Mode = "Complain"
	}
	return doc, a.warnings, nil
}

// abstractor collects a profile's rules into SPO's abstract.
type abstractor struct {
	self                           string // the profile's name
	executables, libraries         []string
	readOnly, writeOnly, readWrite []string
	caps                           []string
	tcp, udp, raw                  bool
	ptrace                         []string
	ptracePeer                     string
	warnings                       []string
	readOnlyWarned, denyAllWarned  bool
	unixWarned, allNetWarned       bool
}

func (a *abstractor) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(a.warnings, w) {
		a.warnings = append(a.warnings, w)
	}
}

func (a *abstractor) rule(r apparmor.Rule) error {
	switch r := r.(type) {
	case apparmor.FileRule:
		return a.file(r)
	case apparmor.CapabilityRule:
		if r.Qualifier != apparmor.Allow {
			a.warn("%s left out: SPO's abstract only allows capabilities; a capability it does not list is refused all the same", r.Text())
			return nil
		}
		a.caps = append(a.caps, r.Name)
	case apparmor.NetworkRule:
		a.network(r)
	default:
		a.fixed(r.Text())
	}
	return nil
}

// paths returns the SPO paths a file rule's pattern stands for.
func (a *abstractor) paths(r apparmor.FileRule) ([]string, error) {
	pattern := r.Pattern
	if q, ok := strings.CutPrefix(pattern, `"`); ok {
		pattern = strings.TrimSuffix(q, `"`) // SPO quotes a path with a space itself
	}
	var out []string
	widened := false
	for _, p := range expand(pattern) {
		p, w := widen(p)
		widened = widened || w
		if !aaPath.MatchString(p) {
			return nil, fmt.Errorf("%s: %w: SPO takes no path %q", r.Text(), apparmor.ErrBadRule, p)
		}
		out = append(out, p)
	}
	out = prune(out)
	if widened {
		a.warn("%s written as %s: SPO's paths take no character class, so it matches more", r.Text(), strings.Join(out, " "))
	}
	return out, nil
}

func (a *abstractor) file(r apparmor.FileRule) error {
	paths, err := a.paths(r)
	if err != nil {
		return err
	}
	perms := r.Perms
	if r.Qualifier != apparmor.Allow {
		return a.deny(r, paths)
	}
	var as []string
	var added []string
	if strings.ContainsAny(perms, "walk") {
		a.readWrite = append(a.readWrite, paths...)
		as = append(as, "readWritePaths (rwlk)")
		for _, c := range "rwlk" {
			if !strings.ContainsRune(perms, c) && !(c == 'w' && strings.ContainsRune(perms, 'a')) {
				added = append(added, string(c))
			}
		}
	}
	if strings.ContainsRune(perms, 'm') || strings.ContainsRune(perms, 'r') && !strings.ContainsAny(perms, "walk") {
		// A library is mapped and read, which is the one list that
		// allows reading without SPO's readOnlyPaths denying writes, as
		// a deny would win over the rules that allow them.
		a.libraries = append(a.libraries, paths...)
		as = append(as, "allowedLibraries (mr)")
		if !strings.ContainsRune(perms, 'm') {
			added = append(added, "m")
		}
	}
	if strings.ContainsRune(perms, 'x') {
		a.executables = append(a.executables, paths...)
		as = append(as, "allowedExecutables (ixr)")
		if !strings.Contains(perms, "ix") {
			added = append(added, "ix")
		}
	}
	if len(added) > 0 {
		slices.Sort(added)
		a.warn("%s written as %s, which also allow %s", r.Text(), strings.Join(as, " and "), strings.Join(slices.Compact(added), ", "))
	}
	return nil
}

// deny writes a deny rule: writes denied as SPO's readOnlyPaths deny them,
// reads and writes as readOnlyPaths and writeOnlyPaths together do.
func (a *abstractor) deny(r apparmor.FileRule, paths []string) error {
	perms := r.Perms
	switch {
	case strings.Trim(perms, "walk") == "":
		a.readOnly = append(a.readOnly, paths...)
		if !a.readOnlyWarned {
			a.readOnlyWarned = true
			a.warn("denied writes (%s) are written as readOnlyPaths, which SPO renders as PATH r and deny PATH wlk: locking is denied there too, and the denials are not audited", r.Text())
		}
	case strings.ContainsRune(perms, 'r') && strings.ContainsAny(perms, "wa"):
		// readOnlyPaths deny w, l and k; writeOnlyPaths deny r. What
		// each also allows is denied by the other, and a deny wins.
		a.readOnly = append(a.readOnly, paths...)
		a.writeOnly = append(a.writeOnly, paths...)
		if strings.Trim(perms, "rwalk") != "" && !a.denyAllWarned {
			a.denyAllWarned = true
			a.warn("paths denied outright (%s) are written in both readOnlyPaths and writeOnlyPaths, which together deny r, w, l and k; SPO's abstract cannot deny %s", r.Text(), strings.Trim(perms, "rwalk"))
		}
	default:
		a.warn("%s left out: SPO's abstract has no rule that denies that alone", r.Text())
	}
	return nil
}

func (a *abstractor) network(r apparmor.NetworkRule) {
	if r.Qualifier != apparmor.Allow {
		a.warn("%s left out: SPO's abstract can deny only raw sockets", r.Text())
		return
	}
	switch {
	case r.Family == "":
		a.tcp, a.udp, a.raw = true, true, true
		if !a.allNetWarned {
			a.allNetWarned = true
			a.warn("%s (all networking) written as tcp, udp and raw sockets: SPO's abstract has no rule for the other families (netlink, packet, unix...)", r.Text())
		}
	case r.Family == "unix":
		if !a.unixWarned {
			a.unixWarned = true
			a.warn("%s left out: SPO's abstract has no rule for Unix sockets; abstractions/base, which SPO's profile includes, allows them among the profile's own processes and from unconfined ones, which on a kernel that mediates Unix sockets is less", r.Text())
		}
	case r.Family == "packet":
		a.raw = true
		a.warn("%s written as raw sockets: SPO's abstract has no rule for packet sockets of other types", r.Text())
	case r.Type == "stream":
		a.tcp = true
	case r.Type == "dgram":
		a.udp = true
	case r.Type == "raw":
		a.raw = true
	case r.Type == "seqpacket":
		a.warn("%s left out: SPO's abstract has only tcp, udp and raw sockets, and an sctp socket is none of them, so a published sctp port cannot be served", r.Text())
	default:
		a.tcp, a.udp = true, true
		a.warn("%s written as tcp and udp sockets: SPO's abstract has no rule for one family alone", r.Text())
	}
}

// fixed handles the rules package apparmor writes as they are.
func (a *abstractor) fixed(text string) {
	switch {
	case text == "deny mount," || text == "deny umount," || text == "deny pivot_root,":
		// SPO's profile has no mount rule, so AppArmor refuses these all
		// the same.
	case strings.HasPrefix(text, "ptrace ("):
		access, peer, ok := parsePtrace(text)
		if !ok || a.ptrace != nil && a.ptracePeer != peer {
			a.warn("%s left out: SPO's abstract holds one ptrace rule, of the accesses %s, for one peer", text, strings.Join(ptraceAccess, ", "))
			return
		}
		if peer == a.self {
			// Itself, whatever the resource is named.
			peer = "@{profile_name}"
		}
		a.ptrace, a.ptracePeer = append(a.ptrace, access...), peer
	case strings.HasPrefix(text, "signal"):
		a.warn("%s left out: SPO's abstract has no signal rule; abstractions/base, which SPO's profile includes, lets the profile's own processes signal each other and unconfined ones signal them, not an engine's process that runs under a profile of its own (runc, crun or podman on Ubuntu 24.04 and later)", text)
	default:
		a.warn("%s left out: SPO's abstract has no such rule", text)
	}
}

// parsePtrace reads "ptrace (ACCESS,...) peer=PEER,".
func parsePtrace(text string) (access []string, peer string, ok bool) {
	rest, _ := strings.CutPrefix(text, "ptrace (")
	list, rest, found := strings.Cut(rest, ")")
	if !found {
		return nil, "", false
	}
	for _, acc := range strings.Split(list, ",") {
		acc = strings.TrimSpace(acc)
		if !slices.Contains(ptraceAccess, acc) {
			return nil, "", false
		}
		access = append(access, acc)
	}
	rest = strings.TrimSuffix(strings.TrimSpace(rest), ",")
	if rest != "" {
		peer, found = strings.CutPrefix(rest, "peer=")
		if !found || !aaPeer.MatchString(peer) {
			return nil, "", false
		}
	}
	return access, peer, true
}

func (a *abstractor) abstract() AppArmorAbstract {
	var out AppArmorAbstract
	if ex, lib := prune(a.executables), prune(a.libraries); len(ex)+len(lib) > 0 {
		out.Executable = &AppArmorExecutables{AllowedExecutables: ex, AllowedLibraries: lib}
	}
	// Denials are kept whole: a deny covered by a wider allow still
	// counts.
	if ro, wo, rw := sortedSet(a.readOnly), sortedSet(a.writeOnly), prune(a.readWrite); len(ro)+len(wo)+len(rw) > 0 {
		out.Filesystem = &AppArmorFilesystem{ReadOnlyPaths: ro, WriteOnlyPaths: wo, ReadWritePaths: rw}
	}
	out.Network = &AppArmorNetwork{AllowRaw: &a.raw, Protocols: &AppArmorProtocols{AllowTCP: &a.tcp, AllowUDP: &a.udp}}
	if caps := sortedSet(a.caps); len(caps) > 0 {
		out.Capability = &AppArmorCapabilities{AllowedCapabilities: caps}
	}
	if access := sortedSet(a.ptrace); len(access) > 0 {
		out.Ptrace = &AppArmorPtrace{AllowedAccess: access, Peer: a.ptracePeer}
	}
	return out
}

func sortedSet(l []string) []string {
	l = slices.Clone(l)
	slices.Sort(l)
	return slices.Compact(l)
}

// LocalhostProfile returns the name SPO loads the profile under, which a
// pod names as appArmorProfile.localhostProfile.
func (d *AppArmorProfileDoc) LocalhostProfile() string { return d.Metadata.Name }

// YAML returns the resource as one YAML document.
func (d *AppArmorProfileDoc) YAML() ([]byte, error) { return yaml.Marshal(d) }
