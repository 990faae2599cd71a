package policy

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unique"

	"github.com/confine-policy/confine/pkg/audit"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/templates"
)

// Options are the choices a user makes on the command line. They match
// udica's flags.
type Options struct {
	// Name is the module's block name; the container runs as
	// Name.process. It must be a valid CIL name.
	Name string
	// Caps, when set, replaces the container's capabilities (-c); an
	// empty, non-nil slice grants none. Names are lowercase, without
	// "cap_".
	Caps []string
	// Devices, when set, replaces the container's devices (--devices):
	// host paths, granted read and write.
	Devices []string
	// The template blocks the flags of the same names add.
	FullNetwork, TTY, X, Virt bool
	// StreamConnect names other container modules whose socket this one
	// may connect to (-s).
	StreamConnect []string
	// AllowTypes names secret types (see SecretTypes) that mounts may
	// grant all the same (--allow-type).
	AllowTypes []string
	// Flavor is the policy the module is for, which says which types
	// hold secrets and which domain each engine's daemon runs in; zero
	// means either.
	Flavor templates.Flavor
	// Denials are audit records of what the container was refused
	// (-a): those of Name.process become rules.
	Denials []audit.Denial
}

// A Module is the policy for one container.
type Module struct {
	Name string
	// Container describes the container the module was made for.
	Container string
	// Templates are the template blocks the module inherits, in order,
	// each once.
	Templates []Template
	// Groups are the allow rules, one group per target type, in the order
	// they are written.
	Groups []Group
	// Notes are things worth saying in the module that need no rule,
	// such as a mount the engine relabels.
	Notes []string
	// Warnings are what the user should know before loading the module.
	Warnings []string
}

// A Template is an inherited template block and why it is inherited;
// there is no reason for the base block every module inherits.
type Template struct {
	Block   string
	Reasons []string
}

// templateOrder is the order blocks are inherited in.
var templateOrder = templates.Blocks()

// A Group holds the rules that grant the module's process access to one
// type, with the reasons for them.
type Group struct {
	Target  string
	Reasons []string
	Rules   []Rule
	kind    kind
}

// A Rule grants permissions on one class of objects.
type Rule struct {
	Class string
	// Perms are sorted, each once. The modules Generate makes share
	// equal lists: change a copy, not the list in place.
	Perms []string
}

// kind orders groups in a module: what the process may do itself first,
// then the sockets it talks to, then what it binds, uses and mounts.
type kind int

const (
	kindCapability kind = iota
	kindStream
	kindPort
	kindDevice
	kindMount
	kindDenied
)

// MaxNameLen is the longest module name: the module is written to
// NAME.cil, which must fit a file name (255 bytes), and semodule names the
// module after its file.
const MaxNameLen = 255 - len(".cil")

// Generate builds the module for container c on the host facts describes.
// An error means no module can be built at all; everything narrower is a
// warning in the module.
func Generate(c inspect.Container, facts host.Facts, opts Options) (*Module, error) {
	if err := ValidateName(opts.Name); err != nil {
		return nil, fmt.Errorf("module name: %w", err)
	}
	for _, d := range opts.StreamConnect {
		if err := cil.ValidateName(d); err != nil {
			return nil, fmt.Errorf("--stream-connect domain: %w", err)
		}
	}
	g := &generator{
		c:      c,
		facts:  facts,
		opts:   opts,
		module: &Module{Name: opts.Name, Container: describe(c)},
		groups: make(map[string]*Group),
	}
	if err := g.run(); err != nil {
		return nil, err
	}
	return g.module, nil
}

// describe names a container for comments: its name, engine and short id.
func describe(c inspect.Container) string {
	s := c.Name
	if s == "" {
		s = "(unnamed)"
	}
	id := c.ID
	if len(id) > 12 {
		id = id[:12]
	}
	var about []string
	for _, part := range []string{string(c.Engine), id} {
		if part != "" {
			about = append(about, part)
		}
	}
	if len(about) > 0 {
		s += " (" + strings.Join(about, " ") + ")"
	}
	return s
}

type generator struct {
	c      inspect.Container
	facts  host.Facts
	opts   Options
	module *Module
	policy host.Policy
	types  map[string]typesAnswer // by mount source
	groups map[string]*Group
}

type typesAnswer struct {
	types host.Types
	err   error
}

