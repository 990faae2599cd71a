package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/templates"
)

// A subject is one module to prove: a container, the module made for
// it, and what the container needs.
type subject struct {
	name   string
	module *policy.Module
	needs  *needs
	// wrong says how the module was made wrong on purpose, and what the
	// proof must then find; "" for a module made right.
	wrong, catch string
}

// TestModulesOnRefpolicy runs confine on every container the engines
// made, as a sysadmin would (`podman inspect NAME | confine --root /
// --flavor refpolicy NAME`), compiles all the modules into Debian's
// reference policy at once, and proves each by difference: the rules its
// domain gains over a baseline that inherits only the same templates must
// be exactly the module's, every need of the container must hold in the
// compiled policy, nothing may change what it mounts read-only, and
// nothing may be granted that it does not need. Modules made from
// deliberately wrong containers must fail the same proof.
func TestModulesOnRefpolicy(t *testing.T) {
	made := containers(t)
	ref := seltest.Refpolicy(t)
	// This host, as a sysadmin runs confine on it: the mounts' files are
	// here, and SELinux is off, so their labels come from file_contexts.
	facts := host.Open(host.Options{})
	dir := t.TempDir()
	var sources []string
	for _, mc := range made {
		c := parse(t, mc)
		for _, m := range c.Mounts {
			if m.Type != inspect.Tmpfs && m.Relabel == "" && filepath.IsAbs(m.Source) && !slices.Contains(templateDirs, filepath.Clean(m.Source)) {
				sources = append(sources, m.Source)
			}
		}
	}
	labels := mountLabels(t, sources)
	// A privileged container's module is for it run without
	// --privileged: with what the same engine gives a container that
	// asks for nothing, as the plain scenario shows.
	plainCaps := map[string][]string{}
	for _, mc := range made {
		if mc.scenario.suffix == "plain" {
			plainCaps[mc.engine] = parse(t, mc).Capabilities
		}
	}

	var subjects []subject
	var modules, baselines []string
	add := func(s subject) {
		text, err := s.module.CIL()
		if err != nil {
			t.Fatal(err)
		}
		base := *s.module
		base.Groups = nil
		baseText, err := base.CIL()
		if err != nil {
			t.Fatal(err)
		}
		modules = append(modules, write(t, filepath.Join(dir, "module", s.name+".cil"), text))
		baselines = append(baselines, write(t, filepath.Join(dir, "baseline", s.name+".cil"), baseText))
		subjects = append(subjects, s)
	}
	var flipped, portless, extra bool
	for _, mc := range made {
		c, m := generate(t, facts, mc, dir)
		needed := c
		if c.Privileged {
			caps, ok := plainCaps[mc.engine]
			if !ok {
				t.Fatalf("%s: no plain container on %s to take the default capabilities from", mc.name, mc.engine)
			}
			needed.Capabilities = caps
		}
		n, err := needsOf(needed, facts, labels, mc.name+".process")
		if err != nil {
			t.Fatalf("%s: %v", mc.name, err)
		}
		add(subject{name: mc.name, module: m, needs: n})
		recordMounts(t, c, m, labels, n)

		// The proof is itself tested: a generator that mistook a
		// read-only mount for a read-write one, or lost the ports, must
		// be caught.
		if i := slices.IndexFunc(c.Mounts, grantedByType(n)); i >= 0 && !flipped {
			flipped = true
			add(wrongModule(t, facts, labels, c, mc.name+"-rw", "flips mount "+c.Mounts[i].Source+" to read-write", "is read-only, but", func(c *inspect.Container) {
				c.Mounts = slices.Clone(c.Mounts)
				c.Mounts[i].ReadOnly = false
			}))
		}
		if len(c.Ports) > 0 && !portless {
			portless = true
			add(wrongModule(t, facts, labels, c, mc.name+"-noport", "drops the port rules", "name_bind, which is not allowed", func(c *inspect.Container) {
				c.Ports = nil
			}))
		}
		// Nor one that grants a type the files do not have: the types
		// the policy predicts for paths that are not there.
		if mc.scenario.suffix == "binds" && !extra {
			s := wrongModule(t, host.Open(host.Options{Predict: true}), labels, c, mc.name+"-predicted", "grants the types the policy predicts below its mounts", "which the container does not need", func(*inspect.Container) {})
			if len(s.module.Groups) > len(m.Groups) {
				extra = true
				add(s)
			}
		}
	}
	if !flipped || !portless || !extra {
		t.Fatalf("no container has a read-only mount granted type by type, a published port, and mounts the policy predicts more types for than they hold, which the proof's own test needs")
	}

	after := loadRules(t, ref.Compile(t, modules...))
	before := loadRules(t, ref.Compile(t, baselines...))
	stats.compiled.Add(int64(len(modules)))

	// A need the policy does not allow is excused only if granting it
	// breaks a neverallow rule, which one more compile tells for all.
	proofs := make([]proof, len(subjects))
	var grants strings.Builder
	lines := map[*unmet]int{}
	for i, s := range subjects {
		proofs[i] = prove(s.needs, s.module, before, after)
		for j := range proofs[i].unmet {
			u := &proofs[i].unmet[j]
			target := u.target
			if target == s.needs.domain {
				target = "self"
			}
			// A block of its own, so that secilc names its line, that
			// inherits the module, so that its domain is the module's
			// in every attribute a neverallow rule names.
			lines[u] = len(lines) + 1
			fmt.Fprintf(&grants, "(block %s-unmet%d (blockinherit %s) (allow process %s (%s (%s))))\n", s.name, lines[u], s.name, target, u.class, u.perm)
		}
	}
	var forbidden []string
	if len(lines) > 0 {
		unmetFile := write(t, filepath.Join(dir, "unmet.cil"), []byte(grants.String()))
		forbidden = seltest.Violations(t, slices.Concat(ref.Files(), modules, []string{unmetFile})...)
	}

	for i, s := range subjects {
		t.Run(s.name, func(t *testing.T) {
			p := proofs[i]
			excused := 0
			for j := range p.unmet {
				u := &p.unmet[j]
				if slices.Contains(forbidden, fmt.Sprintf("unmet.cil:%d", lines[u])) {
					excused++
					continue
				}
				p.problems = append(p.problems, fmt.Sprintf("%s needs %s, which is not allowed, though the policy does not forbid it", u.reason, u.grant))
			}
			if s.wrong != "" {
				if !slices.ContainsFunc(p.problems, func(msg string) bool { return strings.Contains(msg, s.catch) }) {
					t.Fatalf("a generator that %s is not caught: the proof found %d problems, none saying %q:\n%s", s.wrong, len(p.problems), s.catch, strings.Join(p.problems, "\n"))
				}
				stats.caught.Add(1)
				return
			}
			// Every planted key is left out, and the module says so.
			for typ, reason := range s.needs.secrets {
				if !slices.ContainsFunc(s.module.Warnings, func(w string) bool { return strings.Contains(w, typ) && strings.Contains(w, "--allow-type") }) {
					p.problems = append(p.problems, fmt.Sprintf("%s holds keys of type %s, and the module does not say it left them out", reason, typ))
				}
			}
			for _, msg := range p.problems {
				t.Error(msg)
			}
			if len(p.problems) == 0 {
				needed := 0
				for _, nd := range s.needs.required {
					needed += len(nd.perms)
				}
				stats.proved.Add(int64(len(p.added)))
				stats.needs.Add(int64(needed - len(p.unmet)))
				stats.forbidden.Add(int64(excused))
			}
		})
	}
}

