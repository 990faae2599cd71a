package aaproof_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/aaproof"
	"github.com/confine-policy/confine/internal/testutil"
)

// An edit replaces the first old in a profile with new, or, with old
// empty, puts new before the profile's closing brace.
type edit struct{ old, new string }

func add(rules string) edit { return edit{"", rules} }

func drop(line string) edit { return edit{line, ""} }

// The web profile's edits for containers that have fewer capabilities
// than docker-web: podman's defaults, or docker's without NET_ADMIN.
var (
	noNetAdmin = []edit{{" mknod net_admin\n", " mknod\n"}}
	noNetRaw   = []edit{
		{"capability audit_write chown", "capability chown"},
		{" mknod net_admin\n", " net_admin\n"},
		{"net_bind_service net_raw setfcap", "net_bind_service setfcap"},
		drop("  network inet raw,\n"), drop("  network inet6 raw,\n"), drop("  network packet raw,\n"),
	}
	noPorts = []edit{drop("  network tcp,\n")}
)

func join(edits ...[]edit) []edit {
	var all []edit
	for _, e := range edits {
		all = append(all, e...)
	}
	return all
}

var cases = []struct {
	name    string
	profile string // in testdata
	fixture string // in the shared fixtures
	edits   []edit
	inspect func(c map[string]any) // changes the container
	want    []string               // each in some failure line; none: proved
}{
	// Proved.
	{name: "web", profile: "web", fixture: "docker-web"},
	{name: "dirs", profile: "dirs", fixture: "podman-dirs"},
	{name: "caps", profile: "caps", fixture: "docker-caps"},
	{name: "web as podman runs it", profile: "web", fixture: "podman-web", edits: noNetRaw},
	{name: "docker's defaults", profile: "web", fixture: "docker-default", edits: join(noNetAdmin, noPorts)},
	{name: "podman's defaults", profile: "web", fixture: "podman-default",
		edits: join(noNetRaw, []edit{{" net_admin\n", "\n"}}, noPorts)},
	{name: "docker privileged: its defaults, added and dropped", profile: "web", fixture: "docker-web",
		inspect: func(c map[string]any) { hostConfig(c)["Privileged"] = true }},
	{name: "podman privileged: its defaults, added and dropped", profile: "web", fixture: "podman-web", edits: noNetRaw,
		inspect: func(c map[string]any) {
			hostConfig(c)["Privileged"] = true
			c["EffectiveCaps"] = []string{"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_CHOWN"} // what a privileged container has
		}},
	{name: "host network: any socket", profile: "dirs", fixture: "podman-dirs", edits: []edit{add("  network,\n")},
		inspect: func(c map[string]any) { hostConfig(c)["NetworkMode"] = "host" }},

	// Each must fail, with a line that names what is wrong.
	{name: "read-only mount's deny removed", profile: "web", fixture: "docker-web",
		edits: []edit{drop("  deny /data{,/**} wl,\n")},
		want: []string{"mount /data (read-only): writing /data/new-file is allowed by `/** rwlkm,`",
			"rule `/** rwlkm,` allows writing every path, and no deny rule keeps read-only mount /data from it"}},
	{name: "extra capability", profile: "web", fixture: "docker-web", edits: []edit{add("  capability sys_admin,\n")},
		want: []string{"rule `capability sys_admin,` allows capability sys_admin, which the container does not have"}},
	{name: "bare capability", profile: "web", fixture: "docker-web", edits: []edit{add("  capability,\n")},
		want: []string{"rule `capability,` allows every capability"}},
	{name: "missing capability", profile: "dirs", fixture: "podman-dirs", edits: []edit{{"capability chown setuid,", "capability chown,"}},
		want: []string{"capability setuid: the container has it, but no rule allows it"}},
	{name: "no sysrq-trigger protection", profile: "web", fixture: "docker-web", edits: []edit{drop("  deny @{PROC}/sysrq-trigger w,\n")},
		want: []string{"writing /proc/sysrq-trigger is allowed by `/** rwlkm,`"}},
	{name: "kcore readable", profile: "caps", fixture: "docker-caps", edits: []edit{drop("  deny @{PROC}/kcore r,\n")},
		want: []string{"reading /proc/kcore is allowed by `/** r,`"}},
	{name: "raw sockets without net_raw", profile: "dirs", fixture: "podman-dirs", edits: []edit{add("  network inet raw,\n")},
		want: []string{"inet raw sockets are allowed by `network inet raw,`, but the container lacks net_raw"}},
	{name: "udp port without dgram sockets", profile: "dirs", fixture: "podman-dirs", edits: []edit{drop("  network udp,\n")},
		want: []string{"inet dgram sockets, which the published udp ports need, are not allowed",
			"inet6 dgram sockets, which the published udp ports need, are not allowed"}},
	{name: "bare file rule", profile: "dirs", fixture: "podman-dirs", edits: []edit{add("  file,\n")},
		want: []string{"rule `file,` allows every access to every file"}},
	{name: "read-write mount not writable", profile: "dirs", fixture: "podman-dirs", edits: []edit{{"/www{,/**} rwlk,", "/www{,/**} r,"}},
		want: []string{"mount /www (read-write): writing /www/new-file is not allowed (no rule allows it)"}},
	{name: "a disk writable by its owner", profile: "dirs", fixture: "podman-dirs", edits: []edit{add("  owner /dev/sda w,\n")},
		want: []string{"device /dev/sda, not the container's: writing /dev/sda is allowed by `owner /dev/sda w,`"}},
	{name: "mount allowed", profile: "dirs", fixture: "podman-dirs", edits: []edit{add("  mount,\n")},
		want: []string{"rule `mount,` allows what mount rules may only deny"}},
	{name: "read-only device writable", profile: "caps", fixture: "docker-caps", edits: []edit{{"/dev/{fuse,null,zero} rw,", "/dev/{fuse,null,zero,myrandom} rw,"}},
		want: []string{"device /dev/myrandom (read-only): writing /dev/myrandom is allowed by `/dev/{fuse,null,zero,myrandom} rw,`"}},
	{name: "podman's device of empty permissions is read-write", profile: "web", fixture: "podman-web",
		edits: append([]edit{add("  deny /dev/null w,\n")}, noNetRaw...),
		want:  []string{"device /dev/null (read-write): writing /dev/null is not allowed (denied by `deny /dev/null w,`)"}},
	{name: "tmpfs mounted read-only", profile: "caps", fixture: "docker-caps",
		inspect: func(c map[string]any) { hostConfig(c)["Tmpfs"] = map[string]any{"/run": "ro,noexec"} },
		want:    []string{"mount /run (read-only): writing /run/new-file is allowed by `/run{,/**} rwk,`"}},
	{name: "checkpoint_restore builds sys_admin", profile: "web", fixture: "docker-web",
		edits:   []edit{add("  capability checkpoint_restore,\n")},
		inspect: func(c map[string]any) { hostConfig(c)["CapAdd"] = []string{"NET_ADMIN", "CHECKPOINT_RESTORE"} },
		want:    []string{"apparmor_parser builds capability sys_admin, which no capability rule allows by that name"}},
	{name: "not compiled", profile: "web", fixture: "docker-web", edits: []edit{add("  /data{ r,\n")},
		want: []string{"apparmor_parser -Q -K -q refuses the profile: ", "Regex grouping error: Unclosed grouping"}},
	{name: "child profile", profile: "web", fixture: "docker-web", edits: []edit{add("  profile child {\n  }\n")},
		want: []string{"the file holds aaproof-web, aaproof-web//child; the proof reads a single profile"}},
	{name: "alias", profile: "web", fixture: "docker-web", edits: []edit{{"profile aaproof-web", "alias /data/ -> /srv/,\n\nprofile aaproof-web"}},
		want: []string{"alias rules rewrite paths before matching, which the proof does not follow: `alias /data/ -> /srv/,`"}},
	{name: "capability rules on one line", profile: "web", fixture: "docker-web", edits: []edit{add("  capability chown, capability kill,\n")},
		want: []string{"python3-apparmor reads `capability chown, capability kill,` as one rule"}},
}

