package cmd_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestLoadModules runs confine -l for a copy of Debian's policy store
// with the container module in it: the templates and the module land in
// one transaction, semodule -l lists them, and the policy semodule built
// declares NAME.process, as setools reads it. A second module installs
// alone, the templates being there as they are. A module that cannot
// load exits 4 with semodule's message, writes no file and leaves the
// store as it was.
func TestLoadModules(t *testing.T) {
	seinfo := testutil.Tool(t, "seinfo")
	root := seltest.ContainerStore(t)
	fixture := filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "podman-4.3-web.json")
	confine := func(args ...string) (int, string, string) {
		t.Helper()
		t.Chdir(t.TempDir())
		f, err := os.Open(fixture)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return run(append([]string{"--root", root, "-l"}, args...), f)
	}
	declares := func(domain string) bool {
		t.Helper()
		pol, err := filepath.Glob(filepath.Join(root, "etc/selinux", seltest.Store, "policy/policy.*"))
		if err != nil || len(pol) != 1 {
			t.Fatalf("the store's policy: %v %v", pol, err)
		}
		out, err := exec.Command(seinfo, "-t", domain, pol[0]).CombinedOutput()
		return err == nil && strings.Contains(string(out), "   "+domain+"\n")
	}

	status, stdout, stderr := confine("web")
	if status != 0 {
		t.Fatalf("confine -l web: exit status %d\n%s%s", status, stdout, stderr)
	}
	for _, want := range []string{
		"\nPolicy web created!\n\nInstalled in the policy store default with: \n# semodule -n -p " + root + " -s default -i base_container.cil -i net_container.cil -i home_container.cil -i web.cil\n\nRestart the container with:",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("confine -l web printed\n%s\nwithout\n%s", stdout, want)
		}
	}
	names := seltest.Listed(t, root)
	for _, m := range []string{"base_container", "net_container", "home_container", "web"} {
		if !slices.Contains(names, m) {
			t.Errorf("semodule -l does not list %s after confine -l", m)
		}
	}
	if !declares("web.process") {
		t.Error("the policy semodule built does not declare web.process")
	}

	status, stdout, stderr = confine("web2")
	if status != 0 {
		t.Fatalf("confine -l web2: exit status %d\n%s%s", status, stdout, stderr)
	}
	if want := "# semodule -n -p " + root + " -s default -i web2.cil\nAlready installed as they are, in the policy store default: base_container, net_container, home_container\n"; !strings.Contains(stdout, want) {
		t.Errorf("confine -l web2 printed\n%s\nwithout\n%s", stdout, want)
	}

	// A stream socket of a domain the policy lacks: the module compiles
	// on its own, but not into the store.
	before, listed := seltest.StoreHash(t, root), seltest.Listed(t, root)
	status, stdout, stderr = confine("-s", "nosuch", "web3")
	if status != 4 {
		t.Errorf("confine -l of a module that cannot load: exit status %d, want 4\n%s%s", status, stdout, stderr)
	}
	if !strings.HasPrefix(stderr, "confine: semodule failed: semodule -n -p ") || !strings.Contains(stderr, "nosuch.process") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("confine -l of a module that cannot load says\n%s\nwant one line with semodule's message naming nosuch.process", stderr)
	}
	t.Logf("semodule refused the module, as it should: %s", stderr)
	if !maps.Equal(seltest.StoreHash(t, root), before) || !slices.Equal(seltest.Listed(t, root), listed) {
		t.Error("a refused install changed the store")
	}
	if _, err := os.Stat("web3.cil"); err == nil {
		t.Error("a refused module was left behind as web3.cil")
	}
	if declares("web3.process") {
		t.Error("the refused module's domain is in the policy")
	}
}
