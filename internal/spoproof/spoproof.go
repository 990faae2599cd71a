// Package spoproof reads the Security Profiles Operator's resources as
// SPO's API defines them (DecodeSelinux, Decode), and renders its
// AppArmorProfile resources into the AppArmor profile SPO's daemon loads
// for them, so that tests can compile that profile with apparmor_parser
// and prove it with internal/aaproof: what confine writes for SPO is then
// judged by what it means once SPO has rendered it, not by what confine
// says it means. It reads the YAML with its own types, strictly, and
// imports nothing of confine's.
//
// The rendering follows what SPO's daemon does (its crd2armor package, as
// pkg/spo's documentation records it), in rules of this package's own
// wording that match the same paths:
//
//   - the profile is NAME, the resource's, with flags enforce (or
//     complain for mode Complain), attach_disconnected and
//     mediate_deleted; it includes tunables/global and abstractions/base,
//     and names no abi;
//   - each allowed executable is PATH ixr, each library PATH mr; each
//     read-only path PATH r with deny PATH wlk, each write-only one
//     PATH wlk with deny PATH r, each read-write one PATH rwlk; a path
//     with a space is quoted;
//   - ptrace is one rule of its sorted accesses, for its peer if it has
//     one;
//   - allowRaw true is network raw, false deny network raw; allowTcp and
//     allowUdp true are network tcp and network udp;
//   - each capability is a rule of its own; with sys_rawio among them
//     SPO also allows running /sbin/fsck and /sbin/fsck.ext4 (ixr) and
//     the mount, remount and umount rules;
//   - in the end it denies writes to /proc's own files and below its
//     entries but a process's and sys, to /proc/sys but kernel and to
//     /proc/sys/kernel but shm*, every access but m to sysrq-trigger,
//     mem, kmem and kcore of /proc, and to the EFI variables of /sys.
//
// In complain mode no deny rule is written at all. What SPO refuses (a
// path outside its pattern, an unknown capability or ptrace access, a
// program or library path with /.. in it) is an error.
package spoproof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A Doc is one AppArmorProfile resource, as SPO's v1 API documents its
// fields; metadata holds only a name. Empty fields are left out when it
// is encoded, as they are when pkg/spo writes it.
type Doc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		State    string   `yaml:"state,omitempty"`
		Mode     string   `yaml:"mode,omitempty"`
		Abstract Abstract `yaml:"abstract,omitempty"`
	} `yaml:"spec"`
}

// Abstract is spec.abstract.
type Abstract struct {
	Executable *struct {
		AllowedExecutables []string `yaml:"allowedExecutables,omitempty"`
		AllowedLibraries   []string `yaml:"allowedLibraries,omitempty"`
	} `yaml:"executable,omitempty"`
	Filesystem *Filesystem `yaml:"filesystem,omitempty"`
	Network    *struct {
		AllowRaw         *bool `yaml:"allowRaw,omitempty"`
		AllowedProtocols *struct {
			AllowTCP *bool `yaml:"allowTcp,omitempty"`
			AllowUDP *bool `yaml:"allowUdp,omitempty"`
		} `yaml:"allowedProtocols,omitempty"`
	} `yaml:"network,omitempty"`
	Capability *struct {
		AllowedCapabilities []string `yaml:"allowedCapabilities,omitempty"`
	} `yaml:"capability,omitempty"`
	Ptrace *struct {
		AllowedAccess []string `yaml:"allowedAccess,omitempty"`
		Peer          string   `yaml:"peer,omitempty"`
	} `yaml:"ptrace,omitempty"`
}

// Filesystem is spec.abstract.filesystem.
type Filesystem struct {
	ReadOnlyPaths  []string `yaml:"readOnlyPaths,omitempty"`
	WriteOnlyPaths []string `yaml:"writeOnlyPaths,omitempty"`
	ReadWritePaths []string `yaml:"readWritePaths,omitempty"`
}

// Decode reads a YAML stream of AppArmorProfiles. A field SPO's schema
// does not have, another kind or API version is an error.
func Decode(stream []byte) ([]*Doc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	dec.KnownFields(true)
	var docs []*Doc
	for {
		d := new(Doc)
		err := dec.Decode(d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("spoproof: document %d: %w", len(docs)+1, err)
		}
		if d.APIVersion != "security-profiles-operator.x-k8s.io/v1" || d.Kind != "AppArmorProfile" {
			return nil, fmt.Errorf("spoproof: document %d is a %s of %s, not an AppArmorProfile of security-profiles-operator.x-k8s.io/v1", len(docs)+1, d.Kind, d.APIVersion)
		}
		docs = append(docs, d)
	}
}

