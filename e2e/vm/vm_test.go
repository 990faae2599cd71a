// Package vm runs containers in a Debian guest whose kernel enforces
// SELinux or AppArmor (see internal/vmtest), and checks what the kernel
// allows them and denies them against what confine's module or profile
// for each should grant: every expected access allowed without a denial,
// every expected denial seen in the kernel's log naming the module's
// domain or the profile, under SELinux the same containers under
// container_t failing where the module is needed, and modules and
// profiles made from deliberately wrong input caught by an access that
// fails or goes through.
package vm

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/internal/vmtest"
)

// A container is made in the guest with podman, inspected, and given to
// confine, which writes the module named after it.
type container struct {
	name   string
	create []string // podman create options
	// wrong says what was changed on purpose to make its module wrong;
	// "" for a container made as the checks run it.
	wrong string
}

// A check runs the probe in a container under a module's domain (or
// container_t when module is ""), with the given run options.
type check struct {
	name   string
	module string
	run    []string
	probe  []string
	// allow says the access must succeed with no denial; otherwise it
	// must fail with a denial naming the domain.
	allow bool
}

// The host paths the containers mount, made in the guest and labelled
// there by restorecon, as a sysadmin's files are.
var files = []string{
	"/var/www/vm/index.html",
	"/var/lib/vmdata/seed",
	"/var/lib/mysql/vm/ibdata1",
	"/var/lib/vmconf/app.conf",
	"/var/log/vm/app.log",
	"/var/spool/vm/queue",
	"/home/vmuser/notes.txt",
	"/home/vmuser/public_html/index.html",
	"/home/vmuser/.ssh/id_ed25519",
}

var containers = []container{
	{name: "web", create: []string{"-v", "/var/www/vm:/www:ro", "-v", "/var/lib/vmdata:/data", "-p", "8080:80", "-p", "5353:53/udp"}},
	{name: "home", create: []string{"-v", "/home/vmuser:/home/user:ro"}},
	{name: "logs", create: []string{"-v", "/var/log/vm:/logs"}},
	{name: "spool", create: []string{"-v", "/var/spool/vm:/spool:ro"}},
	{name: "conf", create: []string{"-v", "/var/lib/vmconf/app.conf:/etc/app.conf:ro"}},
	// The device cgroup is by number, so --device lets the container use
	// the host's own node, mounted elsewhere, whose label SELinux checks
	// (the node --device makes in the container's /dev has the
	// container's label).
	{name: "rtc", create: []string{"--device", "/dev/rtc0", "-v", "/dev/rtc0:/hostrtc"}},
	{name: "timecap", create: []string{"--cap-add", "SYS_TIME"}},
	{name: "plain"},
	{name: "wrongrw", create: []string{"-v", "/var/www/vm:/www:ro", "-v", "/var/lib/vmdata:/data:ro"}, wrong: "web's read-write mount flipped to read-only"},
	{name: "wrongport", create: []string{"-v", "/var/www/vm:/www:ro", "-v", "/var/lib/vmdata:/data"}, wrong: "web's published ports dropped"},
}

var webMounts = []string{"-v", "/var/www/vm:/www:ro", "-v", "/var/lib/vmdata:/data"}

