// Package ansibletest runs ansible-playbook in tests, on this host through
// the local connection, in an environment of the test's own: its home,
// temporary directories and an empty configuration in a new directory,
// no colour, and a UTF-8 locale, which Ansible requires.
package ansibletest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/testutil"
)

// Env returns the environment ansible-playbook runs in, with path as
// PATH ("" for this process's).
func Env(t testing.TB, path string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = os.Getenv("PATH")
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSIBLE_") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env,
		"PATH="+path,
		"HOME="+dir,
		"LC_ALL=C.UTF-8",
		"ANSIBLE_CONFIG="+cfg,
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "local"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "remote"),
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_PYTHON_INTERPRETER=auto_silent",
	)
}

// A Run is one ansible-playbook run.
type Run struct {
	Out   string
	Code  int
	Took  time.Duration
	Recap []string // the PLAY RECAP lines, one per host, spaces squeezed
}

// Play runs ansible-playbook with args in dir, with env, and returns what
// it did. A run that cannot start fails the test; a failed play is a Run
// with its exit status.
func Play(t testing.TB, dir string, env []string, args ...string) Run {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "ansible-playbook"), args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := Run{Out: string(out), Took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if _, rest, ok := strings.Cut(r.Out, "\nPLAY RECAP "); ok {
		_, rest, _ = strings.Cut(rest, "\n")
		for line := range strings.Lines(rest) {
			if strings.TrimSpace(line) == "" {
				break
			}
			r.Recap = append(r.Recap, strings.Join(strings.Fields(line), " "))
		}
	}
	return r
}

// Result returns the first line of what the play printed for the task
// called name, such as "ok: [localhost]", or "" when it did not run it.
func (r Run) Result(name string) string {
	_, rest, ok := strings.Cut(r.Out, "\nTASK ["+name+"] ")
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, "\n")
	for line := range strings.Lines(rest) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