// mountTypes asks the host, concurrently, for the types under every mount
// source that is granted type by type.
func (g *generator) mountTypes() map[string]typesAnswer {
	answers := make(map[string]typesAnswer)
	asked := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	limit := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, m := range g.c.Mounts {
		source := path.Clean(m.Source)
		if !byType(m) || asked[source] {
			continue
		}
		asked[source] = true
		wg.Go(func() {
			limit <- struct{}{}
			t, err := g.facts.Types(source)
			<-limit
			mu.Lock()
			answers[source] = typesAnswer{t, err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return answers
}

// byType reports whether a mount's access is granted type by type, from
// the types below it, rather than not at all (tmpfs, relabelled, not a
// host path), by a template, or as an engine's socket, whose one label is
// all it takes.
func byType(m inspect.Mount) bool {
	if m.Type == inspect.Tmpfs || m.Relabel != "" || !path.IsAbs(m.Source) {
		return false
	}
	_, special := specialDirs[path.Clean(m.Source)]
	return !special && inspect.EngineSocket(m.Source) == ""
}

// warn adds a warning once: a type missing from the policy is met once
// per class of the rules it would have had.
func (g *generator) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(g.module.Warnings, w) {
		// One copy for a run's modules: containers that mount alike are
		// warned alike.
		g.module.Warnings = append(g.module.Warnings, unique.Make(w).Value())
	}
}

func (g *generator) inherit(block, reason string) {
	i := slices.IndexFunc(g.module.Templates, func(t Template) bool { return t.Block == block })
	if i < 0 {
		g.module.Templates = append(g.module.Templates, Template{Block: block})
		i = len(g.module.Templates) - 1
	}
	if reason != "" {
		g.module.Templates[i].Reasons = append(g.module.Templates[i].Reasons, reason)
	}
}

func (g *generator) run() error {
	// The host's answers are independent of each other, and reading the
	// policy and matching file_contexts below twenty mounts take most of
	// a run: ask them all at once, then build the module in order.
	var wg sync.WaitGroup
	var policyErr error
	wg.Go(func() { g.policy, policyErr = g.facts.Policy() })
	g.types = g.mountTypes()
	wg.Wait()
	if policyErr != nil {
		return policyErr
	}
	g.containerWarnings()

	g.inherit("container", "")
	for _, f := range []struct {
		on          bool
		block, flag string
	}{
		{g.opts.FullNetwork, "net_container", "--full-network-access"},
		{g.opts.Virt, "virt_container", "--virt-access"},
		{g.opts.X, "x_container", "--X-access"},
		{g.opts.TTY, "tty_container", "--tty-access"},
	} {
		if f.on {
			g.inherit(f.block, f.flag)
		}
	}
	if len(g.c.Ports) > 0 {
		g.inherit("restricted_net_container", "published ports")
	}

	g.capabilities()
	if err := g.streamConnect(); err != nil {
		return err
	}
	if err := g.ports(); err != nil {
		return err
	}
	if err := g.devices(); err != nil {
		return err
	}
	if err := g.mounts(); err != nil {
		return err
	}
	g.denials()
	g.finish()
	return nil
}

// containerWarnings says when the module cannot confine the container as
// it is run, whatever it grants.
func (g *generator) containerWarnings() {
	c := g.c
	switch {
	case c.Privileged:
		g.warn("container %s is privileged: the engine runs it unconfined (spc_t) and ignores label=type, so this module will not apply until it runs without --privileged; it is written for the container as it is without: %d capabilities, not all %d (grant more with -c), and only the devices it names, not all of the host's (grant one with --devices)",
			c.Name, len(c.UnprivilegedCapabilities), len(c.Capabilities))
	case c.Label.Disable:
		g.warn("container %s runs with label=disable: it is unconfined, so this module will not apply until it runs with label=type:%s.process instead", c.Name, g.opts.Name)
	}
	if c.NetworkMode == "host" {
		g.warn("container %s uses the host's network: it can bind and reach any address the host can, and the module grants only the ports it publishes", c.Name)
	}
}

func (g *generator) capabilities() {
	caps, reason := g.c.Capabilities, "capabilities the container has"
	switch {
	case g.opts.Caps != nil:
		caps, reason = g.opts.Caps, "capabilities given with -c"
	case g.c.Privileged:
		// The module applies to it only when it runs without --privileged.
		caps, reason = g.c.UnprivilegedCapabilities, "capabilities the container has without --privileged: the engine's defaults, with what it adds and drops"
	}
	for _, name := range caps {
		class := "capability"
		if capability2[name] {
			class = "capability2"
		}
		g.grant(kindCapability, "process", class, []string{name}, reason)
	}
}

func (g *generator) streamConnect() error {
	for _, d := range g.opts.StreamConnect {
		reason := "--stream-connect " + d
		// The domain's types live in its own module, which may be loaded
		// later, so they are granted whatever the policy says; but a
		// module that names them loads only once that one is there.
		if !g.policy.HasType(d + ".process") {
			m, err := g.facts.Module(d)
			if err != nil {
				return err
			}
			if !m.Exists {
				g.warn("%s: neither the policy nor its module store has %s.process; load %s's module first, or this one will not load", reason, d, d)
			}
		}
		g.add(kindStream, d+".process", "unix_stream_socket", streamConnectPerms, reason)
		g.add(kindStream, d+".socket", "sock_file", streamSocketPerms, reason)
	}
	return nil
}

func (g *generator) ports() error {
	for _, p := range g.c.Ports {
		class, ok := socketClass[p.Protocol]
		if !ok {
			g.warn("port %d/%s: unknown protocol; no rule", p.ContainerPort, p.Protocol)
			continue
		}
		// The process binds the container's port, in its own network
		// namespace, whatever host port the engine forwards to it.
		label, err := g.facts.Port(p.Protocol, p.ContainerPort)
		if err != nil {
			return fmt.Errorf("port %d/%s: %w", p.ContainerPort, p.Protocol, err)
		}
		if label.Warning != "" {
			g.warn("%s", label.Warning)
		}
		reason := fmt.Sprintf("port %d/%s", p.ContainerPort, p.Protocol)
		if p.HostPort != 0 && p.HostPort != p.ContainerPort {
			reason += fmt.Sprintf(" (host port %d)", p.HostPort)
		}
		g.grant(kindPort, label.Type, class, portPerms, reason+", "+label.Source)
	}
	return nil
}

func (g *generator) devices() error {
	devices := g.c.Devices
	if g.opts.Devices != nil {
		devices = nil
		for _, d := range g.opts.Devices {
			devices = append(devices, inspect.Device{HostPath: d, ContainerPath: d, Permissions: "rwm"})
		}
	}
	for _, d := range devices {
		access := ReadOnly
		if d.Permissions == "" || strings.Contains(d.Permissions, "w") {
			access = ReadWrite
		}
		reason := fmt.Sprintf("device %s (%s)", d.HostPath, access)
		info, err := g.facts.Device(d.HostPath)
		switch {
		case errors.Is(err, host.ErrNotDevice) || errors.Is(err, host.ErrUnknownDevice):
			// A path that is no device, or one nobody can tell, is the
			// user's to fix, and the rest of the module still holds.
			g.warn("%v; no rule", err)
			continue
		case err != nil:
			return err
		}
		if info.Warning != "" {
			g.warn("%s", info.Warning)
		}
		if info.Label.Type == "" {
			g.warn("%s: nothing labels it on the host; no rule", reason)
			continue
		}
		g.grant(kindDevice, info.Label.Type, info.Class, devicePerms[access], reason+", "+info.Label.Source)
	}
	return nil
}

// specialDirs are the host directories a template grants access to as a
// whole, by the attributes of what they hold, rather than type by type.
var specialDirs = map[string]string{
	"/home":    "home",
	"/tmp":     "tmp",
	"/var/log": "log",
	"/etc":     "config",
}

// engineDomains are the domains each engine's daemon runs in, by flavour.
// container-selinux runs them all as container_runtime_t; refpolicy's
// docker and podman modules give dockerd (and the containerd it starts)
// and podman domains of their own, and have none for CRI-O. Debian builds
// neither module, so there the daemons' domain is not known.
var engineDomains = map[templates.Flavor]map[string]string{
	templates.Fedora: {
		"docker": "container_runtime_t", "podman": "container_runtime_t",
		"containerd": "container_runtime_t", "CRI-O": "container_runtime_t",
	},
	templates.Refpolicy: {"docker": "dockerd_t", "containerd": "dockerd_t", "podman": "podman_t"},
}

func (g *generator) mounts() error {
	for _, m := range g.c.Mounts {
		if m.Type == inspect.Tmpfs {
			continue // private to the container, labelled by the engine
		}
		access := ReadWrite
		if m.ReadOnly {
			access = ReadOnly
		}
		reason := m.String()
		if !path.IsAbs(m.Source) {
			g.warn("%s: the source is not a host path; no rule", reason)
			continue
		}
		source := path.Clean(m.Source)
		if w := m.HandOverWarning("SELinux module"); w != "" {
			g.warn("%s", w)
		}
		if m.Relabel != "" {
			g.module.Notes = append(g.module.Notes, fmt.Sprintf("%s: the engine relabels it (:%s) to container_file_t, which every container may use; no rule needed", reason, m.Relabel))
			continue
		}
		if base, ok := specialDirs[source]; ok {
			g.inherit(templateBlock(base, access), reason)
			continue
		}
		if strings.HasPrefix(source, "/home/") {
			g.inherit(templateBlock("home", access), reason)
		}
		if engine := inspect.EngineSocket(source); engine != "" {
			if err := g.engineSocket(source, engine, reason); err != nil {
				return err
			}
			continue
		}
		answer := g.types[source]
		types, err := answer.types, answer.err
		if err != nil {
			return err
		}
		for _, w := range types.Warnings {
			g.warn("%s", w)
		}
		if len(types.Types) == 0 {
			g.warn("%s: nothing labels it on the host; no rule", reason)
		}
		var predictedSecrets []string
		for _, t := range types.Types {
			if g.isSecret(t.Type) && t.Predicted() {
				predictedSecrets = append(predictedSecrets, t.Type)
				continue
			}
			if g.secret(t, reason) {
				continue
			}
			why := reason + ", " + found(t)
			for _, class := range mountGrantClasses(t, types.Class, access) {
				var perms []string
				if types.Class != "" {
					perms = singlePerms(class, access)
				} else {
					perms = mountPermsFor(class, access, !t.Predicted())
				}
				g.grant(kindMount, t.Type, class, perms, why)
			}
		}
		if len(predictedSecrets) > 0 {
			verb := "hold"
			if len(predictedSecrets) == 1 {
				verb = "holds"
			}
			g.warn("%s: the policy predicts %s below it, which %s secrets: no rule; grant one with --allow-type TYPE", reason, strings.Join(predictedSecrets, ", "), verb)
		}
		if types.Class == "sock_file" {
			g.warn("%s is a socket: connecting to it also needs connectto on the domain that listens on it, which confine cannot tell; add (allow process DOMAIN (unix_stream_socket (connectto))) to the module, with DOMAIN from ps -eZ", reason)
		}
	}
	return nil
}

// found says where a mount's type was met, for its rules' comment: the
// first path with it and how many more, or that it is predicted.
func found(t host.TypeSource) string {
	switch {
	case t.Predicted():
		return "predicted by " + t.Source
	case t.Count > 1:
		return fmt.Sprintf("%s and %d more, %s", t.Path, t.Count-1, t.Source)
	}
	return t.Path + ", " + t.Source
}

// mountGrantClasses returns the classes a mount grants a type on: those
// of the paths found with it, in mountClasses' order, or all of them for a
// predicted type. A read-write mount lets the container create any kind
// of entry in a directory, which takes the directory's type, so a type
// found on a directory gets every class there. A mount of one object
// grants its class alone.
func mountGrantClasses(t host.TypeSource, single string, access Access) []string {
	if single != "" {
		return []string{single}
	}
	if t.Predicted() || access == ReadWrite && slices.Contains(t.Classes, "dir") {
		return mountClasses
	}
	var classes []string
	for _, c := range slices.Concat(mountClasses, []string{"chr_file", "blk_file"}) {
		if slices.Contains(t.Classes, c) {
			classes = append(classes, c)
		}
	}
	return classes
}

// mountPermsFor returns the permissions a mount of a directory gives on
// objects of class met in it: a device node is used as a device, and a
// socket is connected to, which takes writing it even through a
// read-only mount, where a socket was found.
func mountPermsFor(class string, access Access, found bool) []string {
	switch {
	case class == "chr_file" || class == "blk_file":
		return devicePerms[access]
	case class == "sock_file" && access == ReadOnly && found:
		// A socket is there to connect to; a predicted type only may
		// label one.
		return slices.Concat(mountPerms[ReadOnly][class], socketPerms)
	}
	return mountPerms[access][class]
}

// singlePerms returns the permissions a mount of one object gives on it:
// using it, not creating, renaming or removing it, which a mount point
// refuses.
func singlePerms(class string, access Access) []string {
	switch class {
	case "chr_file", "blk_file":
		return devicePerms[access]
	case "sock_file":
		return socketPerms
	}
	if access == ReadOnly {
		return mountPerms[ReadOnly][class]
	}
	return singleWritePerms[class]
}

// isSecret reports whether typ holds credentials that mounts may not
// grant unless --allow-type names it.
func (g *generator) isSecret(typ string) bool {
	_, ok := secrets[g.opts.Flavor][typ]
	return ok && !slices.Contains(g.opts.AllowTypes, typ)
}

// secret reports whether a mount's type holds credentials the module may
// not grant unless asked, and warns that it was left out.
func (g *generator) secret(t host.TypeSource, reason string) bool {
	if !g.isSecret(t.Type) {
		return false
	}
	g.warn("%s: %s has %s, which holds %s: no rule; grant it with --allow-type %s", reason, t.Path, t.Type, secrets[g.opts.Flavor][t.Type], t.Type)
	return true
}

// engineSocket grants what using an engine's socket takes: the socket
// file itself, and connecting to the daemon that listens on it.
func (g *generator) engineSocket(source, engine, reason string) error {
	// /var/run is a link to /run on every host an engine runs on; on
	// another host's policy alone the link is not there to follow.
	l, err := g.facts.Label(strings.Replace(source, "/var/run/", "/run/", 1))
	if err != nil {
		return err
	}
	if l.Warning != "" {
		g.warn("%s", l.Warning)
	}
	if l.Type == "" {
		g.warn("%s: nothing labels it on the host; no rule", reason)
	} else if !g.secret(host.TypeSource{Type: l.Type, Source: l.Source, Path: source, Count: 1}, reason) {
		g.grant(kindMount, l.Type, "sock_file", socketPerms, reason+", "+l.Source)
	}
	domain := engineDomains[g.opts.Flavor][engine]
	if domain == "" || !g.policy.HasType(domain) {
		g.warn("%s: connecting to %s also needs connectto on the domain its daemon runs in, which this policy does not say; add (allow process DOMAIN (unix_stream_socket (connectto))) to the module, with DOMAIN from ps -eZ", reason, engine)
		return nil
	}
	g.grant(kindStream, domain, "unix_stream_socket", streamConnectPerms, reason+", the "+engine+" daemon's domain")
	return nil
}

// templateBlock names the template that grants access to a special
// directory: home_container, or home_rw_container for writing.
func templateBlock(base string, access Access) string {
	if access == ReadWrite {
		return base + "_rw_container"
	}
	return base + "_container"
}

// grant adds a rule after checking every name in it against the target
// policy: a type, class or permission the policy lacks is dropped with a
// warning that names it and the reason it was wanted.
func (g *generator) grant(k kind, target, class string, perms []string, reason string) {
	if target != "process" && !g.policy.HasType(target) {
		g.warn("%s: type %s is not in the target policy; rule dropped", reason, target)
		return
	}
	if !g.policy.HasClass(class) {
		g.warn("%s: class %s is not in the target policy; rule dropped", reason, class)
		return
	}
	known := make([]string, 0, len(perms))
	var refused []string
	why := ""
	for _, p := range perms {
		if !g.policy.HasPermission(class, p) {
			g.warn("%s: permission %s is not in class %s of the target policy; dropped", reason, p, class)
		} else if w := forbiddenWhy(target, class, p); w != "" {
			refused, why = append(refused, p), w
		} else {
			known = append(known, p)
		}
	}
	if len(refused) > 0 {
		what := class + " " + strings.Join(refused, " ")
		if target != "process" {
			what += " on " + target
		}
		g.warn("%s: %s left out: the policy forbids it to containers with a neverallow rule (%s)", reason, what, why)
	}
	if len(known) > 0 {
		g.add(k, target, class, known, reason)
	}
}

// add merges a rule into the group of its target type.
func (g *generator) add(k kind, target, class string, perms []string, reason string) {
	grp, ok := g.groups[target]
	if !ok {
		grp = &Group{Target: target, kind: k}
		g.groups[target] = grp
	}
	grp.kind = min(grp.kind, k)
	if !slices.Contains(grp.Reasons, reason) {
		grp.Reasons = append(grp.Reasons, reason)
	}
	i := slices.IndexFunc(grp.Rules, func(r Rule) bool { return r.Class == class })
	if i < 0 {
		grp.Rules = append(grp.Rules, Rule{Class: class})
		i = len(grp.Rules) - 1
	}
	grp.Rules[i].Perms = append(grp.Rules[i].Perms, perms...)
}

// finish puts templates, groups, rules, permissions and reasons in their
// fixed order, so that the same container gives the same module whatever
// order the engine listed its mounts and ports in.
func (g *generator) finish() {
	m := g.module
	slices.SortFunc(m.Templates, func(a, b Template) int {
		return cmp.Compare(slices.Index(templateOrder, a.Block), slices.Index(templateOrder, b.Block))
	})
	for i := range m.Templates {
		slices.Sort(m.Templates[i].Reasons)
		m.Templates[i].Reasons = slices.Compact(m.Templates[i].Reasons)
	}
	slices.Sort(m.Notes)
	m.Notes = slices.Compact(m.Notes)
	for _, grp := range g.groups {
		slices.Sort(grp.Reasons)
		for i, r := range grp.Reasons {
			grp.Reasons[i] = unique.Make(r).Value()
		}
		for i := range grp.Rules {
			slices.Sort(grp.Rules[i].Perms)
			grp.Rules[i].Perms = sharedPerms(slices.Compact(grp.Rules[i].Perms))
		}
		slices.SortFunc(grp.Rules, func(a, b Rule) int {
			return cmp.Or(cmp.Compare(classRank(a.Class), classRank(b.Class)), strings.Compare(a.Class, b.Class))
		})
		// What appending left spare is dropped: a run's modules are
		// kept until they are all written.
		grp.Rules = slices.Clone(grp.Rules)
		m.Groups = append(m.Groups, *grp)
	}
	slices.SortFunc(m.Groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), strings.Compare(a.Target, b.Target))
	})
}