var checks = []check{
	{"web reads its read-only mount", "web", webMounts, []string{"read", "/www/index.html"}, true},
	{"web writes its read-write mount", "web", webMounts, []string{"write", "/data/new"}, true},
	{"web binds its published tcp port", "web", nil, []string{"bind", "tcp", "80"}, true},
	{"web binds its published udp port", "web", nil, []string{"bind", "udp", "53"}, true},
	{"web binds a port it does not publish", "web", nil, []string{"bind", "tcp", "5432"}, false},
	{"web reads a mount its module does not grant", "web", []string{"-v", "/var/lib/mysql/vm:/db:ro"}, []string{"read", "/db/ibdata1"}, false},
	{"web writes its read-only type through a read-write mount", "web", []string{"-v", "/var/www/vm:/www2"}, []string{"write", "/www2/new"}, false},
	{"container_t writes web's read-write mount", "", webMounts, []string{"write", "/data/new"}, false},
	{"home reads the user's notes", "home", []string{"-v", "/home/vmuser:/home/user:ro"}, []string{"read", "/home/user/notes.txt"}, true},
	{"home reads the user's public_html", "home", []string{"-v", "/home/vmuser:/home/user:ro"}, []string{"read", "/home/user/public_html/index.html"}, true},
	{"home reads the user's ssh key", "home", []string{"-v", "/home/vmuser:/home/user:ro"}, []string{"read", "/home/user/.ssh/id_ed25519"}, false},
	{"container_t reads the user's notes", "", []string{"-v", "/home/vmuser:/home/user:ro"}, []string{"read", "/home/user/notes.txt"}, false},
	{"logs writes its log directory", "logs", []string{"-v", "/var/log/vm:/logs"}, []string{"write", "/logs/new.log"}, true},
	{"container_t writes the log directory", "", []string{"-v", "/var/log/vm:/logs"}, []string{"write", "/logs/new.log"}, false},
	{"spool reads its spool", "spool", []string{"-v", "/var/spool/vm:/spool:ro"}, []string{"read", "/spool/queue"}, true},
	{"conf reads its one mounted file", "conf", []string{"-v", "/var/lib/vmconf/app.conf:/etc/app.conf:ro"}, []string{"read", "/etc/app.conf"}, true},
	{"rtc opens its mounted device", "rtc", []string{"--device", "/dev/rtc0", "-v", "/dev/rtc0:/hostrtc"}, []string{"open", "/hostrtc"}, true},
	{"plain opens a device it was not given", "plain", []string{"--device", "/dev/rtc0", "-v", "/dev/rtc0:/hostrtc"}, []string{"open", "/hostrtc"}, false},
	{"timecap sets the clock", "timecap", []string{"--cap-add", "SYS_TIME"}, []string{"settime"}, true},
	{"plain sets the clock with a capability its module lacks", "plain", []string{"--cap-add", "SYS_TIME"}, []string{"settime"}, false},
	{"the flipped module lets web write its read-write mount", "wrongrw", webMounts, []string{"write", "/data/new"}, false},
	{"the portless module lets web bind its port", "wrongport", nil, []string{"bind", "tcp", "80"}, false},
}

// appended run after web's module is made again in the guest with -a
// from the kernel's records of the checks above, which denied web two
// accesses its module did not grant: now they must be allowed, with no
// denial.
var appended = []check{
	{"web, made again with -a from its denials, binds the port it was denied", "web", nil, []string{"bind", "tcp", "5432"}, true},
	{"web, made again with -a from its denials, reads the mount it was denied", "web", []string{"-v", "/var/lib/mysql/vm:/db:ro"}, []string{"read", "/db/ibdata1"}, true},
}

// allChecks are the checks in the order the guest runs them.
func allChecks() []check { return slices.Concat(checks, appended) }

// level gives each check an MCS level of its own, so that a denial in the
// kernel's log says which check it belongs to, whenever it is printed.
func level(i int) string { return fmt.Sprintf("s0:c%d,c%d", i+1, i+513) }

