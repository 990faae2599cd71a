package vm

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/vmtest"
)

// The containers the AppArmor guest makes with podman, each given the
// profile confine apparmor -l writes and loads from its inspect output
// (so are aaDockerContainers, with docker). wrongro is web with its
// read-only mount made read-write, a profile that must let a write there
// through.
var aaContainers = []container{
	{name: "web", create: []string{"-v", "/srv/vm/www:/www:ro", "-v", "/srv/vm/data:/data", "-p", "8080:80"}},
	{name: "rtc", create: []string{"--device", "/dev/rtc0"}},
	{name: "timecap", create: []string{"--cap-add", "SYS_TIME"}},
	{name: "plain"},
	{name: "wrongro", create: []string{"-v", "/srv/vm/www:/www", "-v", "/srv/vm/data:/data", "-p", "8080:80"}, wrong: "web's read-only mount made read-write"},
}

// aaDockerContainers are made with docker, whose inspect output says less
// than podman's (no effective capabilities; ports only in HostConfig):
// web and plain again.
var aaDockerContainers = []container{
	{name: "dweb", create: []string{"-v", "/srv/vm/www:/www:ro", "-v", "/srv/vm/data:/data", "-p", "8080:80"}},
	{name: "dplain"},
}

var (
	aaWebMounts = []string{"-v", "/srv/vm/www:/www:ro", "-v", "/srv/vm/data:/data"}
	// aaWebWritable mounts web's read-only directory writable, so that
	// the kernel asks the profile about a write there: through a
	// read-only mount it refuses the write (EROFS) before it asks
	// AppArmor, and logs nothing.
	aaWebWritable = []string{"-v", "/srv/vm/www:/www", "-v", "/srv/vm/data:/data"}
)

// An aaCheck runs the probe in a container under a profile, with the
// given run options.
type aaCheck struct {
	name    string
	profile string
	run     []string
	probe   []string
	// allow says the access must succeed with no denial; otherwise it
	// must fail with an apparmor="DENIED" record naming the profile and
	// saying what record says.
	allow  bool
	record []string
}

var aaChecks = []aaCheck{
	{"web reads its read-only mount", "web", aaWebMounts, []string{"read", "/www/index.html"}, true, nil},
	{"web writes its read-write mount", "web", aaWebMounts, []string{"write", "/data/new"}, true, nil},
	{"web writes its read-only mount, mounted writable", "web", aaWebWritable, []string{"write", "/www/new"}, false, []string{`name="/www/new"`}},
	{"web binds its published tcp port", "web", nil, []string{"bind", "tcp", "80"}, true, nil},
	{"web binds a udp port, a socket type its ports do not use", "web", nil, []string{"bind", "udp", "53"}, false, []string{`operation="create"`, `sock_type="dgram"`}},
	{"rtc opens its device", "rtc", []string{"--device", "/dev/rtc0"}, []string{"open", "/dev/rtc0"}, true, nil},
	{"plain opens a device it was not given", "plain", []string{"--device", "/dev/rtc0"}, []string{"open", "/dev/rtc0"}, false, []string{`name="/dev/rtc0"`}},
	{"timecap sets the clock", "timecap", []string{"--cap-add", "SYS_TIME"}, []string{"settime"}, true, nil},
	{"plain sets the clock with a capability its profile lacks", "plain", []string{"--cap-add", "SYS_TIME"}, []string{"settime"}, false, []string{`operation="capable"`, `capname="sys_time"`}},
	{"docker: dweb reads its read-only mount", "dweb", aaWebMounts, []string{"read", "/www/index.html"}, true, nil},
	{"docker: dweb writes its read-write mount", "dweb", aaWebMounts, []string{"write", "/data/new"}, true, nil},
	{"docker: dweb writes its read-only mount, mounted writable", "dweb", aaWebWritable, []string{"write", "/www/new"}, false, []string{`name="/www/new"`}},
	{"docker: dweb binds its published tcp port", "dweb", nil, []string{"bind", "tcp", "80"}, true, nil},
	{"docker: dplain sets the clock with a capability its profile lacks", "dplain", []string{"--cap-add", "SYS_TIME"}, []string{"settime"}, false, []string{`operation="capable"`, `capname="sys_time"`}},
	// Run as web's write to its read-only mount above, which a right
	// profile denies.
	{"the flipped profile lets web write its read-only mount", "wrongro", aaWebWritable, []string{"write", "/www/new"}, false, nil},
}

