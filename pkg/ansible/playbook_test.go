package ansible_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/ansibletest"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/ansible"
)

// The tests below run the playbook with ansible-playbook, on this host
// through the local connection.

// brokenCIL names a type the policy lacks: semodule refuses it.
const brokenCIL = "(block broken\n    (blockinherit container)\n    (allow process confine_missing_t (file (read)))\n)\n"

// write puts the files in a new directory and returns it.
func write(t *testing.T, fs []ansible.File) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range fs {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// playbook runs ansible-playbook in dir, where Files' files are, on this
// host through the local connection, with the variables file and the
// settings that keep the play off the host's own root: no become, no
// package, dest as the destination.
func playbook(t *testing.T, dir string, env []string, dest string, args ...string) ansibletest.Run {
	t.Helper()
	argv := append([]string{"-c", "local", "-i", "localhost,", ansible.PlaybookFile, "-e", "@" + ansible.VariablesFile,
		"-e", "confine_become=false", "-e", "confine_packages=false", "-e", "confine_dest=" + dest}, args...)
	return ansibletest.Play(t, dir, env, argv...)
}

// TestSyntax has ansible-playbook check every playbook Files writes.
func TestSyntax(t *testing.T) {
	hosts := webBundle(t)
	hosts.Hosts = "web:&prod"
	for name, b := range map[string]ansible.Bundle{"web": webBundle(t), "fleet": fleetBundle(t), "hosts": hosts} {
		dir := write(t, files(t, b))
		cmd := exec.Command(testutil.Tool(t, "ansible-playbook"), "--syntax-check", "-i", "localhost,", ansible.PlaybookFile)
		cmd.Dir = dir
		cmd.Env = ansibletest.Env(t, "")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: ansible-playbook --syntax-check: %v\n%s", name, err, out)
		}
	}
}

