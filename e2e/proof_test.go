package e2e

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
)

// The proof states what a container needs in its own terms, from what its
// engine reports and what the host's file_contexts and policy say, without
// looking at the module: a generator that grants the wrong thing is then
// caught, rather than agreed with.

// The permissions the proof speaks of. readPerms and writePerms are what
// "readable" and "writable" mean for a directory and a file; changing
// holds every permission that alters an object or a directory's entries,
// none of which a read-only mount may give.
var (
	readPerms = map[string][]string{
		"dir":       {"getattr", "open", "read", "search"},
		"file":      {"getattr", "open", "read"},
		"lnk_file":  {"getattr", "read"},
		"fifo_file": {"getattr", "open", "read"},
	}
	writePerms = map[string][]string{
		"dir":  {"add_name", "remove_name", "write"},
		"file": {"append", "create", "unlink", "write"},
	}
	changing = []string{"add_name", "append", "create", "link", "remove_name", "rename", "reparent", "rmdir", "setattr", "unlink", "write"}
	// connectPerms is what connecting to a Unix socket takes on its file.
	connectPerms = []string{"getattr", "write"}
	// fileClasses are the classes of what a mounted tree holds.
	fileClasses = []string{"dir", "file", "lnk_file", "fifo_file", "sock_file"}
	// deviceRead is what a device's type must allow; deviceWrite adds
	// what a device passed for writing must.
	deviceRead  = []string{"getattr", "open", "read"}
	deviceWrite = []string{"append", "write"}
)

// templateDirs are the host directories whose mounts are granted by a
// template block inherited as a whole, so their access shows in the
// policy but not among the module's own rules.
var templateDirs = []string{"/etc", "/home", "/tmp", "/var/log"}

// A need is permissions the container needs on one class of one type.
type need struct {
	target, class string
	perms         []string
	reason        string
}

// needs is what a container needs, and what it may be given.
type needs struct {
	domain   string
	required []need
	// readOnly holds the types the container meets only through read-only
	// mounts, with a reason: no rule may let it change them.
	readOnly map[string]string
	// connectable holds the types of the sockets its mounts hold: writing
	// one is connecting to it, which a read-only mount does not stop.
	connectable map[string]bool
	// may holds, per "type class", the permissions a module may grant on
	// its own; anything else it adds is more than the container needs.
	may map[string][]string
	// secrets holds the types of the keys planted in what it mounts, with
	// the mount: the module must grant none and say so.
	secrets map[string]string
}

// needsOf works out what container c, run as domain, needs on the host
// that facts describes. What its mounts hold comes from labels, the
// oracle's account of the files that are there.
func needsOf(c inspect.Container, facts host.Facts, labels map[string][]labelled, domain string) (*needs, error) {
	n := &needs{domain: domain, readOnly: map[string]string{}, connectable: map[string]bool{}, may: map[string][]string{}, secrets: map[string]string{}}
	allow := func(typ, class string, perms ...string) {
		key := typ + " " + class
		n.may[key] = append(n.may[key], perms...)
	}
	pol, err := facts.Policy()
	if err != nil {
		return nil, err
	}
	for _, capability := range c.Capabilities {
		// The policy says which class checks a capability: those
		// numbered 32 and above are in capability2.
		class := "capability"
		if pol.HasPermission("capability2", capability) {
			class = "capability2"
		}
		n.required = append(n.required, need{domain, class, []string{capability}, "capability " + capability})
		allow(domain, class, capability)
	}
	for _, p := range c.Ports {
		port, err := facts.Port(p.Protocol, p.ContainerPort)
		if err != nil {
			return nil, err
		}
		class := p.Protocol + "_socket"
		n.required = append(n.required, need{port.Type, class, []string{"name_bind"}, fmt.Sprintf("port %d/%s", p.ContainerPort, p.Protocol)})
		allow(port.Type, class, "name_bind")
	}
	for _, d := range c.Devices {
		dev, err := facts.Device(d.HostPath)
		if err != nil {
			return nil, err
		}
		if dev.Label.Type == "" {
			continue
		}
		perms := deviceRead
		reason := "device " + d.HostPath
		if d.Permissions == "" || strings.Contains(d.Permissions, "w") {
			perms = slices.Concat(deviceRead, deviceWrite)
			reason += " (rw)"
		}
		n.required = append(n.required, need{dev.Label.Type, dev.Class, perms, reason})
		allow(dev.Label.Type, dev.Class, slices.Concat(perms, []string{"ioctl", "lock", "map"})...)
	}

	written := map[string]bool{}
	readOnly := func(typ, reason string, ro bool) {
		if ro {
			if !written[typ] {
				n.readOnly[typ] = reason
			}
			return
		}
		written[typ] = true
		delete(n.readOnly, typ)
	}
	for _, m := range c.Mounts {
		if m.Type == inspect.Tmpfs || m.Relabel != "" || !path.IsAbs(m.Source) {
			continue // the engine labels it for the container
		}
		source := path.Clean(m.Source)
		reason := fmt.Sprintf("mount %s (%s)", source, map[bool]string{true: "ro", false: "rw"}[m.ReadOnly])
		if slices.Contains(templateDirs, source) {
			// The template grants what is below; the directory's own
			// type must be usable.
			label, err := facts.Label(source)
			if err != nil {
				return nil, err
			}
			if label.Type != "" {
				n.required = append(n.required, need{label.Type, "dir", readPerms["dir"], reason})
				if !m.ReadOnly {
					n.required = append(n.required, need{label.Type, "dir", writePerms["dir"], reason})
				}
				readOnly(label.Type, reason, m.ReadOnly)
			}
			continue
		}
		held := labels[m.Source]
		if len(held) == 0 {
			return nil, fmt.Errorf("%s: the oracle knows nothing of it", reason)
		}
		single := held[0].class != "dir" // held[0] is the source itself
		classes := map[string][]string{}
		for _, l := range held {
			switch {
			case l.typ == "-":
			case slices.ContainsFunc(plantedSecrets, func(p string) bool { return l.path == p || strings.HasPrefix(l.path, p+"/") }):
				n.secrets[l.typ] = reason
			case !slices.Contains(classes[l.typ], l.class):
				classes[l.typ] = append(classes[l.typ], l.class)
			}
		}
		for typ := range n.secrets {
			delete(classes, typ)
		}
		for typ, found := range classes {
			for _, class := range found {
				if perms, ok := readPerms[class]; ok {
					n.required = append(n.required, need{typ, class, perms, reason})
				}
				if perms, ok := writePerms[class]; ok && !m.ReadOnly && !single {
					n.required = append(n.required, need{typ, class, perms, reason})
				}
				if class == "sock_file" {
					n.required = append(n.required, need{typ, class, connectPerms, reason})
					n.connectable[typ] = true
				}
			}
			readOnly(typ, reason, m.ReadOnly)
			// A read-write directory takes entries of every kind, of its
			// type; otherwise what was found is what may be used.
			usable := found
			if !m.ReadOnly && !single && slices.Contains(found, "dir") {
				usable = fileClasses
			}
			for _, class := range usable {
				allow(typ, class, "getattr", "ioctl", "lock", "map", "open", "read", "search")
				if !m.ReadOnly {
					allow(typ, class, changing...)
				}
				if class == "sock_file" {
					allow(typ, class, connectPerms...)
				}
			}
		}
	}
	return n, nil
}