// generate runs confine on one container's inspect output, as a user
// would, and returns the container and its module. It also builds the
// module through the library and checks that both agree to the byte.
func generate(t *testing.T, facts host.Facts, mc made, dir string) (inspect.Container, *policy.Module) {
	t.Helper()
	file := filepath.Join(dir, "confine", mc.name+".cil")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"--flavor", "refpolicy", "-o", file, mc.name}
	if code := cmd.Main(args, bytes.NewReader(mc.json), &stdout, &stderr); code != 0 {
		t.Fatalf("%s | confine %s: exit status %d\n%s", mc.command, strings.Join(args, " "), code, stderr.Bytes())
	}
	cli, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, mc)
	m, err := policy.Generate(c, facts, policy.Options{Name: mc.name, Flavor: templates.Refpolicy})
	if err != nil {
		t.Fatalf("%s: %v", mc.name, err)
	}
	lib, err := m.CIL()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cli, lib) {
		t.Fatalf("%s: confine wrote a module other than the library's", mc.name)
	}
	return c, m
}

// parse reads the one container of mc's inspect output.
func parse(t *testing.T, mc made) inspect.Container {
	t.Helper()
	cs, err := inspect.Parse(bytes.NewReader(mc.json), "")
	if err != nil || len(cs) != 1 {
		t.Fatalf("%s: %d containers, %v", mc.command, len(cs), err)
	}
	return cs[0]
}