func hostConfig(c map[string]any) map[string]any { return c["HostConfig"].(map[string]any) }

// writeProfile writes testdata/name with the edits into a temporary
// directory and returns its path.
func writeProfile(t *testing.T, name string, edits []edit) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, e := range edits {
		if e.old == "" {
			end := strings.LastIndex(text, "}")
			text = text[:end] + e.new + text[end:]
			continue
		}
		if !strings.Contains(text, e.old) {
			t.Fatalf("testdata/%s has no %q to edit", name, e.old)
		}
		text = strings.Replace(text, e.old, e.new, 1)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// inspectJSON returns the shared fixture's inspect output, its first
// container changed by change.
func inspectJSON(t *testing.T, fixture string, change func(map[string]any)) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Shared(t, filepath.Join("fixtures", fixture+".json")))
	if err != nil {
		t.Fatal(err)
	}
	if change == nil {
		return data
	}
	var containers []map[string]any
	if err := json.Unmarshal(data, &containers); err != nil {
		t.Fatal(err)
	}
	change(containers[0])
	data, err = json.Marshal(containers)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestProve(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			profile := writeProfile(t, tc.profile, tc.edits)
			inspect := inspectJSON(t, tc.fixture, tc.inspect)
			start := time.Now()
			r := aaproof.Check(t, profile, inspect, 0)
			t.Logf("%d decisions on %d rules in %v", r.Decisions, r.Rules, time.Since(start).Round(time.Millisecond))
			if len(tc.want) == 0 {
				if len(r.Failures) > 0 {
					t.Errorf("not proved:\n%s", strings.Join(r.Failures, "\n"))
				}
				if r.Decisions == 0 || r.Rules == 0 {
					t.Errorf("proved with %d decisions on %d rules", r.Decisions, r.Rules)
				}
				return
			}
			t.Logf("failures, as they should be:\n%s", strings.Join(r.Failures, "\n"))
			for _, want := range tc.want {
				found := false
				for _, f := range r.Failures {
					found = found || strings.Contains(f, want)
				}
				if !found {
					t.Errorf("no failure says %q; the failures:\n%s", want, strings.Join(r.Failures, "\n"))
				}
			}
		})
	}
}