// script writes the guest's run.sh: make the files, import the probe's
// image, create and inspect the containers and run confine on each, load
// every module in one semodule transaction (a semodule -i costs some 40 s
// under emulation), and run the checks.
func script() string {
	var b strings.Builder
	b.WriteString(`set -u
P="podman --storage-driver vfs"
say() { echo "@@ $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
`)
	for _, f := range files {
		fmt.Fprintf(&b, "mkdir -p %s && echo confine > %s\n", filepath.Dir(f), f)
	}
	b.WriteString("restorecon -R /var/www/vm /var/lib/vmdata /var/lib/mysql /var/lib/vmconf /var/log/vm /var/spool/vm /home/vmuser\n")
	b.WriteString("$P import /opt/confine-test/probe.tar localhost/probe >/dev/null || say fail import\n")
	b.WriteString("mkdir -p /tmp/modules && cd /tmp/modules\n")
	for _, c := range containers {
		fmt.Fprintf(&b, "$P create --name %s %s localhost/probe /probe read / >/dev/null || say fail create %s\n", c.name, strings.Join(c.create, " "), c.name)
		fmt.Fprintf(&b, "$P inspect %s | confine --flavor refpolicy %s >/dev/null 2>/tmp/modules/%s.err; say generated %s rc=$?\n", c.name, c.name, c.name, c.name)
		fmt.Fprintf(&b, "sed 's/^/@@ confine %s: /' /tmp/modules/%s.err\n", c.name, c.name)
	}
	b.WriteString(`say semodule start $(up)
semodule -i /tmp/modules/*.cil; say semodule rc=$? $(up)
`)
	for i, c := range allChecks() {
		if i == len(checks) {
			// The sysadmin's loop: the kernel's denials, confine -a on
			// them, the module loaded again with -l, which checks the
			// kernel's policy declares web.process afterwards.
			b.WriteString(`dmesg | grep 'avc:  denied' > /tmp/modules/denials.log
$P inspect web | confine --flavor refpolicy -a /tmp/modules/denials.log -l web >/dev/null 2>/tmp/modules/web-a.err; say appended web rc=$? $(up)
sed 's/^/@@ confine web -a: /' /tmp/modules/web-a.err
`)
		}
		label := "--security-opt label=level:" + level(i)
		if c.module != "" {
			label += " --security-opt label=type:" + c.module + ".process"
		}
		fmt.Fprintf(&b, "say check %d start $(up)\n", i)
		fmt.Fprintf(&b, "out=$($P run --rm --network none %s %s localhost/probe /probe %s 2>&1); rc=$?\n", label, strings.Join(c.run, " "), strings.Join(c.probe, " "))
		fmt.Fprintf(&b, "say check %d rc=$rc $(up)\n", i)
		b.WriteString("echo \"$out\" | sed 's/^/@@ out /'\n")
	}
	return b.String()
}

// An outcome is what the guest said of one check.
type outcome struct {
	rc      int
	out     []string
	seconds float64
	denials []string // the kernel's records of the check's denials
}

var (
	checkLine = regexp.MustCompile(`^@@ check (\d+) rc=(\d+) ([0-9.]+)$`)
	startLine = regexp.MustCompile(`^@@ check (\d+) start ([0-9.]+)$`)
	avcLevel  = regexp.MustCompile(`scontext=\S+:(s0:c\d+,c\d+) `)
)

