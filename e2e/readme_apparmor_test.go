package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// The README's AppArmor session sits between these lines: commands (the
// lines of its indented block after a root shell's prompt) and what each
// prints.
const (
	appArmorStart = "<!-- apparmor-path: e2e/readme_apparmor_test.go runs these commands and compares what they print -->"
	appArmorEnd   = "<!-- end of apparmor-path -->"
	prompt        = "root@debian:~# "
)

// appArmorNotRun are the session's commands that need an AppArmor kernel
// or touch the host's profiles: the enforcing guest of e2e/vm runs their
// equivalents. They print nothing in the README.
var appArmorNotRun = []string{"install ", "apparmor_parser -r ", "docker run "}

// appArmorWeb is how the README says web was made.
var appArmorWeb = []string{"-v", "/srv/www:/www:ro", "-v", "/srv/data:/data", "-p", "8080:80"}

// TestReadmeAppArmor runs the README's AppArmor session as written,
// against the test's own dockerd holding a container web made as the
// README says, with confine built from this clone, and checks that the
// whole session prints what the README shows, byte for byte. The parser
// prints a notice on a kernel without AppArmor, as here, that a Debian
// host does not; it is left out.
func TestReadmeAppArmor(t *testing.T) {
	testutil.Tool(t, "apparmor_parser")
	goTool := testutil.Tool(t, "go")
	docker := useEngine(t, "docker")
	for _, dir := range []string{"/srv/www", "/srv/data"} {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(dir) })
		}
	}
	_, _ = docker.run("rm", "-f", "web")
	docker.create(t, "web", appArmorWeb...)
	t.Cleanup(func() { _, _ = docker.run("rm", "-f", "web") })

	bin := t.TempDir()
	build := exec.Command(goTool, "build", "-o", filepath.Join(bin, "confine"), "./cmd/confine")
	build.Dir = testutil.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	want := sessionText(testutil.ReadmeSection(t, appArmorStart, appArmorEnd))
	var got strings.Builder
	work := t.TempDir()
	for _, step := range sessionSteps(t, want) {
		got.WriteString(prompt + step + "\n")
		if slices.ContainsFunc(appArmorNotRun, func(p string) bool { return strings.HasPrefix(step, p) }) {
			continue
		}
		cmd := exec.Command("bash", "-o", "pipefail", "-c", step)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST="+docker.global[1])
		cmd.Env = append(cmd.Env, docker.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", step, err, out)
		}
		for line := range strings.Lines(string(out)) {
			if !strings.HasPrefix(line, "Cache read/write disabled: interface file missing.") {
				got.WriteString(line)
			}
		}
	}
	if got.String() != want {
		t.Errorf("the README's AppArmor session prints otherwise; the session as it runs:\n%s\ndifferences (- README, + run):\n%s", got.String(), testutil.Diff([]byte(want), []byte(got.String())))
	}
}

// sessionText returns the indented block of a README section, unindented.
func sessionText(section string) string {
	var b strings.Builder
	for line := range strings.Lines(section) {
		if rest, ok := strings.CutPrefix(line, "    "); ok {
			b.WriteString(rest)
		} else if line == "\n" {
			b.WriteString(line)
		}
	}
	return strings.Trim(b.String(), "\n") + "\n"
}

// sessionSteps returns the commands of a session: the lines after the
// prompt.
func sessionSteps(t *testing.T, session string) []string {
	t.Helper()
	var steps []string
	for line := range strings.Lines(session) {
		if c, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), prompt); ok {
			steps = append(steps, c)
		}
	}
	if len(steps) == 0 {
		t.Fatal("the README's AppArmor session holds no command")
	}
	for _, p := range appArmorNotRun {
		if !slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, p) }) {
			t.Errorf("the README's AppArmor session has no %q step: update appArmorNotRun", strings.TrimSpace(p))
		}
	}
	return steps
}
