package policy_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
)

// udicaPrefixTypes is what udica grants on a mount of dir: the type of
// every file_contexts entry whose regex text starts with dir (its string
// prefix test), plus the path's own label.
func udicaPrefixTypes(t *testing.T, dir, own string) []string {
	t.Helper()
	fedora := testutil.Shared(t, "policy/fedora-41")
	types := map[string]bool{}
	if own != "" {
		types[own] = true
	}
	for _, name := range []string{"file_contexts", "file_contexts.homedirs"} {
		f, err := os.Open(filepath.Join(fedora, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 || strings.HasPrefix(fields[0], "#") || !strings.HasPrefix(fields[0], dir) {
				continue
			}
			if ctx := strings.Split(fields[len(fields)-1], ":"); len(ctx) >= 3 {
				types[ctx[2]] = true
			}
		}
		f.Close()
	}
	return slices.Sorted(func(yield func(string) bool) {
		for typ := range types {
			if !yield(typ) {
				return
			}
		}
	})
}

// TestTypesPerMountVersusUdica writes, for every mount of the shared
// fixtures and of podman-4.3-big, on a Fedora 41 host, how many types
// confine's module grants and how many udica's prefix rule grants: a
// table for review, in testdata/generate/udica-comparison.golden.
func TestTypesPerMountVersusUdica(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	shared := testutil.Shared(t, "fixtures")
	paths, err := filepath.Glob(filepath.Join(shared, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "podman-4.3-big.json"))
	facts := host.Open(host.Options{Root: root})
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-38s %4s %7s %6s\n", "fixture", "mount", "mode", "confine", "udica")
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		containers, err := inspect.Parse(f, "")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range containers {
			for _, m := range c.Mounts {
				one := c
				one.Mounts = []inspect.Mount{m}
				one.Ports, one.Devices, one.Capabilities = nil, nil, nil
				mod, err := policy.Generate(one, facts, policy.Options{Name: "x"})
				if err != nil {
					t.Fatal(err)
				}
				confine := fmt.Sprint(len(mod.Groups))
				udica := "-"
				switch {
				case m.Type == inspect.Tmpfs:
					continue
				case slices.Contains([]string{"/home", "/tmp", "/var/log", "/etc"}, m.Source):
					confine, udica = "tmpl", "tmpl" // a template block, no types
				case m.Relabel != "":
					// The engine relabels it container_file_t; udica
					// ignores that and grants the policy's types.
					confine = "relabel"
					fallthrough
				default:
					own, _ := facts.Label(m.Source)
					udica = fmt.Sprint(len(udicaPrefixTypes(t, m.Source, own.Type)))
				}
				mode := "rw"
				if m.ReadOnly {
					mode = "ro"
				}
				fmt.Fprintf(&b, "%-22s %-38s %4s %7s %6s\n", strings.TrimSuffix(filepath.Base(path), ".json"), m.Source, mode, confine, udica)
			}
		}
	}
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "generate", "udica-comparison.golden"), []byte(b.String()))
}
