package cmd_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/templates"
)

// TestLabelAndPort runs confine label and confine port against an offline
// root and compares whole transcripts with testdata/cmd/{label,port}.
func TestLabelAndPort(t *testing.T) {
	root := hosttest.OfflineRoot(t)
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

// TestTemplatesCommand writes the templates and checks that every file the
// recipe of a refpolicy module names is there, byte for byte as embedded.
func TestTemplatesCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "templates")
	status, stdout, stderr := run([]string{"templates", "--write", dir}, strings.NewReader(""))
	transcript := strings.ReplaceAll(fmt.Sprintf("$ confine templates --write DIR\n%s", result{status, stdout, stderr}), dir, "DIR")
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "templates", "write.golden"), []byte(transcript))
	for _, line := range strings.Fields(stdout) {
		got, err := os.ReadFile(line)
		if err != nil {
			t.Fatal(err)
		}
		want, err := templates.Data(filepath.Base(line))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the embedded template (%v)", line, err)
		}
	}
	status, _, stderr = run([]string{"templates"}, strings.NewReader(""))
	if status != 2 || !strings.Contains(stderr, "--write DIR is required") {
		t.Errorf("confine templates without --write: status %d, %q", status, stderr)
	}
}
