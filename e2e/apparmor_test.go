package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/aaproof"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
)

// TestAppArmor writes the profile of every container docker and podman
// made, as `ENGINE inspect NAME | confine apparmor NAME` does, compiles
// each with AppArmor's own parser, against the includes of this host's
// /etc/apparmor.d, and proves it against the engine's own inspect output
// with internal/aaproof. Each read-only mount is then flipped to
// read-write in the profile, and the proof must catch it.
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
			for _, f := range aaproof.Prove(t, file, mc.json, 0) {
				t.Errorf("%s: %s", mc.command, f)
			}
			if t.Failed() {
				return
			}
			stats.aaProved.Add(1)
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mc.scenario.want.mounts {
				if !m.ReadOnly || m.Type == inspect.Tmpfs {
					continue
				}
				tree, err := apparmor.Tree(m.Destination)
				if err != nil {
					t.Fatal(err)
				}
				deny := "  audit deny " + tree + " wl,\n"
				if !bytes.Contains(text, []byte(deny)) {
					t.Fatalf("the profile has no line %q", deny)
				}
				flipped := filepath.Join(t.TempDir(), mc.name)
				if err := os.WriteFile(flipped, bytes.Replace(text, []byte(deny), []byte("  "+tree+" rwlk,\n"), 1), 0o644); err != nil {
					t.Fatal(err)
				}
				failures := aaproof.Prove(t, flipped, mc.json, 0)
				if !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, m.Destination) }) {
					t.Errorf("with read-only %s flipped to read-write, the proof still passes: %q", m.Destination, failures)
					continue
				}
				stats.aaCaught.Add(1)
			}
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

// TestSeveralIDs asks docker itself for two containers, as confine -i
// with several IDs does, and writes a module and a profile for each.
func TestSeveralIDs(t *testing.T) {
	docker := useEngine(t, "docker")
	var names []string
	for _, m := range containers(t) {
		if m.engine == "docker" && (m.scenario.suffix == "plain" || m.scenario.suffix == "binds") {
			names = append(names, m.name)
		}
	}
	if len(names) != 2 {
		t.Fatalf("docker made %q, want its plain and binds containers", names)
	}
	// /usr/bin/docker, which DOCKER_HOST points at the test's daemon.
	t.Setenv("PATH", "/usr/bin:/usr/sbin:/bin:/sbin")
	t.Setenv("DOCKER_HOST", docker.global[1])
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--flavor", "refpolicy", "-e", "docker", "-i", strings.Join(names, ","), "--out-dir", filepath.Join(dir, "modules")},
		{"apparmor", "-e", "docker", "-i", names[0], "-i", names[1]},
	} {
		t.Chdir(dir)
		var stdout, stderr bytes.Buffer
		if code := cmd.Main(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("confine %s: exit status %d\n%s", strings.Join(args, " "), code, stderr.Bytes())
		}
	}
	for _, n := range names {
		for _, f := range []string{filepath.Join(dir, "modules", n+".cil"), filepath.Join(dir, n)} {
			if _, err := os.Stat(f); err != nil {
				t.Error(err)
			}
		}
	}
}
