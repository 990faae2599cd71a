package e2e

import (
	"bytes"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/policy"
)

// The Debian policy store and the files semodule reads beside it.
const (
	storeDir     = seltest.StoreDir
	selinuxDir   = "/etc/selinux"
	selinuxStore = seltest.Store
)

// TestStore loads a module into a copy of the host's real policy store
// with semodule, as a sysadmin would load it into the kernel: the
// refpolicy container module, confine's templates and the module install
// in one transaction, semodule lists them, and the policy semodule builds
// grants the module's rules. A module naming a type the policy lacks is
// refused, with semodule saying why, and leaves the store as it was.
func TestStore(t *testing.T) {
	semodule := testutil.Tool(t, "semodule")
	testutil.File(t, storeDir)
	all := containers(t)
	ref := seltest.Refpolicy(t)
	root := seltest.CopyStore(t)
	dir := t.TempDir()

	// The container with bind mounts: its module has rules of each kind
	// a mount gives.
	i := slices.IndexFunc(all, func(m made) bool { return m.scenario.suffix == "binds" })
	if i < 0 {
		t.Fatal("no container with bind mounts was made")
	}
	mc := all[i]
	_, m := generate(t, host.Open(host.Options{}), mc, dir)
	text, err := m.CIL()
	if err != nil {
		t.Fatal(err)
	}
	module := write(t, filepath.Join(dir, m.Name+".cil"), text)
	container := slices.IndexFunc(ref.Base, func(f string) bool { return filepath.Base(f) == "container.cil" })
	if container < 0 {
		t.Fatal("the reference policy has no container module")
	}
	files := slices.Concat([]string{ref.Base[container]}, ref.Templates, []string{module})
	run := func(args ...string) ([]byte, error) {
		args = append([]string{"-p", root, "-s", selinuxStore, "-n", "-X", "400"}, args...)
		return exec.Command(semodule, args...).CombinedOutput()
	}
	installArgs := []string{}
	for _, f := range files {
		installArgs = append(installArgs, "-i", f)
	}
	if out, err := run(installArgs...); err != nil {
		t.Fatalf("semodule -i %s: %v\n%s", strings.Join(baseNames(files), " "), err, out)
	}
	out, err := run("-l")
	if err != nil {
		t.Fatalf("semodule -l: %v\n%s", err, out)
	}
	listed := strings.Fields(string(out))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".cil"); !slices.Contains(listed, name) {
			t.Errorf("semodule -l does not list %s after installing it", name)
		}
	}
	built := filepath.Join(root, selinuxDir, selinuxStore, "policy", "policy.33")
	domain := m.Name + ".process"
	if missing, _ := diffGrants(loadRules(t, built).direct(domain), grantsOf(m, domain)); len(missing) > 0 {
		t.Errorf("the policy semodule built lacks %d of the module's grants, such as %s", len(missing), missing[0])
	}

	// A module naming a type the policy lacks.
	broken := *m
	broken.Name = m.Name + "-broken"
	broken.Groups = append(slices.Clone(m.Groups), policy.Group{Target: "confine_e2e_missing_t", Rules: []policy.Rule{{Class: "file", Perms: []string{"read"}}}})
	text, err = broken.CIL()
	if err != nil {
		t.Fatal(err)
	}
	bad := write(t, filepath.Join(dir, broken.Name+".cil"), text)
	was, wasListed := seltest.StoreHash(t, root), out
	out, err = run("-i", bad)
	if err == nil {
		t.Fatalf("semodule installed a module naming an unknown type:\n%s", out)
	}
	if !bytes.Contains(out, []byte(broken.Name)) {
		t.Errorf("semodule refused the broken module without naming it:\n%s", out)
	}
	t.Logf("semodule refused the broken module, as it should:\n%s", out)
	if !maps.Equal(seltest.StoreHash(t, root), was) {
		t.Error("a refused install changed the store")
	}
	if now, err := run("-l"); err != nil || !bytes.Equal(now, wasListed) {
		t.Errorf("semodule -l after a refused install:\n%s\nwant\n%s", now, wasListed)
	}
}

func baseNames(files []string) []string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return names
}
