package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// TestVersion builds confine from a fresh clone of this repository with
// the README's build command, as a user would, and checks that
// confine --version names the commit the clone is at, unmodified.
func TestVersion(t *testing.T) {
	git := testutil.Tool(t, "git")
	goTool := testutil.Tool(t, "go")
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var build []string
	for line := range strings.Lines(string(data)) {
		if c, ok := strings.CutPrefix(line, "    go build "); ok {
			c, _, _ = strings.Cut(c, "&&")
			build = strings.Fields(c)
			break
		}
	}
	if len(build) == 0 {
		t.Fatal("the README has no go build command")
	}
	clone := filepath.Join(t.TempDir(), "confine")
	if out, err := exec.Command(git, "clone", "--quiet", testutil.RepoRoot(), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	head, err := exec.Command(git, "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, append([]string{"build"}, build...)...)
	cmd.Dir = clone
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(build, " "), err, out)
	}
	out, err := exec.Command(filepath.Join(clone, "confine"), "--version").Output()
	if err != nil {
		t.Fatalf("confine --version: %v", err)
	}
	want := "revision " + strings.TrimSpace(string(head)) + ", "
	if !strings.Contains(string(out), want) {
		t.Errorf("confine --version printed %q, want it to hold %q", out, want)
	}
	t.Logf("confine --version: %s", out)
}