func TestEnforcing(t *testing.T) {
	img := vmtest.Build(t)
	dir := testDisk(t, script())
	boot, err := img.Run(t, vmtest.SELinux, dir, 15*time.Minute)
	defer func() {
		if t.Failed() && boot != nil {
			t.Logf("what the test's script printed:\n%s", scriptOutput(boot.Console))
			t.Logf("the kernel's denials:\n%s", strings.Join(records(boot.Console, avcDenied), "\n"))
		}
	}()
	if err != nil {
		t.Fatalf("booting the guest: %v\n%s", err, tailLines(boot, 60))
	}
	results, notes := parse(t, boot.Console, avcCheck)
	for _, n := range notes {
		t.Log(n)
	}
	// With -update, the denials become fixtures for the audit parser.
	if testutil.Updating() {
		keep(t, boot.Console)
	}

	if !bytes.Contains(boot.Console, []byte("@@ appended web rc=0 ")) {
		t.Error("the guest did not make web's module again with -a and load it with -l")
	}
	var allowed, denied, caught, wrongTotal int
	var seconds []float64
	for i, c := range allChecks() {
		r, ok := results[i]
		if !ok {
			t.Errorf("%s: the guest did not run the check", c.name)
			continue
		}
		seconds = append(seconds, r.seconds)
		domain := "system_u:system_r:container_t"
		if c.module != "" {
			domain = c.module + ".process"
		}
		named := slices.ContainsFunc(r.denials, func(a string) bool {
			return strings.Contains(a, "scontext=system_u:system_r:"+strings.TrimPrefix(domain, "system_u:system_r:")+":")
		})
		wrong := isWrong(c.module)
		if wrong {
			wrongTotal++
		}
		switch {
		case c.allow && (r.rc != 0 || len(r.denials) > 0):
			t.Errorf("%s: want allowed, got exit status %d, output %q, and %d denials:\n%s", c.name, r.rc, r.out, len(r.denials), strings.Join(r.denials, "\n"))
		case !c.allow && (r.rc == 0 || !named):
			t.Errorf("%s: want denied with a denial naming %s, got exit status %d, output %q, denials:\n%s", c.name, domain, r.rc, r.out, strings.Join(r.denials, "\n"))
		case c.allow:
			allowed++
		case wrong:
			caught++
		default:
			denied++
		}
	}
	load := noteTime(notes, "@@ semodule rc=0 ") - noteTime(notes, "@@ semodule start ")
	fmt.Printf("vm: %d containers run under their modules in an enforcing kernel; %d accesses allowed as expected (%d of them after confine -a on the denials), %d denials seen as expected, %d of %d wrong modules caught; %s\n",
		len(containers), allowed, len(appended), denied, caught, wrongTotal, timing(img, boot, notes, "modules", load, seconds))
}

// isWrong reports whether module is one made wrong on purpose.
func isWrong(module string) bool {
	return slices.ContainsFunc(containers, func(c container) bool { return c.name == module && c.wrong != "" })
}

// avcCheck returns the index of the check whose level an SELinux denial
// names.
func avcCheck(line string) (int, bool) {
	m := avcLevel.FindStringSubmatch(line)
	if m == nil || !strings.Contains(line, avcDenied) {
		return 0, false
	}
	for i := range allChecks() {
		if level(i) == m[1] {
			return i, true
		}
	}
	return 0, false
}

// parse reads the guest's console: each check's exit status, output and
// time, and the kernel's denials, each given to the check recordOf says
// it belongs to. It also returns the lines that say how the run went.
func parse(t *testing.T, console []byte, recordOf func(line string) (int, bool)) (map[int]*outcome, []string) {
	t.Helper()
	results := map[int]*outcome{}
	starts := map[int]float64{}
	var notes []string
	last := -1
	inLog := false
	sc := bufio.NewScanner(bytes.NewReader(console))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == "@@ kernel log":
			inLog = true
		case line == "@@ end of kernel log":
			inLog = false
		case inLog:
			if i, ok := recordOf(line); ok {
				if r := results[i]; r != nil {
					r.denials = append(r.denials, line)
				}
			}
		case startLine.MatchString(line):
			m := startLine.FindStringSubmatch(line)
			i, _ := strconv.Atoi(m[1])
			starts[i], _ = strconv.ParseFloat(m[2], 64)
		case checkLine.MatchString(line):
			m := checkLine.FindStringSubmatch(line)
			i, _ := strconv.Atoi(m[1])
			rc, _ := strconv.Atoi(m[2])
			end, _ := strconv.ParseFloat(m[3], 64)
			results[i] = &outcome{rc: rc, seconds: end - starts[i]}
			last = i
		case strings.HasPrefix(line, "@@ out "):
			if r := results[last]; r != nil && line != "@@ out " {
				r.out = append(r.out, strings.TrimPrefix(line, "@@ out "))
			}
		case strings.HasPrefix(line, "@@ "):
			notes = append(notes, line)
			failed := strings.HasPrefix(line, "@@ fail ") ||
				strings.HasPrefix(line, "@@ generated ") && !strings.HasSuffix(line, " rc=0") ||
				strings.HasPrefix(line, "@@ semodule rc=") && !strings.HasPrefix(line, "@@ semodule rc=0 ")
			if failed {
				t.Errorf("the guest says: %s", line)
			}
		}
	}
	return results, notes
}

