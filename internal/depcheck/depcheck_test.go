package depcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

const module = "github.com/confine-policy/confine/"

// layers ranks confine's packages: a package may import only packages of
// lower layers. Test harnesses are not ranked: no ranked package may
// import them.
var layers = map[string]int{
	"internal/atomicfile":           0,
	"pkg/secontext":                 0,
	"pkg/fcontext/internal/pattern": 0,
	"pkg/inspect":                   0,
	"pkg/cil":                       1,
	"pkg/fcontext":                  1,
	"pkg/policydb":                  1,
	"pkg/audit":                     1,
	"pkg/apparmor":                  1,
	"templates":                     2,
	"pkg/store":                     2,
	"pkg/engine":                    2,
	"pkg/ansible":                   2,
	"pkg/host":                      3,
	"pkg/load":                      3,
	"pkg/aaload":                    3,
	"pkg/check":                     3,
	"pkg/policy":                    4,
	"pkg/recipe":                    5,
	"pkg/spo":                       5,
	"pkg/confine":                   6,
	"cmd/confine/cmd":               7,
	"cmd/confine":                   8,
}

// harnesses are the packages only tests use.
var harnesses = []string{"internal/testutil", "internal/ansibletest", "internal/seltest", "internal/aaproof", "internal/spoproof", "internal/hosttest", "internal/vmtest", "internal/depcheck", "e2e", "e2e/vm"}

// stdlibOnly are the packages that read and write policy formats, and
// the templates: they must build anywhere, with nothing but the standard
// library.
var stdlibOnly = []string{"pkg/secontext", "pkg/audit", "pkg/apparmor", "pkg/cil", "pkg/fcontext", "pkg/fcontext/internal/pattern", "pkg/policydb", "pkg/ansible", "templates"}

// forbidden are imports a package may not have: the command line is flags
// and calls, so it runs no program, writes no file and starts no
// goroutine itself; the templates are data, and touch no file of the host.
var forbidden = map[string][]string{
	"cmd/confine/cmd": {"os/exec", "sync", module + "internal/atomicfile"},
	"templates":       {"os", "os/exec", module + "internal/atomicfile"},
}

// imports returns each package of the module with its imports, as go list
// gives them (test files' imports are not among them).
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "go"), "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	cmd.Dir = testutil.RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkgs[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	return pkgs
}

// violations returns every broken rule in pkgs.
func violations(pkgs map[string][]string) []string {
	var bad []string
	for pkg, imps := range pkgs {
		rank, ranked := layers[pkg]
		if !ranked && !slices.Contains(harnesses, pkg) {
			bad = append(bad, fmt.Sprintf("%s is in no layer: rank it in depcheck", pkg))
			continue
		}
		for _, imp := range imps {
			if slices.Contains(forbidden[pkg], imp) {
				bad = append(bad, fmt.Sprintf("%s imports %s, which it may not", pkg, imp))
			}
			own, ok := strings.CutPrefix(imp, module)
			if !ok {
				if slices.Contains(stdlibOnly, pkg) && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
					bad = append(bad, fmt.Sprintf("%s imports %s: it may use the standard library only", pkg, imp))
				}
				continue
			}
			if !ranked {
				continue // a harness may use anything
			}
			if slices.Contains(harnesses, own) {
				bad = append(bad, fmt.Sprintf("%s imports the test harness %s", pkg, own))
			} else if r, ok := layers[own]; ok && r >= rank {
				bad = append(bad, fmt.Sprintf("%s (layer %d) imports %s (layer %d): a package may import only lower layers", pkg, rank, own, r))
			}
		}
	}
	slices.Sort(bad)
	return bad
}

func TestImportRules(t *testing.T) {
	for _, v := range violations(imports(t)) {
		t.Error(v)
	}
}

// TestRulesCatch breaks each rule in a made-up module and checks that
// violations says so.
func TestRulesCatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkgs map[string][]string
		want string
	}{
		{"upward", map[string][]string{"pkg/host": {module + "pkg/policy"}}, "pkg/host (layer 3) imports pkg/policy (layer 4)"},
		{"sideways", map[string][]string{"pkg/store": {module + "pkg/engine"}}, "pkg/store (layer 2) imports pkg/engine (layer 2)"},
		{"not stdlib", map[string][]string{"pkg/cil": {"golang.org/x/sys/unix"}}, "pkg/cil imports golang.org/x/sys/unix: it may use the standard library only"},
		{"cmd runs programs", map[string][]string{"cmd/confine/cmd": {"os/exec"}}, "cmd/confine/cmd imports os/exec, which it may not"},
		{"cmd writes files", map[string][]string{"cmd/confine/cmd": {module + "internal/atomicfile"}}, "cmd/confine/cmd imports github.com/confine-policy/confine/internal/atomicfile, which it may not"},
		{"templates touch the host", map[string][]string{"templates": {"os"}}, "templates imports os, which it may not"},
		{"harness", map[string][]string{"pkg/policy": {module + "internal/testutil"}}, "pkg/policy imports the test harness internal/testutil"},
		{"unranked", map[string][]string{"pkg/new": nil}, "pkg/new is in no layer"},
	} {
		got := violations(tc.pkgs)
		if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, tc.want) }) {
			t.Errorf("%s: violations = %q, want one starting %q", tc.name, got, tc.want)
		}
	}
}
