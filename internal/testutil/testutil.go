// Package testutil holds what confine's tests share: golden files with an
// -update flag, the rule for tests that need what the repository does not
// hold (outside tools, installed files, the shared data beside it), and
// the path to that shared data.
//
// The rule: a test that finds something it needs absent calls Missing,
// directly or through Tool, File or Shared, and never t.Skip itself.
// Missing skips the test, unless CONFINE_REQUIRE_TOOLS=1 (as CI sets)
// says that everything must be there, and then fails it.
//
// Every package with tests imports it, so that `go test ./... -update` is
// accepted by every test binary.
package testutil

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Golden compares got with the golden file at path, or rewrites the file
// when the tests run with -update. The whole output is compared.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept it)\n%s", path, Diff(want, got))
	}
}

// ToolsRequired reports whether CONFINE_REQUIRE_TOOLS=1 is set, as CI does
// after installing every outside tool the tests use.
func ToolsRequired() bool { return os.Getenv("CONFINE_REQUIRE_TOOLS") == "1" }

// Missing skips the test because what it needs is absent, or fails it when
// CONFINE_REQUIRE_TOOLS=1 says everything must be present, so that a green
// CI run means the real checks ran.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if ToolsRequired() {
		t.Fatalf("CONFINE_REQUIRE_TOOLS=1 but "+format, args...)
	}
	t.Skipf("skipped: "+format, args...)
}

// Tool returns the absolute path of an outside program (looked up on PATH
// unless name is absolute), skipping or failing the test as Missing does
// when it is absent.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed", name)
	}
	return p
}

// File returns path when it exists, and otherwise skips or fails the test
// as Missing does. Use it for files that packages install, such as
// /etc/selinux/default/policy/policy.33.
func File(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, "%s is absent (%v)", path, err)
	}
	return path
}

// RepoRoot returns the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedEnv names the environment variable that, when set and not empty,
// gives the directory of shared data instead of ../shared beside the
// repository. Point it at a copy of the data, or at a directory that does
// not exist to see which tests need it: they skip, or fail under
// CONFINE_REQUIRE_TOOLS=1.
const SharedEnv = "CONFINE_SHARED"

// SharedDir returns the directory of shared data: $CONFINE_SHARED when it
// is set, otherwise ../shared beside the repository, which holds Fedora
// 41's policy data and the reference fixtures.
func SharedDir() string {
	if dir := os.Getenv(SharedEnv); dir != "" {
		return dir
	}
	return filepath.Join(RepoRoot(), "..", "shared")
}

// Shared returns the path of REL under SharedDir. When it is absent, the
// test is skipped, or failed under CONFINE_REQUIRE_TOOLS=1, as Missing
// does: shared data is not part of the repository, but CI has it.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(SharedDir(), rel)
	if _, err := os.Stat(p); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		Missing(t, "shared data %s is absent (%v); %s names its directory, ../shared by default", p, err, SharedEnv)
	}
	return p
}

// ReadmeSection returns the part of the repository's README.md between
// the marker lines start and end, which a test reads so that the README
// and what it proves cannot drift apart.
func ReadmeSection(t testing.TB, start, end string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), start)
	section, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("README.md has no section between %q and %q", start, end)
	}
	return section
}
