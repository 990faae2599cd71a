package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
)

// The README's path from a fresh Debian 12 host to a loaded module sits
// between these lines.
const (
	readmeStart = "<!-- debian-path: e2e/readme_test.go runs these commands -->"
	readmeEnd   = "<!-- end of debian-path -->"
)

// notRun are the README's commands that need what a test cannot do here:
// the network, a reboot, an SELinux kernel. Every other command runs as
// the README spells it.
var notRun = []string{"apt-get ", "selinux-activate", "reboot", "docker run "}

// readmeCommands returns the commands of the README's Debian path: the
// "# " lines of its indented blocks, in order.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	section := testutil.ReadmeSection(t, readmeStart, readmeEnd)
	var cmds []string
	for line := range strings.Lines(section) {
		if c, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "    # "); ok {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		t.Fatal("the README's Debian path holds no command")
	}
	return cmds
}

// TestReadmeDebianPath follows the README from a fresh Debian 12 host to
// a loaded module, literally: its commands run in bash, as root, in a
// mount namespace where a copy of the host's policy store and
// configuration is mounted over /etc/selinux and /var/lib/selinux, and
// /usr/share and /usr/local/bin take their writes in a scratch layer, so
// the host is never touched. docker reaches the test's own dockerd, which
// holds a container called web. The run must end with semodule -l
// listing the module and the policy semodule built granting its rules;
// what confine prints must be the README's next commands; and on the
// store as it was, confine must print the README's steps for the
// container module.
func TestReadmeDebianPath(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "mounting a private policy store needs root")
	}
	for _, tool := range []string{"unshare", "mount", "bash", "semodule", "sesearch", "make", "zstd", "go"} {
		testutil.Tool(t, tool)
	}
	testutil.File(t, storeDir)
	testutil.File(t, "/usr/src/selinux-policy-src.tar.zst")
	docker := useEngine(t, "docker")
	docker.create(t, "web", "-p", "8080:80", "--cap-add", "SYSLOG")

	cmds := readmeCommands(t)
	var script strings.Builder
	script.WriteString("set -euxo pipefail\n")
	var skipped []string
	for _, c := range cmds {
		if slices.ContainsFunc(notRun, func(p string) bool { return strings.HasPrefix(c, p) }) {
			skipped = append(skipped, c)
			continue
		}
		script.WriteString(c + "\n")
	}
	for _, p := range notRun {
		if !slices.ContainsFunc(skipped, func(c string) bool { return strings.HasPrefix(c, p) }) {
			t.Errorf("the README's Debian path has no %q step: update notRun", strings.TrimSpace(p))
		}
	}

	// The host as the README finds it: Debian's policy, no container
	// module. confine's first run on it must print the README's steps.
	root := seltest.CopyStore(t)
	marker, err := os.ReadFile("/etc/debian_version")
	if err != nil {
		testutil.Missing(t, "this is not a Debian host: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "debian_version"), marker, 0o644); err != nil {
		t.Fatal(err)
	}
	first := runConfine(t, root, docker)
	for _, c := range cmds {
		if strings.HasPrefix(c, "tar ") || strings.HasPrefix(c, "make ") || c == "semodule -i container.pp" {
			if !strings.Contains(first, "# "+c+"\n") {
				t.Errorf("without the container module, confine does not print the README's step %q; it prints:\n%s", c, first)
			}
		}
	}

	scratch := t.TempDir()
	for _, d := range []string{"share-upper", "share-work", "tmp"} {
		if err := os.Mkdir(filepath.Join(scratch, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mounts := strings.Join([]string{
		"mount --bind " + filepath.Join(root, selinuxDir) + " " + selinuxDir,
		"mount --bind " + filepath.Join(root, "/var/lib/selinux") + " /var/lib/selinux",
		"mount -t overlay overlay -o lowerdir=/usr/share,upperdir=" + filepath.Join(scratch, "share-upper") + ",workdir=" + filepath.Join(scratch, "share-work") + " /usr/share",
		"mount -t tmpfs tmpfs /usr/local/bin",
		"exec bash " + filepath.Join(scratch, "readme.sh"),
	}, " && ")
	if err := os.WriteFile(filepath.Join(scratch, "readme.sh"), []byte(script.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	run := exec.Command("unshare", "--mount", "--propagation", "private", "bash", "-c", "set -e && "+mounts)
	run.Dir = testutil.RepoRoot() // the README builds confine from its clone
	run.Env = append(os.Environ(),
		"PATH=/usr/local/bin:"+filepath.Dir(testutil.Tool(t, "go"))+":/usr/sbin:/usr/bin:/sbin:/bin",
		"DOCKER_HOST="+docker.global[1],
		"TMPDIR="+filepath.Join(scratch, "tmp"),
	)
	run.Env = append(run.Env, docker.env...)
	out, err := run.CombinedOutput()
	t.Logf("the README's Debian path, run in %s:\n%s", root, out)
	if err != nil {
		t.Fatalf("the README's Debian path failed: %v", err)
	}
	if bytes.Contains(out, []byte("Policy web created!")) {
		recipe := strings.SplitAfter(string(out), "Please load these modules using: \n")
		for _, c := range cmds {
			if strings.HasPrefix(c, "confine templates") || strings.HasPrefix(c, "semodule -i web.cil") {
				if len(recipe) < 2 || !strings.Contains(recipe[1], "# "+c+"\n") {
					t.Errorf("confine's recipe does not print the README's command %q", c)
				}
			}
		}
	} else {
		t.Error("the README's confine run did not print that it created the module")
	}

	// The module is in the store and the policy semodule built.
	listed, err := exec.Command("semodule", "-p", root, "-s", selinuxStore, "-l").Output()
	if err != nil || !slices.Contains(strings.Fields(string(listed)), "web") || !slices.Contains(strings.Fields(string(listed)), "container") {
		t.Errorf("semodule -l on the store does not list web and container (%v):\n%s", err, listed)
	}
	policy := filepath.Join(root, selinuxDir, selinuxStore, "policy", "policy.33")
	for _, rule := range []struct{ target, class, perm string }{
		{"http_port_t", "tcp_socket", "name_bind"},
		{"web.process", "capability2", "syslog"},
	} {
		found, err := exec.Command("sesearch", "-A", "-s", "web.process", "-t", rule.target, "-c", rule.class, "-p", rule.perm, policy).Output()
		if err != nil || !bytes.Contains(found, []byte("allow web.process")) {
			t.Errorf("the policy semodule built does not allow web.process %s:%s %s (%v):\n%s", rule.target, rule.class, rule.perm, err, found)
		}
	}

	// On the store semodule wrote, confine may write web again, and
	// refuses the host's own modules' names.
	again := runConfine(t, root, docker, "--flavor", "refpolicy", "web")
	if !strings.Contains(again, "Policy web created!") {
		t.Errorf("confine refused to write web again over its own module:\n%s", again)
	}
	refused := runConfine(t, root, docker, "--flavor", "refpolicy", "mysql")
	if !strings.HasPrefix(refused, "exit status 2\nfiles:\n") || !strings.Contains(refused, "such as mysql_container") {
		t.Errorf("confine mysql on Debian's store:\n%s", refused)
	}
	if !t.Failed() {
		stats.readme.Store(int64(len(cmds) - len(skipped)))
	}
}

// runConfine runs confine in-process on docker's inspect output of web,
// for the host under root, in a scratch directory, and returns its exit
// status, the files it left there and its output as one text.
func runConfine(t *testing.T, root string, docker *engine, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if len(args) == 0 {
		args = []string{"web"}
	}
	var out, errOut bytes.Buffer
	status := cmd.Main(append([]string{"--root", root}, args...), bytes.NewReader(docker.inspect(t, "web")), &out, &errOut)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := "files:"
	for _, e := range entries {
		files += " " + e.Name()
	}
	return fmt.Sprintf("exit status %d\n%s\n%s%s", status, files, out.String(), errOut.String())
}