// fakeTools writes a selinuxenabled that exits with status, and a
// semodule that logs its arguments to log and lists the container
// module and every module it was asked to install; it returns the PATH
// that finds them first.
func fakeTools(t *testing.T, status int, log string) string {
	t.Helper()
	bin := t.TempDir()
	put := func(name, script string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	put("selinuxenabled", fmt.Sprintf("exit %d\n", status))
	put("semodule", fmt.Sprintf(`log=%q
echo "$*" >>"$log"
for a; do
	if [ "$a" = -l ]; then
		echo container
		sed -n 's/^.*-i //p' "$log" | tr ' ' '\n' | sed 's/[.]cil$//'
	fi
done
`, log))
	return bin + string(os.PathListSeparator) + os.Getenv("PATH")
}

func readLog(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// TestHostStore runs the play for the host's own store with a fake
// semodule and selinuxenabled: with SELinux enabled, semodule is given no
// -p and no -n, and -s only when confine_store says; with SELinux
// disabled, semodule is not run at all, and the play says so.
func TestHostStore(t *testing.T) {
	t.Parallel()
	dir := write(t, files(t, webBundle(t)))
	install := "-i web.cil base_container.cil net_container.cil debian_engines.cil"
	for _, tc := range []struct {
		name    string
		enabled int
		args    []string
		want    []string
	}{
		{"enabled", 0, nil, []string{"-l", install, "-l"}},
		{"enabled, store targeted", 0, []string{"-e", "confine_store=targeted"}, []string{"-s targeted -l", "-s targeted " + install, "-s targeted -l"}},
		{"disabled", 1, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := filepath.Join(t.TempDir(), "semodule.log")
			dest := filepath.Join(t.TempDir(), "policy")
			r := playbook(t, dir, ansibletest.Env(t, fakeTools(t, tc.enabled, log)), dest, tc.args...)
			if r.Code != 0 {
				t.Fatalf("ansible-playbook: exit status %d\n%s", r.Code, r.Out)
			}
			if got := readLog(t, log); !slices.Equal(got, tc.want) {
				t.Errorf("semodule was run with %q, want %q", got, tc.want)
			}
			if disabled := strings.Contains(r.Out, "SELinux is disabled on this host"); disabled != (tc.enabled == 1) {
				t.Errorf("the play says SELinux is disabled: %v, want %v\n%s", disabled, tc.enabled == 1, r.Out)
			}
			if _, err := os.Stat(filepath.Join(dest, "web.cil")); err != nil {
				t.Errorf("the archive was not unpacked: %v", err)
			}
			t.Logf("%s: %s in %v", tc.name, strings.Join(r.Recap, "; "), r.Took.Round(time.Millisecond))
		})
	}
}

// TestPackages runs only the package step on a PATH without semodule and
// selinuxenabled, as on a host that lacks them: the play learns the OS
// family and asks the package manager for its packages, which are
// installed here, so that nothing is fetched; and it stops, installing
// nothing, for a family it has no names for.
func TestPackages(t *testing.T) {
	t.Parallel()
	// The Python Ansible finds on Debian, not the first on PATH.
	python := testutil.Tool(t, "/usr/bin/python3")
	if err := exec.Command(python, "-c", "import apt").Run(); err != nil {
		testutil.Missing(t, "python3-apt, which Ansible's apt module needs, is not installed")
	}
	testutil.File(t, "/etc/debian_version")
	for _, p := range []string{"policycoreutils", "selinux-utils"} {
		if out, err := exec.Command(testutil.Tool(t, "dpkg-query"), "-W", "-f", "${Status}", p).Output(); err != nil || string(out) != "install ok installed" {
			testutil.Missing(t, "package %s is not installed (%s)", p, out)
		}
	}
	dir := write(t, files(t, webBundle(t)))
	// Debian's semodule and selinuxenabled are in /usr/sbin.
	env := ansibletest.Env(t, "/usr/bin:/bin")
	dest := filepath.Join(t.TempDir(), "policy")

	r := playbook(t, dir, env, dest, "--tags", "packages", "-e", "confine_packages=true")
	if got := r.Result("Install the packages"); r.Code != 0 || got != "ok: [localhost]" {
		t.Errorf("package step: exit status %d, %q\n%s", r.Code, got, r.Out)
	}
	if strings.Contains(r.Out, "changed: [localhost]") {
		t.Errorf("the package step changed something\n%s", r.Out)
	}
	t.Logf("packages present: %s in %v", strings.Join(r.Recap, "; "), r.Took.Round(time.Millisecond))

	r = playbook(t, dir, env, dest, "--tags", "packages", "-e", "confine_packages=true", "-e", `{"confine_selinux_packages": {}}`)
	if r.Code == 0 || !strings.Contains(r.Out, "no package names for OS family Debian") || r.Result("Install the packages") != "" {
		t.Errorf("package step for an unknown family: exit status %d\n%s", r.Code, r.Out)
	}
	t.Logf("unknown family: %s in %v", strings.Join(r.Recap, "; "), r.Took.Round(time.Millisecond))
}

// TestNoContainerModule runs the play into a copy of Debian's store
// without the container module: it stops before semodule -i, saying
// what to install, and leaves the store as it was.
func TestNoContainerModule(t *testing.T) {
	t.Parallel()
	testutil.Tool(t, "ansible-playbook")
	testutil.Tool(t, "semodule")
	root := seltest.CopyStore(t)
	was := seltest.StoreHash(t, root)
	dir := write(t, files(t, webBundle(t)))
	r := playbook(t, dir, ansibletest.Env(t, ""), filepath.Join(t.TempDir(), "policy"), "-e", "confine_store_root="+root, "-e", "confine_store="+seltest.Store)
	t.Logf("no container module: %s in %v", strings.Join(r.Recap, "; "), r.Took.Round(time.Millisecond))
	if r.Code != 2 || !strings.Contains(r.Out, "the policy store has no container module") || r.Result("Install them in one semodule transaction") != "" {
		t.Errorf("a store without the container module: exit status %d\n%s", r.Code, r.Out)
	}
	if !maps.Equal(seltest.StoreHash(t, root), was) {
		t.Error("the play changed a store without the container module")
	}
}

// TestDeploy runs the playbooks for real, through the local connection,
// into a copy of Debian's policy store with refpolicy's container
// module: in check mode nothing changes; one module, then two in one
// archive, are installed, semodule
// lists them and the verify step passes; a module naming a type the
// policy lacks fails the play, and the store is as it was; the verify
// step alone fails for a module the store lacks. The host's own store is
// not touched.
func TestDeploy(t *testing.T) {
	testutil.Tool(t, "ansible-playbook")
	root := seltest.ContainerStore(t)
	host := seltest.StoreHash(t, "/")
	env := ansibletest.Env(t, "")
	store := []string{"-e", "confine_store_root=" + root, "-e", "confine_store=" + seltest.Store}
	listed := func(names ...string) {
		t.Helper()
		have := seltest.Listed(t, root)
		for _, n := range names {
			if !slices.Contains(have, n) {
				t.Errorf("semodule -p %s -s %s -l does not list %s", root, seltest.Store, n)
			}
		}
	}
	check := func(what string, r ansibletest.Run) {
		t.Helper()
		for _, line := range r.Recap {
			t.Logf("%s (%v): %s", what, r.Took.Round(time.Millisecond), line)
		}
		if r.Code != 0 || len(r.Recap) != 1 || !strings.Contains(r.Recap[0], " failed=0 ") {
			t.Fatalf("%s: exit status %d\n%s", what, r.Code, r.Out)
		}
	}

	web := write(t, files(t, webBundle(t)))
	before := seltest.StoreHash(t, root)
	dest := filepath.Join(t.TempDir(), "policy")
	r := playbook(t, web, env, dest, append(store, "--check")...)
	check("check mode", r)
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) || !maps.Equal(seltest.StoreHash(t, root), before) || r.Result("Install them in one semodule transaction") != "skipping: [localhost]" {
		t.Errorf("check mode changed something (%s: %v)\n%s", dest, err, r.Out)
	}

	r = playbook(t, web, env, dest, append(store, "-v")...)
	check("web", r)
	cmd := fmt.Sprintf(`"cmd": ["semodule", "-n", "-p", %q, "-s", "default", "-i", "web.cil", "base_container.cil", "net_container.cil", "debian_engines.cil"]`, root)
	if !strings.Contains(r.Out, cmd) {
		t.Errorf("the play did not run %s\n%s", cmd, r.Out)
	}
	if !strings.Contains(r.Out, `"msg": "semodule -l lists web, base_container, net_container, debian_engines"`) {
		t.Errorf("the verify step did not pass\n%s", r.Out)
	}
	listed("web", "base_container", "net_container", "debian_engines")

	fleet := write(t, files(t, fleetBundle(t)))
	check("fleet", playbook(t, fleet, env, filepath.Join(t.TempDir(), "policy"), store...))
	listed("web", "db", "home_container")

	was, wasListed := seltest.StoreHash(t, root), seltest.Listed(t, root)
	broken := write(t, files(t, ansible.Bundle{
		Modules:   []ansible.Module{{Name: "broken", CIL: []byte(brokenCIL)}},
		Templates: templateFiles(t, "container"),
	}))
	r = playbook(t, broken, env, filepath.Join(t.TempDir(), "policy"), store...)
	for _, line := range r.Recap {
		t.Logf("broken (%v): %s", r.Took.Round(time.Millisecond), line)
	}
	if r.Code != 2 || len(r.Recap) != 1 || !strings.Contains(r.Recap[0], " failed=1 ") || !strings.Contains(r.Out, "Failed to resolve allow statement at ") || !strings.Contains(r.Out, "/modules/400/broken/cil:3") || strings.Contains(r.Out, "TASK [Fail unless every module is listed]") {
		t.Errorf("a module naming a type the policy lacks: exit status %d; want 2, semodule's message naming broken's line 3 and no verify step\n%s", r.Code, r.Out)
	}
	if !maps.Equal(seltest.StoreHash(t, root), was) {
		t.Error("a refused module changed the store")
	}
	if now := seltest.Listed(t, root); !slices.Equal(now, wasListed) {
		t.Errorf("semodule -l after a refused module: %q, want %q", now, wasListed)
	}

	check("verify", playbook(t, web, env, filepath.Join(t.TempDir(), "policy"), append(store, "--tags", "verify")...))
	r = playbook(t, web, env, filepath.Join(t.TempDir(), "policy"), append(store, "--tags", "verify", "-e", `{"final_policy": "web.cil ghost.cil"}`)...)
	for _, line := range r.Recap {
		t.Logf("verify ghost (%v): %s", r.Took.Round(time.Millisecond), line)
	}
	if r.Code != 2 || !strings.Contains(r.Out, `"msg": "semodule -l does not list ghost"`) || strings.Contains(r.Out, "TASK [Install them in one semodule transaction]") {
		t.Errorf("verify step for a module the store lacks: exit status %d; want 2, and ghost named\n%s", r.Code, r.Out)
	}

	if !maps.Equal(seltest.StoreHash(t, "/"), host) {
		t.Error("the play changed the host's own policy store")
	}
}

