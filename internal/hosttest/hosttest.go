// Package hosttest builds, for tests, copies of a host's /etc/selinux for
// --root: FedoraRoot, the policy confine's users run (Fedora 41 with
// container-selinux), compiled with secilc from what policy/fedora-41
// holds in the shared data beside the repository (testutil.SharedDir):
// its file_contexts, the declarations of every type, attribute, class and
// permission, and its portcon list, so that confine reads it as it reads
// a real host's; and OfflineRoot, small hand-written file_contexts with
// Debian's binary policy.
package hosttest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// FedoraRoot returns a directory laid out as a host's root with a Fedora 41
// /etc/selinux (SELINUXTYPE=targeted) in it, for --root. When the shared
// data or secilc is missing, it skips the test, or fails it under
// CONFINE_REQUIRE_TOOLS=1, as testutil.Missing does.
func FedoraRoot(t testing.TB) string {
	t.Helper()
	shared := testutil.Shared(t, "policy/fedora-41")
	secilc := testutil.Tool(t, "secilc")
	root := t.TempDir()
	selinux := filepath.Join(root, "etc", "selinux")
	files := filepath.Join(selinux, "targeted", "contexts", "files")
	policy := filepath.Join(selinux, "targeted", "policy")
	for _, dir := range []string{files, policy} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(selinux, "config"), "SELINUX=enforcing\nSELINUXTYPE=targeted\n")
	for _, name := range []string{"file_contexts", "file_contexts.homedirs"} {
		data, err := os.ReadFile(filepath.Join(shared, name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(files, name), string(data))
	}

	build := t.TempDir()
	ports, err := portconCIL(filepath.Join(shared, "portcon.txt"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(build, "ports.cil"), ports)
	// The declarations hold no rule, and secilc refuses a policy without one.
	write(t, filepath.Join(build, "rule.cil"), "(allow kernel_t self (process (fork)))\n")
	cmd := exec.Command(secilc, "-o", filepath.Join(policy, "policy.33"), "-f", os.DevNull,
		filepath.Join(shared, "declarations.cil"), filepath.Join(build, "ports.cil"), filepath.Join(build, "rule.cil"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compiling Fedora 41's declarations: %v\n%s", err, out)
	}
	return root
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// portconCIL turns seinfo's portcon listing ("portcon tcp 80
// system_u:object_r:http_port_t:s0") into CIL statements. secilc orders
// portcons itself, narrower ranges first, as the policy's own build does.
func portconCIL(listing string) (string, error) {
	f, err := os.Open(listing)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 || fields[0] != "portcon" {
			continue
		}
		ctx := strings.SplitN(fields[3], ":", 4)
		if len(ctx) != 4 {
			return "", fmt.Errorf("%s: context without a level: %q", listing, sc.Text())
		}
		ports := strings.Replace(fields[2], "-", " ", 1)
		if strings.Contains(fields[2], "-") {
			ports = "(" + ports + ")"
		}
		fmt.Fprintf(&b, "(portcon %s %s (%s %s %s ((%s) (%s))))\n", fields[1], ports, ctx[0], ctx[1], ctx[2], ctx[3], ctx[3])
	}
	return b.String(), sc.Err()
}