// recordMounts keeps, for CI's summary, the figures of each mount of c
// that is granted type by type: the types the oracle found, the secret
// ones, those the module grants for it (told by its rules' comments,
// for the figures only), and those udica's rule would grant.
func recordMounts(t *testing.T, c inspect.Container, m *policy.Module, labels map[string][]labelled, n *needs) {
	t.Helper()
	for _, mt := range c.Mounts {
		held, ok := labels[mt.Source]
		if !ok {
			continue
		}
		present := map[string]bool{}
		for _, l := range held {
			if l.typ != "-" {
				present[l.typ] = true
			}
		}
		secret := 0
		for typ := range n.secrets {
			if present[typ] {
				secret++
			}
		}
		granted := 0
		for _, g := range m.Groups {
			if slices.ContainsFunc(g.Reasons, func(r string) bool { return strings.HasPrefix(r, "mount "+mt.Source+" -> ") }) {
				granted++
			}
		}
		recordFigures(mountFigures{mt.Source, len(present), secret, granted, udicaTypes(t, mt.Source, held[0].typ)})
	}
}

// grantedByType reports, for the proof's own test, whether a mount is
// read-only and reaches types that only read-only mounts reach.
func grantedByType(n *needs) func(inspect.Mount) bool {
	return func(m inspect.Mount) bool {
		if !m.ReadOnly || m.Relabel != "" || m.Type == inspect.Tmpfs || slices.Contains(templateDirs, filepath.Clean(m.Source)) {
			return false
		}
		for _, reason := range n.readOnly {
			if strings.HasPrefix(reason, "mount "+filepath.Clean(m.Source)+" ") {
				return true
			}
		}
		return false
	}
}

// wrongModule makes a module with the generator fed a container changed
// by mutate, to be proved against the needs of the container unchanged.
func wrongModule(t *testing.T, facts host.Facts, labels map[string][]labelled, c inspect.Container, name, wrong, catch string, mutate func(*inspect.Container)) subject {
	t.Helper()
	n, err := needsOf(c, facts, labels, name+".process")
	if err != nil {
		t.Fatal(err)
	}
	mutate(&c)
	m, err := policy.Generate(c, facts, policy.Options{Name: name, Flavor: templates.Refpolicy})
	if err != nil {
		t.Fatal(err)
	}
	return subject{name: name, module: m, needs: n, wrong: wrong, catch: catch}
}

func write(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPredicted runs confine on the container with bind mounts as for
// another host (--root /, whose files confine then does not read) and
// with --predict: both must say the types were predicted and grant more
// than the exact module, which grants only what the files have.
func TestPredicted(t *testing.T) {
	all := containers(t)
	i := slices.IndexFunc(all, func(m made) bool { return m.scenario.suffix == "binds" })
	if i < 0 {
		t.Fatal("no container with bind mounts was made")
	}
	mc := all[i]
	groups := func(args ...string) (int, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(args, "--flavor", "refpolicy", "-o", "-", mc.name)
		if code := cmd.Main(args, bytes.NewReader(mc.json), &stdout, &stderr); code != 0 {
			t.Fatalf("confine %s: exit status %d\n%s", strings.Join(args, " "), code, stderr.Bytes())
		}
		return strings.Count(stdout.String(), "\n    ; mount "), stderr.String()
	}
	exact, warnings := groups()
	if strings.Contains(warnings, "predicted") {
		t.Errorf("on this host, confine predicted types:\n%s", warnings)
	}
	for _, tc := range []struct {
		args []string
		says func(source string) string // what the warning for a mount holds
	}{
		{[]string{"--root", "/"}, func(source string) string { return source + " is on the other host whose policy confine reads" }},
		{[]string{"--predict"}, func(string) string {
			return "predicted from the policy's file_contexts for paths that may be created below it"
		}},
	} {
		n, warnings := groups(tc.args...)
		if n <= exact {
			t.Errorf("confine %s grants %d mount types, not more than the %d the files have", strings.Join(tc.args, " "), n, exact)
		}
		for _, m := range parse(t, mc).Mounts {
			if !strings.Contains(warnings, tc.says(m.Source)) {
				t.Errorf("confine %s does not warn that types of %s were predicted:\n%s", strings.Join(tc.args, " "), m.Source, warnings)
			}
		}
	}
}
