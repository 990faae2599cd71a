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

// AppArmorProfile returns the AppArmorProfile for profile p, and warnings,
// each naming the resource: every rule SPO's abstract cannot say as
// confine's profile does, and how it was widened or left out. An error
// means no resource: a name Kubernetes or SPO would refuse (wrapping
// ErrBadName), a path SPO's paths cannot hold (wrapping
// apparmor.ErrBadRule), or a profile that does not validate.
func AppArmorProfile(p *apparmor.Profile, opts AppArmorOptions) (*AppArmorProfileDoc, []string, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	name := cmp.Or(opts.Name, p.Name)
	if err := validateAppArmorName(name); err != nil {
		return nil, nil, err
	}
	a := &abstractor{self: p.Name, name: name, allowed: map[string][]string{}, sockets: map[string][]string{}, denials: map[string][]string{}}
	for _, s := range p.Sections {
		for _, r := range s.Rules {
			if err := a.rule(r); err != nil {
				return nil, nil, fmt.Errorf("AppArmorProfile %s: %w", name, err)
			}
		}
	}
	a.finish()
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
	self, name string // the profile's name, the resource's
	// allowed maps each of SPO's lists that allow paths to its paths,
	// and allows are the rules that went into them.
	allowed             map[string][]string
	allows              []allowRule
	readOnly, writeOnly []string
	caps                []string
	tcp, udp, raw       bool
	ptrace              []string
	ptracePeer          string
	// sockets maps a socket type to the families rules allowed it in.
	sockets map[string][]string
	// rawRules are the rules written as allowRaw; packet, whether one is
	// of packet sockets.
	rawRules []string
	packet   bool
	// denials maps what deny rules became to the rules, denied its keys
	// in order.
	denials  map[string][]string
	denied   []string
	warnings []string
}

// SPO's lists that allow paths, and how it allows them.
const (
	readWritePaths     = "readWritePaths"     // rwlk
	allowedLibraries   = "allowedLibraries"   // mr
	allowedExecutables = "allowedExecutables" // ixr
)

// An allowRule is a file rule that allows, as it went into SPO's lists,
// and why it matches more there, if it does.
type allowRule struct {
	text  string
	lists []string
	paths []string
	why   []string
}