// engine returns the shell variable of aaScript that runs the engine the
// container of profile was made with.
func engine(profile string) string {
	if slices.ContainsFunc(aaDockerContainers, func(c container) bool { return c.name == profile }) {
		return "$D"
	}
	return "$P"
}

// aaComm is the name the probe runs under in check i, a symbolic link to
// it: the kernel's records say comm="check3", which ties each to its
// check whenever the kernel prints it.
func aaComm(i int) string { return fmt.Sprintf("check%d", i) }

// aaDenied marks the kernel's AppArmor records of denials.
const aaDenied = `apparmor="DENIED"`

var aaCommField = regexp.MustCompile(` comm="check(\d+)" `)

// aaCheckOf returns the index of the check whose probe an AppArmor denial
// names.
func aaCheckOf(line string) (int, bool) {
	m := aaCommField.FindStringSubmatch(line)
	if m == nil || !strings.Contains(line, aaDenied) {
		return 0, false
	}
	i, err := strconv.Atoi(m[1])
	return i, err == nil && i < len(aaChecks)
}

// aaScript writes the AppArmor guest's run.sh: make the host's files,
// start dockerd (no systemd: by hand, without the bridge and iptables
// rules the guest has no kernel modules for), import the probe's image
// into both engines, create the containers, write and load each one's
// profile with confine apparmor -l, and run the checks, each under its
// profile.
func aaScript() string {
	var b strings.Builder
	b.WriteString(`set -u
P="podman --storage-driver vfs"
D=/usr/bin/docker
say() { echo "@@ $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
dockerd --storage-driver vfs --iptables=false --bridge=none >/tmp/dockerd.log 2>&1 &
say podman apparmor=$($P info --format '{{.Host.Security.AppArmorEnabled}}')
mkdir -p /srv/vm/www /srv/vm/data && echo confine > /srv/vm/www/index.html
$P import /opt/confine-test/probe.tar localhost/probe >/dev/null || say fail import
i=0; until $D info >/dev/null 2>&1 || [ $i -ge 120 ]; do sleep 1; i=$((i+1)); done
if $D info >/dev/null 2>&1; then
	say docker up $(up)
else
	say fail docker did not start
	tail -20 /tmp/dockerd.log
fi
say docker $($D info --format '{{range .SecurityOptions}}{{.}} {{end}}')
$D import /opt/confine-test/probe.tar localhost/probe >/dev/null || say fail docker import
mkdir -p /tmp/profiles && cd /tmp/profiles
`)
	all := slices.Concat(aaContainers, aaDockerContainers)
	for _, c := range all {
		fmt.Fprintf(&b, "%s create --name %s %s localhost/probe /probe read / >/dev/null || say fail create %s\n", engine(c.name), c.name, strings.Join(c.create, " "), c.name)
	}
	b.WriteString("say load start $(up)\n")
	for _, c := range all {
		fmt.Fprintf(&b, "%s inspect %s | confine apparmor -l %s >/dev/null 2>/tmp/profiles/%s.err; say generated %s rc=$?\n", engine(c.name), c.name, c.name, c.name, c.name)
		fmt.Fprintf(&b, "sed 's/^/@@ confine %s: /' /tmp/profiles/%s.err\n", c.name, c.name)
	}
	b.WriteString("say load done $(up)\n")
	for i, c := range aaChecks {
		fmt.Fprintf(&b, "say check %d start $(up)\n", i)
		fmt.Fprintf(&b, "out=$(%s run --rm --network none --security-opt apparmor=%s %s localhost/probe /%s -l %s 2>&1); rc=$?\n", engine(c.profile), c.profile, strings.Join(c.run, " "), aaComm(i), strings.Join(c.probe, " "))
		fmt.Fprintf(&b, "say check %d rc=$rc $(up)\n", i)
		b.WriteString("echo \"$out\" | sed 's/^/@@ out /'\n")
	}
	return b.String()
}