// permSets holds one copy of each list of permissions the modules of a
// run hold: a host's containers mount alike, so hundreds of modules hold
// the same few lists.
var permSets sync.Map // strings.Join(perms, " ") -> []string

// sharedPerms returns the one copy of perms, a sorted list without
// repeats: Rule.Perms are not to be changed in place.
func sharedPerms(perms []string) []string {
	key := strings.Join(perms, " ")
	if have, ok := permSets.Load(key); ok {
		return have.([]string)
	}
	have, _ := permSets.LoadOrStore(key, slices.Clone(perms))
	return have.([]string)
}

// classOrder is the order rules on one type are written in: the order a
// reader thinks of them, from directories down to sockets.
var classOrder = []string{
	"capability", "capability2", "unix_stream_socket",
	"tcp_socket", "udp_socket", "sctp_socket",
	"chr_file", "blk_file",
	"dir", "file", "lnk_file", "fifo_file", "sock_file",
}

func classRank(class string) int {
	if i := slices.Index(classOrder, class); i >= 0 {
		return i
	}
	return len(classOrder)
}

// CIL returns the module as CIL text. It fails, and returns no text, if
// a name cannot be written safely.
func (m *Module) CIL() ([]byte, error) {
	out := &cil.Module{
		Header: []string{"SELinux policy module for container " + m.Container + ", written by confine."},
		Name:   m.Name,
	}
	for _, t := range m.Templates {
		for _, r := range t.Reasons {
			out.Body = append(out.Body, cil.Comment(r))
		}
		out.Body = append(out.Body, cil.BlockInherit(t.Block))
	}
	for _, grp := range m.Groups {
		out.Body = append(out.Body, cil.Blank{})
		for _, r := range grp.Reasons {
			out.Body = append(out.Body, cil.Comment(r))
		}
		for _, r := range grp.Rules {
			out.Body = append(out.Body, cil.Allow{Source: "process", Target: grp.Target, Class: r.Class, Perms: r.Perms})
		}
	}
	if len(m.Notes) > 0 {
		out.Body = append(out.Body, cil.Blank{})
		for _, n := range m.Notes {
			out.Body = append(out.Body, cil.Comment(n))
		}
	}
	text, err := cil.Format(out)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.Name, err)
	}
	return text, nil
}