// TestHostsOwnModule installs a module of the host's own named web, not
// a container's module, into a store copy: the play must stop before
// installing confine's web over it, and leave the store as it was. A web
// of confine's own is replaced, as TestDeploy shows.
func TestHostsOwnModule(t *testing.T) {
	t.Parallel()
	testutil.Tool(t, "ansible-playbook")
	semodule := testutil.Tool(t, "semodule")
	root := seltest.ContainerStore(t)
	own := filepath.Join(t.TempDir(), "web.cil")
	if err := os.WriteFile(own, []byte("(type confine_hosts_web_t)\n(roletype object_r confine_hosts_web_t)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(semodule, "-n", "-p", root, "-s", seltest.Store, "-i", own).CombinedOutput(); err != nil {
		t.Fatalf("installing the host's own web: %v\n%s", err, out)
	}
	was := seltest.StoreHash(t, root)
	dir := write(t, files(t, webBundle(t)))
	r := playbook(t, dir, ansibletest.Env(t, ""), filepath.Join(t.TempDir(), "policy"), "-e", "confine_store_root="+root, "-e", "confine_store="+seltest.Store)
	t.Logf("over the host's own web: %s in %v", strings.Join(r.Recap, "; "), r.Took.Round(time.Millisecond))
	if r.Code != 2 || !strings.Contains(r.Out, "the policy store has a module web that confine did not write") || r.Result("Install them in one semodule transaction") != "" {
		t.Errorf("a store with the host's own web: exit status %d\n%s", r.Code, r.Out)
	}
	if !maps.Equal(seltest.StoreHash(t, root), was) {
		t.Error("the play changed the store holding the host's own web")
	}
}