// TestAppArmorEnforcing runs containers with podman and docker in a guest
// whose kernel enforces AppArmor, each under the profile confine apparmor
// -l wrote and loaded from its inspect output, and checks what the kernel
// allows and denies them: every expected access allowed without a
// denial, every expected denial failing with an apparmor="DENIED" record
// naming the profile, every probe confined by the profile it was run
// under, and the profile made from a container whose read-only mount was
// made read-write caught by a write it lets through.
func TestAppArmorEnforcing(t *testing.T) {
	img := vmtest.Build(t)
	names := make([]string, len(aaChecks))
	for i := range aaChecks {
		names[i] = aaComm(i)
	}
	dir := testDisk(t, aaScript(), names...)
	boot, err := img.Run(t, vmtest.AppArmor, dir, 15*time.Minute)
	defer func() {
		if t.Failed() && boot != nil {
			t.Logf("what the test's script printed:\n%s", scriptOutput(boot.Console))
			t.Logf("the kernel's denials:\n%s", strings.Join(records(boot.Console, aaDenied), "\n"))
		}
	}()
	if err != nil {
		t.Fatalf("booting the guest: %v\n%s", err, tailLines(boot, 60))
	}
	results, notes := parse(t, boot.Console, aaCheckOf)
	for _, n := range notes {
		t.Log(n)
	}
	if !slices.Contains(notes, "@@ podman apparmor=true") {
		t.Error("podman in the guest does not say AppArmorEnabled=true")
	}
	dockerAA := func(n string) bool {
		rest, ok := strings.CutPrefix(n, "@@ docker ")
		return ok && slices.Contains(strings.Fields(rest), "name=apparmor")
	}
	if !slices.ContainsFunc(notes, dockerAA) {
		t.Error("dockerd in the guest does not say it confines containers with AppArmor (SecurityOptions name=apparmor)")
	}
	for _, r := range records(boot.Console, aaDenied) {
		if _, ok := aaCheckOf(r); !ok {
			t.Errorf("a denial no check accounts for: %s", r)
		}
	}

	var allowed, denied, caught, wrongTotal int
	var seconds []float64
	for i, c := range aaChecks {
		r, ok := results[i]
		if !ok {
			t.Errorf("%s: the guest did not run the check", c.name)
			continue
		}
		seconds = append(seconds, r.seconds)
		// The probe says what confines it before it tries the access, on
		// standard output: docker may pass on its standard error first.
		if want := "label: " + c.profile + " (enforce)"; !slices.Contains(r.out, want) {
			t.Errorf("%s: want the probe confined by the profile (%q), got output %q", c.name, want, r.out)
			continue
		}
		named := slices.ContainsFunc(r.denials, func(d string) bool {
			if !strings.Contains(d, ` profile="`+c.profile+`" `) {
				return false
			}
			for _, s := range c.record {
				if !strings.Contains(d, s) {
					return false
				}
			}
			return true
		})
		let := r.rc == 0 && len(r.denials) == 0
		wrong := slices.ContainsFunc(aaContainers, func(w container) bool { return w.name == c.profile && w.wrong != "" })
		switch {
		case wrong:
			wrongTotal++
			if !let {
				t.Errorf("%s: the wrong profile was not caught: want the access a right profile denies let through, got exit status %d, output %q, denials:\n%s", c.name, r.rc, r.out, strings.Join(r.denials, "\n"))
				continue
			}
			caught++
		case c.allow && !let:
			t.Errorf("%s: want allowed, got exit status %d, output %q, and %d denials:\n%s", c.name, r.rc, r.out, len(r.denials), strings.Join(r.denials, "\n"))
		case !c.allow && (r.rc == 0 || !named):
			t.Errorf("%s: want denied with an %s record naming profile %q and saying %q, got exit status %d, output %q, denials:\n%s", c.name, aaDenied, c.profile, c.record, r.rc, r.out, strings.Join(r.denials, "\n"))
		case c.allow:
			allowed++
		default:
			denied++
		}
	}
	load := noteTime(notes, "@@ load done ") - noteTime(notes, "@@ load start ")
	fmt.Printf("vm (AppArmor): %d containers (%d podman, %d docker) run under their profiles in an enforcing kernel; %d accesses allowed as expected, %d denials seen as expected with %s, %d of %d wrong profiles caught; %s\n",
		len(aaContainers)+len(aaDockerContainers), len(aaContainers), len(aaDockerContainers), allowed, denied, aaDenied, caught, wrongTotal, timing(img, boot, notes, "profiles", load, seconds))
}
