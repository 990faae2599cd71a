package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// offlineRoot copies testdata/host/root, a host's /etc/selinux with
// hand-written file_contexts, and adds Debian's binary policy to it.
func offlineRoot(t *testing.T) string {
	t.Helper()
	policy := testutil.File(t, "/etc/selinux/default/policy/policy.33")
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

// TestLabelAndPort runs confine label and confine port against an offline
// root and compares whole transcripts with testdata/cmd/{label,port}.
func TestLabelAndPort(t *testing.T) {
	root := offlineRoot(t)
	for _, tc := range []struct{ name, args string }{
		{"label/paths", "label --root ROOT /srv /srv/www/index.html /var/cache /tmp/scratch /home/alice/src"},
		{"label/under", "label --root ROOT --under /srv/www /home/alice"},
		{"label/relative", "label --root ROOT srv"},
		{"label/no-root", "label --root ROOT/nowhere /srv"},
		{"label/no-path", "label --root ROOT"},
		{"port/ports", "port --root ROOT 80/tcp 8080/tcp 53/udp 80/sctp 0/tcp"},
		{"port/range", "port --root ROOT 8079-8082/tcp"},
		{"port/policy", "port --policy /etc/selinux/default/policy/policy.33 22/tcp"},
		{"port/bad-protocol", "port --root ROOT 80/icmp"},
		{"port/bad-range", "port --root ROOT 90-80/tcp"},
		{"port/bad-number", "port --root ROOT 65536/tcp"},
		{"port/no-protocol", "port --root ROOT 80"},
		{"port/root-and-policy", "port --root ROOT --policy /x 80/tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got result
			got.status, got.stdout, got.stderr = run(strings.Fields(strings.ReplaceAll(tc.args, "ROOT", root)), strings.NewReader(""))
			transcript := strings.ReplaceAll("$ confine "+tc.args+"\n"+got.String(), root, "ROOT")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", tc.name+".golden"), []byte(transcript))
		})
	}
}
