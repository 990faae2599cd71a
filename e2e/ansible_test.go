package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/ansibletest"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/pkg/ansible"
)

// TestAnsible deploys a real container's module the way a fleet gets it:
// confine -d writes the playbook and archive from docker's inspect
// output, and ansible-playbook runs the play for real (local connection)
// into a copy of Debian's policy store with the container module. The
// module must be installed and the play's check pass; the same play with
// a module that cannot load must fail and leave the store as it was; and
// the check alone must fail for a module the store lacks. CI's summary
// says what each run's recap was.
func TestAnsible(t *testing.T) {
	var mc made
	for _, m := range containers(t) {
		if m.engine == "docker" && m.scenario.suffix == "binds" {
			mc = m
		}
	}
	if mc.name == "" {
		t.Fatal("no docker-binds container")
	}
	store := seltest.ContainerStore(t)
	env := ansibletest.Env(t, "")
	play := func(dir string, args ...string) ansibletest.Run {
		t.Helper()
		argv := append([]string{"-c", "local", "-i", "localhost,", ansible.PlaybookFile,
			"-e", "confine_become=false", "-e", "confine_packages=false", "-e", "confine_dest=" + filepath.Join(t.TempDir(), "policy"),
			"-e", "confine_store_root=" + store, "-e", "confine_store=" + seltest.Store}, args...)
		r := ansibletest.Play(t, dir, env, argv...)
		t.Logf("ansible-playbook %s: exit status %d in %v: %s", strings.Join(args, " "), r.Code, r.Took.Round(1e6), strings.Join(r.Recap, "; "))
		return r
	}

	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"--flavor", "refpolicy", "-d", "--out-dir", dir, mc.name}
	if code := cmd.Main(args, bytes.NewReader(mc.json), &stdout, &stderr); code != 0 {
		t.Fatalf("%s | confine %s: exit status %d\n%s", mc.command, strings.Join(args, " "), code, stderr.Bytes())
	}
	if _, err := os.Stat(filepath.Join(dir, mc.name+".cil")); err == nil {
		t.Errorf("-d left %s.cil beside the archive", mc.name)
	}
	r := play(dir)
	if r.Code != 0 || !slices.Contains(seltest.Listed(t, store), mc.name) || !strings.Contains(r.Out, "semodule -l lists "+mc.name) {
		t.Fatalf("the play did not install %s and check it:\n%s", mc.name, r.Out)
	}
	installed := r.Recap

	// The module with a rule on a type the policy lacks, in an archive
	// made as -d makes it.
	broken := t.TempDir()
	files, err := ansible.Files(brokenBundle(t, filepath.Join(dir, ansible.ArchiveName(mc.name)), mc.name))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(broken, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	was := seltest.StoreHash(t, store)
	r = play(broken)
	if r.Code == 0 || r.Result("Install them in one semodule transaction") == "" || !maps.Equal(seltest.StoreHash(t, store), was) {
		t.Errorf("the play of a module that cannot load did not fail at installing it, or changed the store:\n%s", r.Out)
	}
	refused := r.Recap

	r = play(dir, "--tags", "verify", "-e", `{"final_policy": "`+mc.name+`.cil confine-e2e-ghost.cil"}`)
	if r.Code == 0 || !strings.Contains(r.Out, "semodule -l does not list confine-e2e-ghost") {
		t.Errorf("the check passed for a module the store lacks:\n%s", r.Out)
	}
	if !t.Failed() {
		stats.ansible.Store(&ansibleRuns{module: mc.name, installed: strings.Join(installed, "; "), refused: strings.Join(refused, "; "), ghost: strings.Join(r.Recap, "; ")})
	}
}

// brokenBundle returns the bundle of archive, the one -d wrote for
// module, with a rule added to the module on a type no policy has.
func brokenBundle(t *testing.T, archive, module string) ansible.Bundle {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b := ansible.Bundle{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != module+".cil" {
			b.Templates = append(b.Templates, ansible.File{Name: h.Name, Data: data})
			continue
		}
		text := strings.TrimRight(string(data), "\n")
		text = strings.TrimSuffix(text, ")") + "    (allow process confine_e2e_missing_t (file (read)))\n)\n"
		b.Modules = append(b.Modules, ansible.Module{Name: module, CIL: []byte(text)})
	}
	if len(b.Modules) != 1 {
		t.Fatalf("%s holds no %s.cil", archive, module)
	}
	return b
}
