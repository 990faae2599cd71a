package apparmor

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/confine-policy/confine/pkg/inspect"
)

// Options are the choices Generate takes.
type Options struct {
	// Name names the profile; "" names it after the container.
	Name string
	// FullNetwork allows all networking (--full-network-access), not
	// only the families and types the published ports use.
	FullNetwork bool
}

// The file permissions confine grants. AppArmor checks what a process
// does to a path: m maps it executable, r reads, w writes (and creates,
// and appends), l makes hard links, k locks, and ix runs a program in
// the same profile.
const (
	permsRun      = "mrwlkix" // the container's own, writable files
	permsRunRO    = "mrkix"   // the same, with a read-only root file system
	permsReadOnly = "wl"      // what a read-only mount is denied
	permsTree     = "rwlk"    // a read-write mount
	permsAll      = "rwlkx"   // what the kernel's secrets are denied
)

// ownFiles matches every path of the container but /dev, /proc and /sys
// and what lies below them: a top-level name that is none of those three
// (shorter, longer, or differing in some letter), then the rest. AppArmor
// patterns have no negation; this is how one says "all but".
const ownFiles = "/{[^dps]*,d,d[^e]*,de,de[^v]*,dev?*,p,p[^r]*,pr,pr[^o]*,pro,pro[^c]*,proc?*,s,s[^y]*,sy,sy[^s]*,sys?*}{,/**}"

// The rules every container gets, whatever it is.
var (
	noMounts = Section{
		Comment: []string{"Nothing in a container changes what is mounted where: the engine", "mounted what it needs before the container started."},
		Rules:   []Rule{fixedRule("deny mount,"), fixedRule("deny umount,"), fixedRule("deny pivot_root,")},
	}
	devRules = Section{
		Comment: []string{"/dev: the nodes every engine gives a container, its terminal, and", "its own shared memory and message queues; no other node."},
		Rules: []Rule{
			FileRule{Pattern: "/dev/", Perms: "r"},
			FileRule{Pattern: "/dev/{null,zero,full,tty,ptmx,console}", Perms: "rw"},
			FileRule{Pattern: "/dev/{random,urandom}", Perms: "r"},
			FileRule{Pattern: "/dev/pts/", Perms: "r"},
			FileRule{Pattern: "/dev/pts/[0-9]*", Perms: "rw"},
			FileRule{Pattern: "/dev/shm{,/**}", Perms: permsTree},
			FileRule{Pattern: "/dev/mqueue{,/**}", Perms: "rw"},
		},
	}
	procRules = Section{
		Comment: []string{
			"/proc: readable; writable only in the entries of the container's",
			"own processes (its PID namespace shows no others) and in the shared",
			"memory limits of its own IPC namespace. The kernel's memory and its",
			"emergency keys are denied outright.",
		},
		Rules: []Rule{
			FileRule{Pattern: "/proc/", Perms: "r"},
			FileRule{Pattern: "/proc/**", Perms: "r"},
			FileRule{Pattern: "/proc/[1-9]*/**", Perms: "w"},
			FileRule{Pattern: "/proc/sys/kernel/shm*", Perms: "w"},
			FileRule{Qualifier: Deny, Pattern: "/proc/{kcore,sysrq-trigger}", Perms: permsAll},
		},
	}
	sysRules = Section{
		Comment: []string{
			"/sys: readable; writable only in the container's cgroup. The",
			"firmware's tables, the security modules' controls and the power",
			"meters (whose readings leak what other code computes) are denied.",
		},
		Rules: []Rule{
			FileRule{Pattern: "/sys/", Perms: "r"},
			FileRule{Pattern: "/sys/**", Perms: "r"},
			FileRule{Pattern: "/sys/fs/cgroup/**", Perms: "w"},
			FileRule{Qualifier: Deny, Pattern: "/sys/firmware/**", Perms: permsAll},
			FileRule{Qualifier: Deny, Pattern: "/sys/kernel/security/**", Perms: permsAll},
			FileRule{Qualifier: Deny, Pattern: "/sys/devices/virtual/powercap/**", Perms: permsAll},
		},
	}
)

// engines are the profiles the engines' processes that signal a
// container run in: unconfined on Debian; runc, crun and podman on hosts
// that give the engines profiles of their own (Ubuntu 24.04 and later).
const engines = "{unconfined,runc,crun,podman}"

