package policydb_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/pkg/secontext"
)

// These tests compare the reader with setools, which reads policies
// through libsepol: every type, alias, attribute (with its members), class
// (with its permissions), boolean and initial SID, every portcon in the
// policy's order, and the label of every port of every protocol.

// baseFiles are the CIL files that make the test policies: the project's
// shared small base under testdata/policy, plus this package's extras.
var baseFiles = map[string][]string{
	"mini": {"../policy/mini-base.cil"},
	"full": {"../policy/mini-base.cil", "extras.cil", "ports.cil"},
}

// compile builds a binary policy with secilc into dir and returns its path.
// The file is named policy.N because setools goes by the name.
func compile(t *testing.T, dir string, version int, mls bool, files ...string) string {
	t.Helper()
	secilc := testutil.Tool(t, "secilc")
	out := filepath.Join(dir, "policy."+strconv.Itoa(version))
	args := []string{"-c", strconv.Itoa(version), "-M", strconv.FormatBool(mls), "-o", out, "-f", os.DevNull}
	if b, err := exec.Command(secilc, append(args, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("secilc %v: %v\n%s", args, err, b)
	}
	return out
}

func testdata(name string) string {
	return filepath.Join(testutil.RepoRoot(), "testdata", "policydb", name)
}

func baseCIL(name string) []string {
	var paths []string
	for _, f := range baseFiles[name] {
		paths = append(paths, testdata(f))
	}
	return paths
}

// generatedCIL writes a base with many types, attributes, aliases,
// booleans and overlapping portcons, so that bitmaps span several nodes and
// port lookups meet hundreds of candidates.
func generatedCIL(t *testing.T, dir string) string {
	var b strings.Builder
	const types = 200
	for i := range types {
		fmt.Fprintf(&b, "(type gen%d_t)\n", i)
		if i%7 == 0 {
			fmt.Fprintf(&b, "(typealias gen%d_alias_t)\n(typealiasactual gen%d_alias_t gen%d_t)\n", i, i, i)
		}
	}
	for k := range 10 {
		fmt.Fprintf(&b, "(typeattribute gen_attr%d)\n(typeattributeset gen_attr%d (", k, k)
		for i := 0; i < types; i += k + 2 {
			fmt.Fprintf(&b, " gen%d_t", i)
		}
		fmt.Fprintf(&b, "))\n(allow domain gen_attr%d (tcp_socket (name_bind)))\n", k)
	}
	b.WriteString("(typeattributeset port_type (")
	for i := range types {
		fmt.Fprintf(&b, " gen%d_t", i)
	}
	b.WriteString("))\n")
	for i := range 70 {
		fmt.Fprintf(&b, "(boolean gen_bool%d %t)\n", i, i%3 == 0)
	}
	// A linear congruential generator keeps the ranges the same from run
	// to run.
	seed := uint32(1)
	rand := func(n uint32) uint32 {
		seed = seed*1664525 + 1013904223
		return (seed >> 8) % n
	}
	seen := map[string]bool{}
	protocols := []string{"tcp", "udp", "sctp", "dccp"}
	for len(seen) < 300 {
		proto := protocols[rand(4)]
		low := rand(65536)
		high := min(low+[]uint32{0, 1 + rand(50), rand(5000)}[rand(3)], 65535)
		key := fmt.Sprint(proto, low, high)
		if seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(&b, "(portcon %s (%d %d) (system_u object_r gen%d_t ((s0) (s0))))\n", proto, low, high, rand(types))
	}
	path := filepath.Join(dir, "generated.cil")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAgreesWithSetools(t *testing.T) {
	type policy struct {
		name    string
		version int
		mls     bool
		files   func(t *testing.T, dir string) []string
	}
	var policies []policy
	for _, v := range []int{30, 31, 32, 33} {
		for _, mls := range []bool{true, false} {
			policies = append(policies, policy{"full", v, mls, func(*testing.T, string) []string { return baseCIL("full") }})
		}
	}
	for _, mls := range []bool{true, false} {
		policies = append(policies, policy{"mini", 33, mls, func(*testing.T, string) []string { return baseCIL("mini") }})
	}
	policies = append(policies, policy{"generated", 33, true, func(t *testing.T, dir string) []string {
		return append(baseCIL("full"), generatedCIL(t, dir))
	}})
	for _, pol := range policies {
		t.Run(fmt.Sprintf("%s/%d/mls=%t", pol.name, pol.version, pol.mls), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := compile(t, dir, pol.version, pol.mls, pol.files(t, dir)...)
			compareWithSetools(t, path)
		})
	}
}

func TestAgreesWithSetoolsOnDebian(t *testing.T) {
	compareWithSetools(t, testutil.File(t, "/etc/selinux/default/policy/policy.33"))
}

// compareWithSetools runs seinfo and setools' Python API once on the
// policy at path and compares everything they print with the reader's
// answers.
func compareWithSetools(t *testing.T, path string) {
	t.Helper()
	seinfo := testutil.Tool(t, "seinfo")
	python := testutil.Tool(t, "/usr/bin/python3")
	p, err := policydb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(seinfo, path, "--flat", "-x", "-t", "-a", "-b", "-c", "--common", "--initialsid", "--portcon").Output()
	if err != nil {
		t.Fatalf("seinfo: %v", err)
	}
	want, portSID, sortedPortcons := parseSeinfo(t, string(out))
	if got := symbols(p); got != want {
		t.Errorf("symbols differ from seinfo's (- seinfo, + policydb):\n%s", testutil.Diff([]byte(want), []byte(got)))
	}

	// seinfo sorts portcons; the Python API keeps the policy's order,
	// which is the one the kernel searches.
	out, err = exec.Command(python, "-c", "import setools, sys\nfor pc in setools.SELinuxPolicy(sys.argv[1]).portcons(): print(pc)", path).Output()
	if err != nil {
		t.Fatalf("setools portcons: %v", err)
	}
	ordered := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(out) == 0 {
		ordered = nil
	}
	if s := slices.Sorted(slices.Values(ordered)); !slices.Equal(s, sortedPortcons) {
		t.Fatalf("setools' Python API and seinfo list different portcons")
	}
	var got []string
	for _, pc := range p.Portcons() {
		got = append(got, pc.String())
	}
	if w, g := strings.Join(ordered, "\n"), strings.Join(got, "\n"); w != g {
		t.Errorf("portcons differ from setools' (- setools, + policydb):\n%s", testutil.Diff([]byte(w), []byte(g)))
	}
	comparePorts(t, p, ordered, portSID)
}

// comparePorts checks the label of every port of every protocol against a
// first match over setools' portcons.
func comparePorts(t *testing.T, p *policydb.Policy, portcons []string, portSID string) {
	t.Helper()
	type entry struct {
		proto     policydb.Protocol
		low, high int
		context   string
	}
	var entries []entry
	for _, line := range portcons {
		f := strings.SplitN(line, " ", 4)
		proto, err := policydb.ParseProtocol(f[1])
		if err != nil {
			t.Fatalf("setools printed %q: %v", line, err)
		}
		low, high, ok := strings.Cut(f[2], "-")
		if !ok {
			high = low
		}
		e := entry{proto: proto, context: f[3]}
		e.low, _ = strconv.Atoi(low)
		e.high, _ = strconv.Atoi(high)
		entries = append(entries, e)
	}
	checked, wrong := 0, 0
	for _, proto := range []policydb.Protocol{policydb.TCP, policydb.UDP, policydb.SCTP, policydb.DCCP} {
		for port := range 65536 {
			want, def := portSID, true
			for _, e := range entries {
				if e.proto == proto && e.low <= port && port <= e.high {
					want, def = e.context, false
					break
				}
			}
			l := p.LookupPort(proto, uint16(port))
			got := l.Context.String()
			if l.Context == (secontext.Context{}) {
				got = ""
			}
			checked++
			if got != want || l.Default != def {
				if wrong++; wrong <= 5 {
					t.Errorf("%s port %d: got %q (default %t), setools' first match gives %q (default %t)", proto, port, got, l.Default, want, def)
				}
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d ports differ", wrong, checked)
	}
}

// parseSeinfo turns seinfo's flat output into the text symbols prints,
// with sets sorted, and returns the port SID's context and the portcons.
func parseSeinfo(t *testing.T, out string) (canonical, portSID string, portcons []string) {
	t.Helper()
	type permSet struct {
		common string
		perms  []string
	}
	var (
		bools, sids, types []string
		classes            = map[string]*permSet{}
		commons            = map[string]*permSet{}
		attributes         = map[string][]string{}
		cur                *permSet
		attr               string
	)
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		word, rest, _ := strings.Cut(line, " ")
		switch {
		case line == "" || line == "{" || line == "}":
		case strings.HasPrefix(line, "\t"):
			switch {
			case cur != nil:
				cur.perms = append(cur.perms, line[1:])
			case attr != "" && line != "\t<empty attribute>":
				attributes[attr] = append(attributes[attr], line[1:])
			case attr != "":
			default:
				t.Fatalf("seinfo: indented line %q outside a block", line)
			}
		case word == "bool":
			name, state, _ := strings.Cut(strings.TrimSuffix(rest, ";"), " ")
			bools = append(bools, "bool "+name+" "+state)
		case word == "class":
			cur, attr = &permSet{}, ""
			classes[rest] = cur
		case word == "common":
			cur, attr = &permSet{}, ""
			commons[rest] = cur
		case word == "inherits" && cur != nil:
			cur.common = rest
		case word == "sid":
			sids = append(sids, line)
			if name, context, _ := strings.Cut(rest, " "); name == "port" {
				portSID = context
			}
		case word == "portcon":
			portcons = append(portcons, line)
		case word == "type":
			fields := strings.Split(strings.TrimSuffix(rest, ";"), ", ")
			name, aliases, _ := strings.Cut(fields[0], " alias ")
			aliasList := strings.Fields(strings.Trim(aliases, "{ }"))
			slices.Sort(aliasList)
			attrs := slices.Sorted(slices.Values(fields[1:]))
			types = append(types, typeLine(name, aliasList, attrs))
		case word == "attribute":
			cur, attr = nil, strings.TrimSuffix(rest, ";")
			attributes[attr] = nil
		default:
			t.Fatalf("seinfo printed %q, which this test does not know", line)
		}
	}
	var b strings.Builder
	for _, s := range slices.Sorted(slices.Values(bools)) {
		b.WriteString(s + "\n")
	}
	for _, name := range slices.Sorted(mapKeys(classes)) {
		c := classes[name]
		perms := slices.Clone(c.perms)
		if c.common != "" {
			com, ok := commons[c.common]
			if !ok {
				t.Fatalf("seinfo: class %s inherits unknown common %s", name, c.common)
			}
			perms = append(perms, com.perms...)
		}
		b.WriteString(classLine(name, c.common, slices.Sorted(slices.Values(perms))))
	}
	for _, s := range slices.Sorted(slices.Values(sids)) {
		b.WriteString(s + "\n")
	}
	for _, s := range slices.Sorted(slices.Values(types)) {
		b.WriteString(s)
	}
	for _, name := range slices.Sorted(mapKeys(attributes)) {
		b.WriteString(attributeLine(name, slices.Sorted(slices.Values(attributes[name]))))
	}
	slices.Sort(portcons)
	return b.String(), portSID, portcons
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func typeLine(name string, aliases, attrs []string) string {
	return fmt.Sprintf("type %s alias %v attributes %v\n", name, aliases, attrs)
}

func classLine(name, common string, perms []string) string {
	return fmt.Sprintf("class %s common %q %v\n", name, common, perms)
}

func attributeLine(name string, members []string) string {
	return fmt.Sprintf("attribute %s %v\n", name, members)
}

// symbols prints what the reader knows of a policy's symbols, in the
// order parseSeinfo prints seinfo's.
func symbols(p *policydb.Policy) string {
	var b strings.Builder
	for _, bl := range p.Booleans() {
		fmt.Fprintf(&b, "bool %s %t\n", bl.Name, bl.Default)
	}
	for _, c := range p.Classes() {
		b.WriteString(classLine(c, p.Common(c), p.Permissions(c)))
	}
	sids := p.InitialSIDs()
	slices.SortFunc(sids, func(a, b policydb.InitialSID) int { return strings.Compare(a.Name, b.Name) })
	for _, s := range sids {
		fmt.Fprintf(&b, "sid %s %s\n", s.Name, s.Context)
	}
	for _, name := range p.Types() {
		b.WriteString(typeLine(name, p.Aliases(name), p.TypeAttributes(name)))
	}
	for _, name := range p.Attributes() {
		b.WriteString(attributeLine(name, p.Members(name)))
	}
	return b.String()
}