// Invalid returns what SPO's API would refuse in d, one line each: a
// path, capability, ptrace access or peer its patterns refuse, a list
// that repeats an entry, a ptrace rule of no or too many accesses, or
// another mode.
func (d *Doc) Invalid() []string {
	var bad []string
	set := func(field string, l []string, ok func(string) bool) {
		s := slices.Clone(l)
		slices.Sort(s)
		if len(slices.Compact(s)) != len(l) {
			bad = append(bad, field+" repeats an entry")
		}
		for _, v := range l {
			if !ok(v) {
				bad = append(bad, field+": "+v)
			}
		}
	}
	in := func(l []string) func(string) bool { return func(v string) bool { return slices.Contains(l, v) } }
	a := d.Spec.Abstract
	if a.Executable != nil {
		set("allowedExecutables", a.Executable.AllowedExecutables, path.MatchString)
		set("allowedLibraries", a.Executable.AllowedLibraries, path.MatchString)
	}
	if a.Filesystem != nil {
		set("readOnlyPaths", a.Filesystem.ReadOnlyPaths, path.MatchString)
		set("writeOnlyPaths", a.Filesystem.WriteOnlyPaths, path.MatchString)
		set("readWritePaths", a.Filesystem.ReadWritePaths, path.MatchString)
	}
	if a.Capability != nil {
		set("allowedCapabilities", a.Capability.AllowedCapabilities, in(capabilities))
	}
	if p := a.Ptrace; p != nil {
		set("allowedAccess", p.AllowedAccess, in(ptraceAccess))
		if len(p.AllowedAccess) < 1 || len(p.AllowedAccess) > 4 {
			bad = append(bad, "allowedAccess holds 1 to 4 entries")
		}
		if p.Peer != "" && (len(p.Peer) > 256 || !peer.MatchString(p.Peer)) {
			bad = append(bad, "peer: "+p.Peer)
		}
	}
	if !slices.Contains([]string{"", "Enforce", "Complain"}, d.Spec.Mode) {
		bad = append(bad, "mode: "+d.Spec.Mode)
	}
	return bad
}

// What SPO's API and daemon accept.
var (
	name = regexp.MustCompile(`^[a-zA-Z0-9_./-]+$`)
	path = regexp.MustCompile(`^/(?:[a-zA-Z0-9_./*?+@ -]|@\{[a-zA-Z0-9_]+\})*$`)
	peer = regexp.MustCompile(`^(?:[a-zA-Z0-9_./*?-]|@\{profile_name\})+$`)
	// capabilities are those SPO's API lists.
	capabilities = strings.Fields(`chown dac_override dac_read_search fowner fsetid kill setgid setuid
		setpcap linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner
		sys_module sys_rawio sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource
		sys_time sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin
		syslog wake_alarm block_suspend audit_read perfmon bpf checkpoint_restore`)
	ptraceAccess = []string{"read", "readby", "trace", "tracedby"}
)

// The rules SPO's daemon ends an enforcing profile with.
var protections = []string{
	// /proc's own files, and what lies below an entry that is neither a
	// process's (a number not starting with 0) nor sys, of one, two,
	// three and more characters.
	"deny @{PROC}/* w,",
	"deny @{PROC}/[^1-9]/** w,",
	"deny @{PROC}/[^1-9][^0-9]/** w,",
	"deny @{PROC}/[^1-9s][^0-9y][^0-9s]/** w,",
	"deny @{PROC}/[^1-9][^0-9][^0-9][^0-9]*/** w,",
	// /proc/sys but what starts with k, and /proc/sys/kernel but shm*.
	"deny @{PROC}/sys/[^k]** w,",
	"deny @{PROC}/sys/kernel/? w,",
	"deny @{PROC}/sys/kernel/?? w,",
	"deny @{PROC}/sys/kernel/[^s][^h][^m]** w,",
	// The kernel's memory and its emergency keys, and the EFI variables.
	"deny @{PROC}/{sysrq-trigger,mem,kmem,kcore} rwlkx,",
	"deny /sys/firmware/efi/efivars/** rwlkx,",
}