func (a *abstractor) warn(format string, args ...any) {
	w := "AppArmorProfile " + a.name + ": " + fmt.Sprintf(format, args...)
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
			a.warn("%s left out: SPO's abstract only allows capabilities, and refuses those it does not list all the same", r.Text())
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

// spoPaths returns the SPO paths a file rule's pattern stands for,
// whether a character class was widened, and whether one of the first
// name was, into /*/**: then the paths reach below every name at the
// top, /dev, /proc and /sys among them.
func spoPaths(r apparmor.FileRule) (paths []string, widened, top bool, err error) {
	pattern := r.Pattern
	if q, ok := strings.CutPrefix(pattern, `"`); ok {
		pattern = strings.TrimSuffix(q, `"`) // SPO quotes a path with a space itself
	}
	for _, p := range expand(pattern) {
		w, changed := widen(p)
		widened = widened || changed
		top = top || strings.HasPrefix(p, "/[") && strings.HasPrefix(w, "/*/**")
		if !aaPath.MatchString(w) {
			return nil, false, false, fmt.Errorf("rule %q: %w: SPO's paths hold only letters, digits, spaces, _ . / + - @, the globs * ** ? and variables @{NAME}, not %q", r.Text(), apparmor.ErrBadRule, w)
		}
		paths = append(paths, w)
	}
	return prune(paths), widened, top, nil
}

func (a *abstractor) file(r apparmor.FileRule) error {
	paths, widened, top, err := spoPaths(r)
	if err != nil {
		return err
	}
	if r.Qualifier != apparmor.Allow {
		a.deny(r, paths, widened)
		return nil
	}
	perms := r.Perms
	has := func(c rune) bool { return strings.ContainsRune(perms, c) }
	rule := allowRule{text: r.Text(), paths: paths}
	var modes, added []string
	add := func(list, mode string) {
		a.allowed[list] = append(a.allowed[list], paths...)
		rule.lists, modes = append(rule.lists, list), append(modes, mode)
		for _, c := range mode {
			if !has(c) {
				added = append(added, string(c))
			}
		}
	}
	if strings.ContainsAny(perms, "walk") {
		add(readWritePaths, "rwlk")
	}
	if has('m') || has('r') && !strings.ContainsAny(perms, "walk") {
		// A library is mapped and read: the one list that allows reading
		// without SPO's readOnlyPaths denying writes, as a deny would win
		// over the rules that allow them.
		add(allowedLibraries, "mr")
	}
	if has('x') {
		add(allowedExecutables, "ixr")
	}
	if has('m') || has('x') {
		// SPO refuses a program or library whose path climbs out of a
		// directory (/.. at its start, /../ inside).
		for _, p := range paths {
			if strings.HasPrefix(p, "/..") || strings.Contains(p, "/../") {
				return fmt.Errorf("rule %q: %w: SPO takes no program or library path with /.. in it, as %q", r.Text(), apparmor.ErrBadRule, p)
			}
		}
	}
	if widened {
		rule.why = append(rule.why, "SPO's paths take no character class, so each class became *, which matches more")
		if top {
			access := "readable"
			if slices.Contains(rule.lists, readWritePaths) {
				access = "readable and writable"
			}
			rule.why = append(rule.why, "with the first name's class gone it matches every path, /dev, /proc and /sys among them, so every device node and all of /sys become "+access+", but for what SPO's own rules deny")
		}
	}
	if added = sortedSet(added); len(added) > 0 {
		rule.why = append(rule.why, fmt.Sprintf("SPO allows %s, so also %s", join(modes), join(added)))
	}
	a.allows = append(a.allows, rule)
	return nil
}

// join lists words in English: "a", "a and b", "a, b and c".
func join(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// deny writes a deny rule: writes denied as SPO's readOnlyPaths deny them,
// reads and writes as readOnlyPaths and writeOnlyPaths together do.
// Rules that become the same are warned about together, in finish.
func (a *abstractor) deny(r apparmor.FileRule, paths []string, widened bool) {
	perms := r.Perms
	var how string
	switch {
	case strings.Trim(perms, "walk") == "":
		a.readOnly = append(a.readOnly, paths...)
		how = "in readOnlyPaths, which SPO renders as PATH r and deny PATH wlk, so they become readable"
		if extra := missing("wlk", perms); len(extra) > 0 {
			how += ", and it denies " + join(extra) + " too"
		}
	case strings.ContainsRune(perms, 'r') && strings.ContainsAny(perms, "wa"):
		// readOnlyPaths deny w, l and k; writeOnlyPaths deny r. What
		// each also allows is denied by the other, and a deny wins.
		a.readOnly = append(a.readOnly, paths...)
		a.writeOnly = append(a.writeOnly, paths...)
		how = "in readOnlyPaths and writeOnlyPaths, whose rules SPO renders so that together they deny r, w, l and k"
		if extra := missing("wlk", perms); len(extra) > 0 {
			how += " (" + join(extra) + " too)"
		}
		if left := strings.Trim(perms, "rwalk"); left != "" {
			how += ", and nothing denies " + left
		}
	default:
		a.warn("%s left out: SPO's abstract cannot deny %s without denying reads or writes", r.Text(), perms)
		return
	}
	if widened {
		how += "; SPO's paths take no character class, so each class became * (" + strings.Join(paths, " ") + "), which denies more"
	}
	if r.Qualifier == apparmor.AuditDeny {
		how += "; SPO's denials are not audited"
	}
	if _, ok := a.denials[how]; !ok {
		a.denied = append(a.denied, how)
	}
	a.denials[how] = append(a.denials[how], r.Text())
}

// missing returns the permissions of want that perms lacks.
func missing(want, perms string) []string {
	var out []string
	for _, c := range want {
		if !strings.ContainsRune(perms, c) {
			out = append(out, string(c))
		}
	}
	return out
}

func (a *abstractor) network(r apparmor.NetworkRule) {
	if r.Qualifier != apparmor.Allow {
		a.warn("%s left out: SPO's abstract can deny only raw sockets", r.Text())
		return
	}
	switch {
	case r.Family == "":
		a.tcp, a.udp, a.raw = true, true, true
		a.warn("%s (all networking) written as allowTcp, allowUdp and allowRaw: SPO's abstract has no rule for other sockets: those of unix, netlink and the other families are refused, but for raw ones and what abstractions/base allows", r.Text())
	case r.Family == "unix":
		a.warn("%s left out: SPO's abstract has no rule for Unix sockets; abstractions/base, which SPO's profile includes, lets the profile create them and use them with its own processes (and receive from unconfined ones), which on a kernel that mediates Unix sockets is less", r.Text())
	case r.Family == "packet" || r.Type == "raw":
		a.raw = true
		a.rawRules = append(a.rawRules, r.Text())
		a.packet = a.packet || r.Family == "packet"
	case r.Type == "stream":
		a.tcp = true
		a.sockets["stream"] = append(a.sockets["stream"], r.Family)
	case r.Type == "dgram":
		a.udp = true
		a.sockets["dgram"] = append(a.sockets["dgram"], r.Family)
	case r.Type == "seqpacket":
		a.warn("%s left out: SPO's abstract has only tcp, udp and raw sockets, and an sctp socket is none of them, so a published sctp port cannot be served", r.Text())
	default:
		a.tcp, a.udp = true, true
		a.warn("%s written as allowTcp and allowUdp, which SPO renders as network tcp and network udp, of inet and inet6 both: SPO's abstract has no rule for one family, and its raw sockets are allowRaw's", r.Text())
	}
}

// fixed handles the rules package apparmor writes as they are.
func (a *abstractor) fixed(text string) {
	switch {
	case text == "deny mount," || text == "deny umount," || text == "deny pivot_root,":
		// SPO's profile has no mount rule but with sys_rawio (see
		// finish), so AppArmor refuses these all the same.
	case strings.HasPrefix(text, "ptrace ("):
		access, peer, ok := parsePtrace(text)
		if peer == a.self {
			// Itself, whatever the resource is named.
			peer = "@{profile_name}"
		}
		if !ok || a.ptrace != nil && a.ptracePeer != peer {
			a.warn("%s left out: SPO's abstract holds one ptrace rule, of the accesses %s, for one peer", text, join(ptraceAccess))
			return
		}
		a.ptrace, a.ptracePeer = append(a.ptrace, access...), peer
	case strings.HasPrefix(text, "signal"):
		_, peer, _ := strings.Cut(strings.TrimSuffix(text, ","), " peer=")
		others := slices.DeleteFunc(expand(peer), func(p string) bool { return p == "unconfined" || p == a.self })
		if peer != "" && len(others) == 0 {
			// abstractions/base, which SPO's profile includes, lets
			// unconfined processes signal the profile's, and those
			// signal each other.
			return
		}
		from := "other processes"
		if peer != "" {
			from = join(others)
		}
		a.warn("%s left out: SPO's abstract has no signal rule, and abstractions/base, which SPO's profile includes, only lets unconfined processes signal the profile's and those signal each other: signals from %s are refused while they run under a profile of their own", text, from)
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

// finish prunes SPO's lists and warns of what only the whole profile
// shows: a rule that matches more in SPO's lists, unless a wider one
// covers each of its paths there, which says it all.
func (a *abstractor) finish() {
	for list, paths := range a.allowed {
		a.allowed[list] = prune(paths)
	}
	for _, r := range a.allows {
		kept := slices.ContainsFunc(r.lists, func(list string) bool {
			return slices.ContainsFunc(r.paths, func(p string) bool { return slices.Contains(a.allowed[list], p) })
		})
		if kept && len(r.why) > 0 {
			a.warn("%s written in %s as %s: %s", r.text, join(r.lists), strings.Join(r.paths, " "), strings.Join(r.why, "; "))
		}
	}
	for _, how := range a.denied {
		a.warn("%s written %s", strings.Join(a.denials[how], " "), how)
	}
	if len(a.rawRules) > 0 {
		w := "SPO renders it as network raw, which allows raw sockets of every family, netlink's among them"
		if a.packet {
			w += ", and only raw ones of packet's"
		}
		a.warn("%s written as allowRaw: %s", strings.Join(a.rawRules, " "), w)
	}
	for _, s := range []struct{ kind, field, protocol string }{{"stream", "allowTcp", "tcp"}, {"dgram", "allowUdp", "udp"}} {
		if fams := a.sockets[s.kind]; len(fams) > 0 && !(slices.Contains(fams, "inet") && slices.Contains(fams, "inet6")) {
			a.warn("network %s %s, written as %s: SPO renders it as network %s, of inet and inet6 both", fams[0], s.kind, s.field, s.protocol)
		}
	}
	if slices.Contains(a.caps, "sys_rawio") {
		a.warn("capability sys_rawio: with it SPO's daemon also allows mount, remount and umount, and running /sbin/fsck and /sbin/fsck.ext4, which this profile does not")
	}
}

func (a *abstractor) abstract() AppArmorAbstract {
	var out AppArmorAbstract
	if ex, lib := a.allowed[allowedExecutables], a.allowed[allowedLibraries]; len(ex)+len(lib) > 0 {
		out.Executable = &AppArmorExecutables{AllowedExecutables: ex, AllowedLibraries: lib}
	}
	// Denials are kept whole: a deny covered by a wider allow still
	// counts.
	if ro, wo, rw := sortedSet(a.readOnly), sortedSet(a.writeOnly), a.allowed[readWritePaths]; len(ro)+len(wo)+len(rw) > 0 {
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
