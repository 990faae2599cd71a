package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestCheckCommand runs confine check on a copy of Debian's store with
// the container module: a module with a problem and a good one, and the
// failures that keep check from judging any, each compared whole with
// testdata/cmd/check/NAME.golden.
func TestCheckCommand(t *testing.T) {
	testutil.Tool(t, "secilc")
	root := seltest.ContainerStore(t)
	bare := seltest.CopyStore(t)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"good.cil":   "(block good\n    (blockinherit container)\n    (allow process http_port_t (tcp_socket (name_bind)))\n)\n",
		"syslog.cil": "(block syslog\n    (blockinherit container)\n    (allow process process (capability (chown syslog)))\n)\n",
		"notcil.cil": "(block broken\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, tc := range []struct{ name, args string }{
		{"problems", "check --store-root ROOT good.cil syslog.cil"},
		{"ok", "check --store-root ROOT good.cil"},
		{"no-file", "check --store-root ROOT"},
		{"missing-file", "check --store-root ROOT nosuch.cil"},
		{"not-cil", "check --store-root ROOT notcil.cil"},
		{"no-container-module", "check --store-root BARE good.cil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := strings.ReplaceAll(strings.ReplaceAll(tc.args, "BARE", bare), "ROOT", root)
			var got result
			got.status, got.stdout, got.stderr = run(strings.Fields(args), strings.NewReader(""))
			transcript := "$ confine " + tc.args + "\n" + strings.ReplaceAll(strings.ReplaceAll(got.String(), bare, "BARE"), root, "ROOT")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "check", tc.name+".golden"), []byte(transcript))
		})
	}
}