// TestProveFailures checks that Prove returns Check's failures.
func TestProveFailures(t *testing.T) {
	profile := writeProfile(t, "web", []edit{add("  capability,\n")})
	got := aaproof.Prove(t, profile, inspectJSON(t, "docker-web", nil), 0)
	if len(got) != 1 || got[0] != "rule `capability,` allows every capability" {
		t.Errorf("Prove = %q, want the bare capability rule alone", got)
	}
}

// abstractions are Debian's AppArmor abstractions whose rules name the
// tunables' variables most: of one value and of several, inside
// alternations, before and after slashes.
var abstractions = []string{"base", "nameservice", "bash", "python", "perl", "user-tmp", "user-download",
	"user-write", "private-files-strict", "ssl_keys", "fonts", "X", "gnome", "kde", "freedesktop.org",
	"dbus-session-strict", "xdg-desktop", "mesa", "audio"}

// TestAbstractions proves a profile made of the abstractions alone: the
// proof must make of every one of their file rules the very pattern
// apparmor_parser compiled (or it proves nothing, with rules 0), and
// find what the abstractions lack for the container and what they add.
func TestAbstractions(t *testing.T) {
	var text strings.Builder
	text.WriteString("abi <abi/3.0>,\ninclude <tunables/global>\nprofile aaproof-abstractions {\n")
	for _, a := range abstractions {
		testutil.File(t, filepath.Join("/etc/apparmor.d/abstractions", a))
		text.WriteString("  include <abstractions/" + a + ">\n")
	}
	text.WriteString("}\n")
	profile := filepath.Join(t.TempDir(), "abstractions")
	if err := os.WriteFile(profile, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := aaproof.Check(t, profile, inspectJSON(t, "podman-web", nil), 0)
	t.Logf("%d decisions on %d rules in %v", r.Decisions, r.Rules, time.Since(start).Round(time.Millisecond))
	if r.Rules < 500 {
		t.Fatalf("read %d rules of the abstractions:\n%s", r.Rules, strings.Join(r.Failures, "\n"))
	}
	for _, want := range []string{"capability chown: the container has it, but no rule allows it",
		"mount /data (read-only): reading /data/some/file is not allowed",
		"inet6 dgram sockets are allowed by `network inet6 dgram,`"} {
		if !slices.ContainsFunc(r.Failures, func(f string) bool { return strings.HasPrefix(f, want) }) {
			t.Errorf("no failure starts %q:\n%s", want, strings.Join(r.Failures, "\n"))
		}
	}
}
