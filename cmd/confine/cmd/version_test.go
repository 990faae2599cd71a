package cmd_test

import (
	"runtime"
	"strings"
	"testing"
)

// TestVersion checks that udica's -V, --version and confine version
// print the same one line, which names the Go release. That the line
// holds the revision is e2e's TestVersion's to prove, on a build of a
// fresh clone: a test binary records none.
func TestVersion(t *testing.T) {
	var first string
	for _, args := range [][]string{{"-V"}, {"--version"}, {"version"}} {
		status, stdout, stderr := run(args, strings.NewReader(""))
		if status != 0 || stderr != "" {
			t.Errorf("confine %s: exit status %d, stderr %q", args[0], status, stderr)
		}
		if !strings.HasPrefix(stdout, "confine ") || !strings.HasSuffix(stdout, ", "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("confine %s printed %q", args[0], stdout)
		}
		if first == "" {
			first = stdout
		} else if stdout != first {
			t.Errorf("confine %s printed %q, confine -V %q", args[0], stdout, first)
		}
	}
	if status, _, stderr := run([]string{"version", "extra"}, strings.NewReader("")); status != 2 {
		t.Errorf("confine version extra: exit status %d (%s), want 2", status, stderr)
	}
}
