package inspect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/inspect"
)

// fixtures returns the paths of testdata/inspect/*.json.
func fixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata/inspect (%v)", err)
	}
	return paths
}

// render is what `confine inspect` prints for containers: the model as
// indented JSON.
func render(t testing.TB, containers []inspect.Container) []byte {
	t.Helper()
	out, err := json.MarshalIndent(containers, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestParseGolden parses every fixture and compares the whole model, or
// for bad-*.json the whole error, with NAME.golden beside it.
func TestParseGolden(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			containers, err := inspect.Parse(f, "")
			var got []byte
			switch bad := strings.HasPrefix(name, "bad-"); {
			case bad && err == nil:
				t.Fatalf("Parse succeeded on a bad input, giving %d containers", len(containers))
			case bad:
				got = []byte(err.Error() + "\n")
			case err != nil:
				t.Fatalf("Parse: %v", err)
			default:
				got = render(t, containers)
			}
			testutil.Golden(t, strings.TrimSuffix(path, ".json")+".golden", got)
		})
	}
}
