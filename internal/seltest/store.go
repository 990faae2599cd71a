package seltest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// Store is the name of Debian's policy store, and StoreDir where it is.
const (
	Store    = "default"
	StoreDir = "/var/lib/selinux/" + Store
)

// CopyStore copies the host's policy store and its configuration to a
// temporary root, for semodule -p.
func CopyStore(t *testing.T) string {
	t.Helper()
	testutil.File(t, StoreDir)
	root := t.TempDir()
	for _, p := range []string{
		StoreDir,
		"/etc/selinux/config",
		"/etc/selinux/semanage.conf",
		filepath.Join("/etc/selinux", Store),
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("cp", "-a", p, filepath.Join(root, p)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v\n%s", p, err, out)
		}
	}
	return root
}

// StoreHash sums every file of the store's active modules and of the
// policy built from them. (A refused transaction leaves libsemanage's
// scratch copy, tmp/, which the next transaction starts afresh.)
func StoreHash(t *testing.T, root string) map[string]string {
	sums := map[string]string{}
	t.Helper()
	for _, top := range []string{filepath.Join(StoreDir, "active"), filepath.Join("/etc/selinux", Store)} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			h := sha256.New()
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(h, f)
			sums[p] = hex.EncodeToString(h.Sum(nil))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return sums
}

// ContainerStore returns a copy of Debian's policy store (see CopyStore)
// with refpolicy's container module in it, as on a Debian host set up
// for containers.
func ContainerStore(t *testing.T) string {
	t.Helper()
	semodule := testutil.Tool(t, "semodule")
	ref := Refpolicy(t)
	root := CopyStore(t)
	i := slices.IndexFunc(ref.Base, func(f string) bool { return filepath.Base(f) == "container.cil" })
	if i < 0 {
		t.Fatal("the reference policy has no container module")
	}
	if out, err := exec.Command(semodule, "-n", "-p", root, "-s", Store, "-i", ref.Base[i]).CombinedOutput(); err != nil {
		t.Fatalf("installing the container module: %v\n%s", err, out)
	}
	return root
}

// Listed returns the names of the modules semodule -l lists in the store
// under root.
func Listed(t *testing.T, root string) []string {
	t.Helper()
	out, err := exec.Command(testutil.Tool(t, "semodule"), "-p", root, "-s", Store, "-l").Output()
	if err != nil {
		t.Fatalf("semodule -l: %v", err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}