// Generate builds the profile for container c. A path of the container
// that cannot be written safely into a rule is an error wrapping
// ErrBadPath; what the profile cannot confine is a warning.
func Generate(c inspect.Container, opts Options) (*Profile, error) {
	container := strings.TrimPrefix(c.Name, "/")
	name := opts.Name
	if name == "" {
		name = container
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	g := &generator{c: c, opts: opts, p: &Profile{Name: name, Container: container, Engine: string(c.Engine)}}
	g.warnings()
	g.add(noMounts)
	g.add(Section{
		Comment: []string{"Signals from the engine, and among the container's own processes,", "which may also trace each other."},
		Rules: []Rule{
			fixedRule("signal (receive) peer=" + engines + ","),
			fixedRule("signal (send,receive) peer=" + name + ","),
			fixedRule("ptrace (trace,read,tracedby,readby) peer=" + name + ","),
		},
	})
	g.ownFiles()
	if err := g.mounts(); err != nil {
		return nil, err
	}
	g.add(devRules)
	if err := g.devices(); err != nil {
		return nil, err
	}
	g.add(procRules)
	g.add(sysRules)
	g.network()
	g.capabilities()
	if err := g.p.Validate(); err != nil {
		return nil, err
	}
	return g.p, nil
}

type generator struct {
	c    inspect.Container
	opts Options
	p    *Profile
}

func (g *generator) add(s Section) { g.p.Sections = append(g.p.Sections, s) }

func (g *generator) warn(format string, args ...any) {
	g.p.Warnings = append(g.p.Warnings, fmt.Sprintf(format, args...))
}

// warnings says when the profile cannot confine the container as it is
// run, whatever it allows.
func (g *generator) warnings() {
	c, name := g.c, g.p.Name
	if c.Privileged {
		g.warn("container %s is privileged: the engine runs it unconfined unless --security-opt apparmor=%s names this profile, and even then it sees all of the host's devices; the profile is written for the container as it is without --privileged: %d capabilities, not all %d, and only the devices it names",
			g.p.Container, name, len(c.UnprivilegedCapabilities), len(c.Capabilities))
	}
	if c.NetworkMode == "host" {
		g.warn("container %s uses the host's network: the profile allows it all networking, as AppArmor cannot tell the host's addresses and ports from its own", g.p.Container)
	}
	for _, m := range c.Mounts {
		if w := m.HandOverWarning("AppArmor profile"); w != "" {
			g.warn("%s", w)
		}
	}
}

func (g *generator) ownFiles() {
	s := Section{
		Comment: []string{"The container's own files: its image and what the engine put in it,", "all but /dev, /proc and /sys, which follow."},
		Rules:   []Rule{FileRule{Pattern: "/", Perms: "r"}, FileRule{Pattern: ownFiles, Perms: permsRun}},
	}
	if g.c.ReadOnlyRootfs {
		s.Comment = []string{"The container's own files: its image and what the engine put in it,", "all but /dev, /proc and /sys, which follow; read-only, as its root", "file system is (--read-only)."}
		s.Rules[1] = FileRule{Pattern: ownFiles, Perms: permsRunRO}
	}
	g.add(s)
}

// mounts allows each read-write mount and tmpfs by its destination and
// denies writes to each read-only one.
func (g *generator) mounts() error {
	for _, m := range g.c.Mounts {
		tree, err := Tree(m.Destination)
		if err != nil {
			return fmt.Errorf("%s: %w", comment(m.String()), err)
		}
		if !m.ReadOnly {
			g.add(Section{Comment: []string{m.String()}, Rules: []Rule{FileRule{Pattern: tree, Perms: permsTree}}})
			continue
		}
		g.add(Section{
			Comment: []string{m.String() + ": no writes, whatever allows them above"},
			Rules:   []Rule{FileRule{Qualifier: AuditDeny, Pattern: tree, Perms: permsReadOnly}},
		})
		for _, n := range g.c.Mounts {
			if !n.ReadOnly && below(n.Destination, m.Destination) {
				g.warn("%s lies below %s: in AppArmor a deny wins, so it cannot be written either; mount it outside %s", n, m, m.Destination)
			}
		}
	}
	return nil
}

// below reports whether p lies below dir, or is dir.
func below(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// devices allows each device the container was given the access the
// engine gives it: r and w of its cgroup permissions (m, making the
// node, is the mknod capability's), or both when the engine reports
// none.
func (g *generator) devices() error {
	for _, d := range g.c.Devices {
		p, err := Path(d.ContainerPath)
		if err != nil {
			return fmt.Errorf("device %s: %w", comment(d.HostPath), err)
		}
		perms := ""
		for _, r := range "rw" {
			if strings.ContainsRune(d.Permissions, r) {
				perms += string(r)
			}
		}
		access := d.Permissions
		if access == "" {
			perms, access = "rw", "the engine's default, rw"
		}
		reason := fmt.Sprintf("device %s -> %s (%s)", d.HostPath, d.ContainerPath, access)
		if perms == "" {
			g.add(Section{Comment: []string{reason + ": neither read nor written, so no rule"}})
			continue
		}
		g.add(Section{Comment: []string{reason}, Rules: []Rule{FileRule{Pattern: p, Perms: perms}}})
	}
	return nil
}

// socketTypes are the socket types each protocol of a published port
// uses. AppArmor mediates sockets by family and type, not by port.
var socketTypes = map[string][]string{
	"tcp":  {"stream"},
	"udp":  {"dgram"},
	"sctp": {"stream", "seqpacket"},
}

func (g *generator) network() {
	unix := NetworkRule{Family: "unix"}
	switch {
	case g.opts.FullNetwork:
		g.add(Section{Comment: []string{"All networking: --full-network-access."}, Rules: []Rule{NetworkRule{}}})
		return
	case g.c.NetworkMode == "host":
		g.add(Section{Comment: []string{"All networking: the container uses the host's network."}, Rules: []Rule{NetworkRule{}}})
		return
	case g.c.NetworkMode == "none":
		g.add(Section{Comment: []string{"Unix sockets only: the container has no network (none)."}, Rules: []Rule{unix}})
		return
	}
	g.add(Section{Comment: []string{"Unix sockets, which every container may use among its processes."}, Rules: []Rule{unix}})
	// The ports of each socket type, in the order published.
	ports := map[string][]string{}
	var types []string
	for _, p := range g.c.Ports {
		for _, t := range socketTypes[p.Protocol] {
			port := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
			if !slices.Contains(ports[t], port) {
				ports[t] = append(ports[t], port)
			}
		}
	}
	for _, t := range types {
		noun := "port"
		if len(ports[t]) > 1 {
			noun = "ports"
		}
		g.add(Section{
			Comment: []string{fmt.Sprintf("Published %s %s:", noun, strings.Join(ports[t], ", ")), t + " sockets over IPv4 and IPv6; AppArmor does not tell ports apart."},
			Rules:   []Rule{NetworkRule{Family: "inet", Type: t}, NetworkRule{Family: "inet6", Type: t}},
		})
	}
	if slices.Contains(g.caps(), "net_raw") {
		g.add(Section{
			Comment: []string{"Raw and packet sockets, which the container's net_raw capability is", "for (ping, for one)."},
			Rules:   []Rule{NetworkRule{Family: "inet", Type: "raw"}, NetworkRule{Family: "inet6", Type: "raw"}, NetworkRule{Family: "packet"}},
		})
	}
}

// caps returns the capabilities the profile allows: the container's, or
// for a privileged container those it has without --privileged.
func (g *generator) caps() []string {
	if g.c.Privileged {
		return g.c.UnprivilegedCapabilities
	}
	return g.c.Capabilities
}

// unnameable are the capabilities AppArmor's ABI 3.0 has no bit for:
// its parser writes a rule naming one as sys_admin, the check the kernel
// made for them before they were split off, which would give the
// container far more than it has.
var unnameable = []string{"perfmon", "bpf", "checkpoint_restore"}

func (g *generator) capabilities() {
	caps := g.caps()
	s := Section{Comment: []string{"The capabilities the container has: the engine's defaults, with what", "it adds and drops. Any other is denied."}}
	switch {
	case len(caps) == 0:
		s.Comment = []string{"The container has no capabilities, so none is allowed."}
	case g.c.Privileged:
		s.Comment = []string{"The capabilities the container has without --privileged: the engine's", "defaults, with what it adds and drops. Any other is denied."}
	}
	var left []string
	for _, c := range caps {
		if slices.Contains(unnameable, c) {
			left = append(left, c)
			continue
		}
		s.Rules = append(s.Rules, CapabilityRule{Name: c})
	}
	if len(left) > 0 {
		s.Comment = append(s.Comment, "Left out: "+strings.Join(left, ", ")+", which AppArmor 3.0 can only allow as sys_admin.")
		g.warn("container %s has %s, which AppArmor's ABI 3.0 can only allow as sys_admin: left out, so the container cannot use them under this profile", g.p.Container, strings.Join(left, ", "))
	}
	g.add(s)
}

// Path returns p as a file rule names it: absolute and clean, quoted
// when it holds a space. A path holding a character that would end the
// rule (a comma, quote, newline or '#', a control character) or change
// what it matches (AppArmor's globs, braces, variables and escapes) is
// refused with an error wrapping ErrBadPath.
func Path(p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("%w: %q is not absolute", ErrBadPath, p)
	}
	if i := strings.IndexFunc(p, func(r rune) bool { return isControl(r) || strings.ContainsRune(`,"#*?[]{}\@^!`, r) }); i >= 0 {
		return "", fmt.Errorf("%w: %q holds %q, which would change the rule", ErrBadPath, p, []rune(p[i:])[0])
	}
	p = path.Clean(p)
	if strings.Contains(p, " ") {
		p = `"` + p + `"`
	}
	return p, nil
}

// Tree returns the pattern that names dir and everything below it, as
// Path checks and writes it.
func Tree(dir string) (string, error) {
	p, err := Path(dir)
	if err != nil {
		return "", err
	}
	if p == "/" {
		return "/**", nil
	}
	if q, ok := strings.CutSuffix(p, `"`); ok {
		return q + `{,/**}"`, nil
	}
	return p + "{,/**}", nil
}
