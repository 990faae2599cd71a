package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestAppArmor writes the profile of every container docker and podman
// made, as `ENGINE inspect NAME | confine apparmor NAME` does, and
// compiles each with AppArmor's own parser, against the includes of
// this host's /etc/apparmor.d.
func TestAppArmor(t *testing.T) {
	parser := testutil.Tool(t, "apparmor_parser")
	dir := t.TempDir()
	for _, mc := range containers(t) {
		t.Run(mc.name, func(t *testing.T) {
			file := writeProfile(t, mc, dir)
			if out, err := exec.Command(parser, "-Q", "-K", "-q", file).CombinedOutput(); err != nil {
				t.Fatalf("apparmor_parser -Q -K %s: %v\n%s", file, err, out)
			}
			stats.aaCompiled.Add(1)
		})
	}
}

// writeProfile runs confine apparmor on mc's inspect output and returns
// the profile file it wrote in dir.
func writeProfile(t *testing.T, mc made, dir string) string {
	t.Helper()
	file := filepath.Join(dir, mc.name)
	var stdout, stderr bytes.Buffer
	args := []string{"apparmor", "-o", file, mc.name}
	if code := cmd.Main(args, bytes.NewReader(mc.json), &stdout, &stderr); code != 0 {
		t.Fatalf("%s | confine %s: exit status %d\n%s", mc.command, strings.Join(args, " "), code, stderr.Bytes())
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	stats.aaWritten.Add(1)
	return file
}
