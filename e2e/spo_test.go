package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/spoproof"
)

// TestSelinuxProfiles writes every container docker and podman made as
// one run would (`ENGINE inspect ... | confine --format selinuxprofile`),
// both as CIL modules (--out-dir) and as one YAML stream of SPO
// SelinuxProfiles. The stream must hold one strictly decodable document
// per container; each document is translated back to CIL as SPO's
// daemon does (a block of the profile's name that inherits its System
// profiles, one allow rule per type, class and permissions, @self the
// block's own process), and compiled into the reference policy, the
// rules of each domain must be exactly those the CIL module gives it. A
// profile that lost one permission must not be.
func TestSelinuxProfiles(t *testing.T) {
	made := containers(t)
	ref := seltest.Refpolicy(t)
	dir := t.TempDir()
	var input []byte
	for _, mc := range made {
		input = append(input, mc.json...)
	}
	stream := filepath.Join(dir, "selinuxprofiles.yaml")
	modules := filepath.Join(dir, "modules")
	for _, args := range [][]string{
		{"--flavor", "refpolicy", "--out-dir", modules},
		{"--flavor", "refpolicy", "--format", "selinuxprofile", "-o", stream},
	} {
		var stdout, stderr bytes.Buffer
		if code := cmd.Main(args, bytes.NewReader(input), &stdout, &stderr); code != 0 {
			t.Fatalf("confine %s on the %d containers: exit status %d\n%s", strings.Join(args, " "), len(made), code, stderr.Bytes())
		}
	}

	text, err := os.ReadFile(stream)
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := spoproof.DecodeSelinux(text)
	if err != nil {
		t.Fatalf("%s: %v", stream, err)
	}
	if len(profiles) != len(made) {
		t.Fatalf("%s holds %d documents for %d containers", stream, len(profiles), len(made))
	}
	var cilFiles, spoFiles []string
	var translated bytes.Buffer
	dropped, lost := "", grant{}
	for i, mc := range made {
		p := profiles[i]
		if p.Metadata.Name != mc.name {
			t.Fatalf("document %d of %s is SelinuxProfile %q, want %q, in the order of the input", i+1, stream, p.Metadata.Name, mc.name)
		}
		cilFiles = append(cilFiles, filepath.Join(modules, mc.name+".cil"))
		translated.WriteString(profileCIL(mc.name, p))
		// The proof of the proof: the same profile with one permission
		// of one rule on a file type less, under a name of its own.
		if dropped == "" {
			if mutant, g, ok := withoutOnePermission(p); ok {
				dropped, lost = mc.name, g
				translated.WriteString(profileCIL(mc.name+"-dropped", mutant))
			}
		}
	}
	if dropped == "" {
		t.Fatal("no profile has a rule on a type other than its own, which the proof's own test needs")
	}
	spoFiles = append(spoFiles, write(t, filepath.Join(dir, "spo", "profiles.cil"), translated.Bytes()))

	fromCIL := loadRules(t, ref.Compile(t, cilFiles...))
	fromSPO := loadRules(t, ref.Compile(t, spoFiles...))
	grants := 0
	for _, mc := range made {
		domain := mc.name + ".process"
		want, got := fromCIL.direct(domain), fromSPO.direct(domain)
		if len(want) == 0 {
			t.Errorf("%s: the CIL module gives its domain no rule", mc.name)
		}
		if added, removed := diffGrants(want, got); len(added)+len(removed) > 0 {
			t.Errorf("SelinuxProfile %s, compiled, differs from its CIL module: %d grants more (%s), %d fewer (%s)",
				mc.name, len(added), firstGrants(added), len(removed), firstGrants(removed))
			continue
		}
		grants += len(want)
	}
	// The mutant's own types are named after its block: named as the
	// original's, its grants must be the module's less the one lost.
	var mutant []grant
	for _, g := range fromSPO.direct(dropped + "-dropped.process") {
		if rest, ok := strings.CutPrefix(g.target, dropped+"-dropped."); ok {
			g.target = dropped + "." + rest
		}
		mutant = append(mutant, g)
	}
	slices.SortFunc(mutant, compareGrants)
	added, removed := diffGrants(fromCIL.direct(dropped+".process"), mutant)
	if len(added) != 0 || len(removed) != 1 || removed[0] != lost {
		t.Fatalf("the profile of %s without %s compiles to %d grants more (%s) and %d fewer (%s) than its module: the comparison cannot see a lost permission",
			dropped, lost, len(added), firstGrants(added), len(removed), firstGrants(removed))
	}
	if !t.Failed() {
		stats.spo.Store(&spoRun{profiles: len(profiles), grants: grants, caught: 1})
	}
}

// profileCIL writes profile p as SPO's daemon would install it, as block
// name: every inherit of kind System a blockinherit, and one allow rule
// per type and class, @self the block's own process type.
func profileCIL(name string, p *spoproof.SelinuxDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "(block %s\n", name)
	for _, in := range p.Spec.Inherit {
		if in.Kind == "System" {
			fmt.Fprintf(&b, "  (blockinherit %s)\n", in.Name)
		}
	}
	for _, typ := range sortedKeys(p.Spec.Allow) {
		target := typ
		if typ == "@self" {
			target = "process"
		}
		for _, class := range sortedKeys(p.Spec.Allow[typ]) {
			fmt.Fprintf(&b, "  (allow process %s (%s (%s)))\n", target, class, strings.Join(p.Spec.Allow[typ][class], " "))
		}
	}
	b.WriteString(")\n")
	return b.String()
}

// withoutOnePermission returns p with the first permission of the first
// file-class rule on a type other than its own left out, if it has one of
// two permissions or more, and the grant it lost.
func withoutOnePermission(p *spoproof.SelinuxDoc) (*spoproof.SelinuxDoc, grant, bool) {
	for _, typ := range sortedKeys(p.Spec.Allow) {
		if typ == "@self" {
			continue
		}
		perms := p.Spec.Allow[typ]["file"]
		if len(perms) < 2 {
			continue
		}
		lost := *p
		lost.Spec.Allow = maps.Clone(p.Spec.Allow)
		lost.Spec.Allow[typ] = maps.Clone(p.Spec.Allow[typ])
		lost.Spec.Allow[typ]["file"] = perms[1:]
		return &lost, grant{typ, "file", perms[0]}, true
	}
	return nil, grant{}, false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// firstGrants names a few grants, for an error.
func firstGrants(gs []grant) string {
	names := make([]string, 0, 3)
	for _, g := range gs[:min(3, len(gs))] {
		names = append(names, g.String())
	}
	return strings.Join(names, ", ")
}
