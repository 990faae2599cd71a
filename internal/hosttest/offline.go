package hosttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// DebianPolicy is the binary policy of Debian's selinux-policy-default.
const DebianPolicy = "/etc/selinux/default/policy/policy.33"

// OfflineRoot returns a copy of testdata/host/root, a host's /etc/selinux
// with hand-written file_contexts (SELINUXTYPE=testpol), with Debian's
// binary policy added, so that confine reads a whole policy tree from it
// as --root does. When Debian's policy is missing, it skips the test, or
// fails it under CONFINE_REQUIRE_TOOLS=1, as testutil.Missing does.
func OfflineRoot(t testing.TB) string {
	t.Helper()
	policy := testutil.File(t, DebianPolicy)
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(filepath.Join(testutil.RepoRoot(), "testdata", "host", "root"))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "etc", "selinux", "testpol", "policy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.33"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}
