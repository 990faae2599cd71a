package testutil_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// childEnv, set to 1, makes TestMissingRule run the cases themselves, in
// the copy of the test binary that the test starts, instead of starting
// copies.
const childEnv = "CONFINE_TESTUTIL_MISSING_CHILD"

// absentShared is what CONFINE_SHARED names in the copies of the binary.
const absentShared = "/nonexistent/confine-shared"

// missingCases each look for something absent through one of testutil's
// functions, and say what Missing must then report.
var missingCases = []struct {
	name string
	call func(t *testing.T)
	msg  string
}{
	{"Missing", func(t *testing.T) { testutil.Missing(t, "the %s is absent", "widget") }, "the widget is absent"},
	{"Tool", func(t *testing.T) { testutil.Tool(t, "confine-test-no-such-tool") }, "confine-test-no-such-tool is not installed"},
	{"File", func(t *testing.T) { testutil.File(t, "/nonexistent/confine-test-file") }, "/nonexistent/confine-test-file is absent"},
	{"Shared", func(t *testing.T) { testutil.Shared(t, "policy/fedora-41") }, "shared data " + absentShared + "/policy/fedora-41 is absent"},
}

// TestMissingRule runs each case in a copy of the test binary, without and
// with CONFINE_REQUIRE_TOOLS=1, and checks what go test would report: the
// case skipped and the binary's exit status 0, or the case failed with the
// reason and exit status 1.
func TestMissingRule(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		for _, c := range missingCases {
			t.Run(c.name, func(t *testing.T) {
				c.call(t)
				t.Error("the test went on after finding what it needs absent")
			})
		}
		return
	}
	for _, required := range []bool{false, true} {
		for _, c := range missingCases {
			name := c.name + "/required"
			if !required {
				name = c.name + "/optional"
			}
			t.Run(name, func(t *testing.T) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestMissingRule$/^"+c.name+"$", "-test.v")
				req := "0"
				if required {
					req = "1"
				}
				cmd.Env = append(os.Environ(), childEnv+"=1", "CONFINE_REQUIRE_TOOLS="+req, testutil.SharedEnv+"="+absentShared)
				out, err := cmd.CombinedOutput()
				status := 0
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					status = exit.ExitCode()
				} else if err != nil {
					t.Fatalf("running %s: %v", os.Args[0], err)
				}
				verdict, reason, wantStatus := "--- SKIP: ", "skipped: "+c.msg, 0
				if required {
					verdict, reason, wantStatus = "--- FAIL: ", "CONFINE_REQUIRE_TOOLS=1 but "+c.msg, 1
				}
				verdict += "TestMissingRule/" + c.name + " "
				if status != wantStatus || !strings.Contains(string(out), verdict) || !strings.Contains(string(out), reason) {
					t.Errorf("CONFINE_REQUIRE_TOOLS=%s: exit status %d, want %d with %q and %q in the output:\n%s", req, status, wantStatus, verdict, reason, out)
				}
			})
		}
	}
}

// TestPresent checks that what is there is returned, and that the test
// goes on, even when CONFINE_REQUIRE_TOOLS=1.
func TestPresent(t *testing.T) {
	t.Setenv("CONFINE_REQUIRE_TOOLS", "1")
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.Tool(t, self); got != self {
		t.Errorf("Tool(%s) = %s", self, got)
	}
	if got := testutil.File(t, self); got != self {
		t.Errorf("File(%s) = %s", self, got)
	}

	shared := t.TempDir()
	if err := os.MkdirAll(filepath.Join(shared, "policy", "fedora-41"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(testutil.SharedEnv, shared)
	if got, want := testutil.Shared(t, "policy/fedora-41"), filepath.Join(shared, "policy", "fedora-41"); got != want {
		t.Errorf("with %s=%s, Shared = %s, want %s", testutil.SharedEnv, shared, got, want)
	}
	t.Setenv(testutil.SharedEnv, "")
	if got, want := testutil.SharedDir(), filepath.Join(testutil.RepoRoot(), "..", "shared"); got != want {
		t.Errorf("with %s empty, SharedDir = %s, want %s", testutil.SharedEnv, got, want)
	}
}