// noteTime returns the guest's uptime at the end of the first note that
// starts with prefix, or 0 when there is none.
func noteTime(notes []string, prefix string) float64 {
	for _, n := range notes {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			f := strings.Fields(rest)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			return v
		}
	}
	return 0
}

// timing says how long the guest took: booting to its init's run,
// loading what (the modules or profiles) in load seconds, each check, and
// the whole run.
func timing(img *vmtest.Image, boot *vmtest.Boot, notes []string, what string, load float64, seconds []float64) string {
	total := 0.0
	for _, s := range seconds {
		total += s
	}
	per := 0.0
	if len(seconds) > 0 {
		per = total / float64(len(seconds))
	}
	built := "image from the cache"
	if img.Built {
		built = fmt.Sprintf("image built in %.0f s", img.BuildTime.Seconds())
	}
	if boot.Hung != nil {
		built += "; booted twice: the emulator hung the first boot"
	}
	return fmt.Sprintf("booted in %.0f s, %s loaded in %.0f s, %.1f s per check, %.0f s in all (%s)",
		noteTime(notes, "@@ ready "), what, load, per, boot.Elapsed.Seconds(), built)
}

// avcDenied marks the kernel's SELinux records of denials.
const avcDenied = "avc:  denied"

// records returns the kernel's audit records of the kind mark says, from
// its log.
func records(console []byte, mark string) []string {
	var found []string
	for _, line := range strings.Split(string(console), "\n") {
		if i := strings.Index(line, "audit: type=1400"); i >= 0 && strings.Contains(line, mark) {
			found = append(found, strings.TrimRight(line[i:], "\r"))
		}
	}
	return found
}

// keep writes the guest kernel's denials to testdata/audit, as records
// nobody wrote by hand for the audit parser's tests.
func keep(t *testing.T, console []byte) {
	t.Helper()
	var b strings.Builder
	for _, line := range records(console, avcDenied) {
		b.WriteString(line + "\n")
	}
	path := filepath.Join(testutil.RepoRoot(), "testdata", "audit", "enforcing-guest.log")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// scriptOutput returns what run.sh printed, between the init's lines.
func scriptOutput(console []byte) string {
	_, after, _ := strings.Cut(string(console), "@@ init ")
	out, _, _ := strings.Cut(after, "@@ kernel log")
	return "@@ init " + out
}

func tailLines(b *vmtest.Boot, n int) string {
	if b == nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b.Console)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// testDisk fills a directory for the guest's second disk: confine, built
// for the guest as a sysadmin would run it there; probe.tar, the image of
// the containers' one program, /probe, with each of names a symbolic link
// to it; and run.sh, which runs script with confine on its PATH.
func testDisk(t *testing.T, script string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.Tool(t, "go")
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "confine"), "./cmd/confine")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Dir = testutil.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/confine: %v\n%s", err, b)
	}
	image := t.TempDir()
	gcc := testutil.Tool(t, "gcc")
	probe := filepath.Join(testutil.RepoRoot(), "internal", "vmtest", "probe", "probe.c")
	if out, err := exec.Command(gcc, "-static", "-O2", "-Wall", "-Werror", "-o", filepath.Join(image, "probe"), probe).CombinedOutput(); err != nil {
		t.Fatalf("building the probe: %v\n%s", err, out)
	}
	for _, name := range names {
		if err := os.Symlink("probe", filepath.Join(image, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"etc", "tmp", "proc", "sys", "dev", "run"} {
		if err := os.Mkdir(filepath.Join(image, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("tar", "-C", image, "-cf", filepath.Join(dir, "probe.tar"), ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	run := "export PATH=/opt/confine-test:$PATH\n" + script
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(run), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