// Render returns the AppArmor profile SPO's daemon makes of d, or what
// SPO would refuse in it.
func Render(d *Doc) ([]byte, error) {
	n := d.Metadata.Name
	if !name.MatchString(n) {
		return nil, fmt.Errorf("spoproof: SPO takes no profile name %q", n)
	}
	mode := "enforce"
	switch d.Spec.Mode {
	case "", "Enforce":
	case "Complain":
		mode = "complain"
	default:
		return nil, fmt.Errorf("spoproof: %s: mode %q is neither Enforce nor Complain", n, d.Spec.Mode)
	}
	enforce := mode == "enforce"
	r := &renderer{}
	r.line("# What the Security Profiles Operator's daemon loads for AppArmorProfile %s, rendered by spoproof.", n)
	r.line("include <tunables/global>")
	r.line("")
	r.line("profile %s flags=(%s,attach_disconnected,mediate_deleted) {", n, mode)
	r.line("  include <abstractions/base>")
	a := d.Spec.Abstract
	var caps []string
	if a.Capability != nil {
		for _, c := range a.Capability.AllowedCapabilities {
			c = strings.ToLower(strings.TrimSpace(c))
			if !slices.Contains(capabilities, c) {
				return nil, fmt.Errorf("spoproof: %s: SPO takes no capability %q", n, c)
			}
			caps = append(caps, c)
		}
	}
	rawio := slices.Contains(caps, "sys_rawio")
	// What the read-only and write-only paths are denied.
	denyWLK, denyR := "wlk", "r"
	if !enforce {
		denyWLK, denyR = "", ""
	}
	if e := a.Executable; e != nil {
		r.paths(e.AllowedExecutables, "ixr", "")
		r.paths(e.AllowedLibraries, "mr", "")
	}
	if rawio {
		r.line("  /sbin/fsck ixr,")
		r.line("  /sbin/fsck.ext4 ixr,")
	}
	if fs := a.Filesystem; fs != nil {
		r.paths(fs.ReadOnlyPaths, "r", denyWLK)
		r.paths(fs.WriteOnlyPaths, "wlk", denyR)
		r.paths(fs.ReadWritePaths, "rwlk", "")
	}
	if p := a.Ptrace; p != nil {
		access := slices.Clone(p.AllowedAccess)
		slices.Sort(access)
		access = slices.Compact(access)
		if len(access) == 0 {
			return nil, fmt.Errorf("spoproof: %s: a ptrace rule without access", n)
		}
		for _, acc := range access {
			if !slices.Contains(ptraceAccess, acc) {
				return nil, fmt.Errorf("spoproof: %s: SPO takes no ptrace access %q", n, acc)
			}
		}
		rule := "  ptrace (" + strings.Join(access, ", ") + ")"
		if p.Peer != "" {
			if !peer.MatchString(p.Peer) {
				return nil, fmt.Errorf("spoproof: %s: SPO takes no ptrace peer %q", n, p.Peer)
			}
			rule += " peer=" + p.Peer
		}
		r.line("%s,", rule)
	}
	if net := a.Network; net != nil {
		switch {
		case net.AllowRaw == nil:
		case *net.AllowRaw:
			r.line("  network raw,")
		case enforce:
			r.line("  deny network raw,")
		}
		if p := net.AllowedProtocols; p != nil {
			if p.AllowTCP != nil && *p.AllowTCP {
				r.line("  network tcp,")
			}
			if p.AllowUDP != nil && *p.AllowUDP {
				r.line("  network udp,")
			}
		}
	}
	for _, c := range caps {
		r.line("  capability %s,", c)
	}
	if rawio {
		r.line("  mount,")
		r.line("  remount,")
		r.line("  umount,")
	}
	if enforce {
		for _, p := range protections {
			r.line("  %s", p)
		}
	}
	r.line("}")
	if r.err != nil {
		return nil, fmt.Errorf("spoproof: %s: %w", n, r.err)
	}
	return r.b.Bytes(), nil
}

type renderer struct {
	b   bytes.Buffer
	err error
}

func (r *renderer) line(format string, args ...any) {
	fmt.Fprintf(&r.b, format+"\n", args...)
}

// paths writes an allow rule of perms for each path, then a deny rule of
// deny for each unless deny is empty. A path SPO refuses, or a program
// or library path climbing out of its directory, is the renderer's
// error.
func (r *renderer) paths(paths []string, perms, deny string) {
	for _, p := range paths {
		code := strings.ContainsAny(perms, "mx")
		if !path.MatchString(p) || code && (strings.HasPrefix(p, "/..") || strings.Contains(p, "/../")) {
			if r.err == nil {
				r.err = fmt.Errorf("SPO takes no path %q for %s", p, perms)
			}
		}
		r.line("  %s %s,", quote(p), perms)
	}
	if deny == "" {
		return
	}
	for _, p := range paths {
		r.line("  deny %s %s,", quote(p), deny)
	}
}

func quote(p string) string {
	if strings.Contains(p, " ") {
		return `"` + p + `"`
	}
	return p
}