// A proof is the outcome of proving one module.
type proof struct {
	// added are the grants the module adds to its domain.
	added []grant
	// problems say where the policy differs from the container's needs
	// or from the module's rules; none means proved.
	problems []string
	// unmet are needs the policy does not allow. Each is a problem unless
	// the policy forbids it to every container (a neverallow rule), which
	// only a compile can tell: the binary policy keeps no neverallow.
	unmet []unmet
}

// An unmet need is one permission a container needs and does not have.
type unmet struct {
	grant
	reason string
}

// prove compares a policy compiled with the module (after) with one
// compiled with a baseline that only inherits the same templates
// (before), against the container's needs and the module's own rules.
func prove(n *needs, m *policy.Module, before, after *rules) proof {
	var p proof
	problem := func(format string, args ...any) { p.problems = append(p.problems, fmt.Sprintf(format, args...)) }

	var removed []grant
	p.added, removed = diffGrants(before.direct(n.domain), after.direct(n.domain))
	for _, g := range removed {
		problem("the module takes away %s", g)
	}

	// What the module says it grants is what it adds, beyond what its
	// templates already grant.
	meant, _ := diffGrants(before.direct(n.domain), grantsOf(m, n.domain))
	missing, extra := diffGrants(p.added, meant)
	for _, g := range missing {
		problem("the module's rule for %s has no effect", g)
	}
	for _, g := range extra {
		problem("%s is added, but no rule of the module grants it", g)
	}

	// Everything the container needs holds, through any rule.
	for _, nd := range n.required {
		has := after.allowed(n.domain, nd.target, nd.class, false)
		for _, perm := range nd.perms {
			if !slices.Contains(has, perm) {
				p.unmet = append(p.unmet, unmet{grant{nd.target, nd.class, perm}, nd.reason})
			}
		}
	}
	// Nothing lets it change what it may only read, not even a
	// conditional rule.
	for _, typ := range slices.Sorted(maps.Keys(n.readOnly)) {
		for _, class := range fileClasses {
			for _, perm := range after.allowed(n.domain, typ, class, true) {
				if class == "sock_file" && n.connectable[typ] && slices.Contains(connectPerms, perm) {
					continue // connecting, not changing
				}
				if slices.Contains(changing, perm) {
					problem("%s is read-only, but %s:%s %s is allowed", n.readOnly[typ], typ, class, perm)
				}
			}
		}
	}
	// And the module adds nothing the container does not need.
	for _, g := range p.added {
		if !slices.Contains(n.may[g.target+" "+g.class], g.perm) {
			problem("the module adds %s, which the container does not need", g)
		}
	}
	return p
}

// grantsOf returns what the module's rules grant its domain, sorted.
func grantsOf(m *policy.Module, domain string) []grant {
	var gs []grant
	for _, grp := range m.Groups {
		typ := grp.Target
		if typ == "process" {
			typ = domain
		}
		for _, r := range grp.Rules {
			for _, perm := range r.Perms {
				gs = append(gs, grant{typ, r.Class, perm})
			}
		}
	}
	slices.SortFunc(gs, compareGrants)
	return slices.Compact(gs)
}
