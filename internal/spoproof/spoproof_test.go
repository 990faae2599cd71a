package spoproof_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/aaproof"
	"github.com/confine-policy/confine/internal/spoproof"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestRender renders a resource of every field, in both modes.
func TestRender(t *testing.T) {
	stream := []byte(`apiVersion: security-profiles-operator.x-k8s.io/v1
kind: AppArmorProfile
metadata:
  name: all
spec:
  abstract:
    executable:
      allowedExecutables: [/usr/bin/app]
      allowedLibraries: [/lib/**]
    filesystem:
      readOnlyPaths: [/etc/app/**]
      writeOnlyPaths: [/var/log/app.log]
      readWritePaths: ["/my data/**"]
    network:
      allowRaw: false
      allowedProtocols: {allowTcp: true, allowUdp: false}
    capability:
      allowedCapabilities: [net_bind_service, sys_rawio]
    ptrace:
      allowedAccess: [trace, read, read]
      peer: '@{profile_name}'
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: AppArmorProfile
metadata:
  name: complaining
spec:
  mode: Complain
  abstract:
    filesystem:
      readOnlyPaths: [/etc/app/**]
    network:
      allowRaw: false
`)
	docs, err := spoproof.Decode(stream)
	if err != nil || len(docs) != 2 {
		t.Fatalf("Decode: %d documents, %v", len(docs), err)
	}
	all, err := spoproof.Render(docs[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(all)
	for _, want := range []string{
		"profile all flags=(enforce,attach_disconnected,mediate_deleted) {\n  include <abstractions/base>\n",
		"  /usr/bin/app ixr,\n  /lib/** mr,\n  /sbin/fsck ixr,\n  /sbin/fsck.ext4 ixr,\n",
		"  /etc/app/** r,\n  deny /etc/app/** wlk,\n  /var/log/app.log wlk,\n  deny /var/log/app.log r,\n  \"/my data/**\" rwlk,\n",
		"  ptrace (read, trace) peer=@{profile_name},\n  deny network raw,\n  network tcp,\n",
		"  capability net_bind_service,\n  capability sys_rawio,\n  mount,\n  remount,\n  umount,\n",
		"  deny @{PROC}/{sysrq-trigger,mem,kmem,kcore} rwlkx,\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendering has no\n%s\nin\n%s", want, text)
		}
	}
	complaining, err := spoproof.Render(docs[1])
	if err != nil {
		t.Fatal(err)
	}
	if text := string(complaining); !strings.Contains(text, "flags=(complain,") || strings.Contains(text, "deny") || !strings.Contains(text, "  /etc/app/** r,\n") {
		t.Errorf("in complain mode, SPO writes the allow rules and no deny rule:\n%s", text)
	}
	compile(t, all)
	compile(t, complaining)
}

// TestRefused gives Decode and Render what SPO would refuse.
func TestRefused(t *testing.T) {
	head := "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\nmetadata:\n  name: x\nspec:\n"
	for _, tc := range []struct{ name, yaml, says string }{
		{"unknown field", head + "  abstract:\n    files: {}\n", "field files not found"},
		{"another kind", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\n", "is a SeccompProfile"},
		{"comma in a path", head + "  abstract:\n    filesystem:\n      readOnlyPaths: ['/a, /b']\n", `SPO takes no path "/a, /b"`},
		{"brace in a path", head + "  abstract:\n    executable:\n      allowedLibraries: ['/a{b,c}']\n", `SPO takes no path "/a{b,c}"`},
		{"a program climbing out", head + "  abstract:\n    executable:\n      allowedExecutables: [/usr/../bin/sh]\n", "SPO takes no path"},
		{"capability", head + "  abstract:\n    capability:\n      allowedCapabilities: [cap_chown]\n", `no capability "cap_chown"`},
		{"ptrace access", head + "  abstract:\n    ptrace:\n      allowedAccess: [everything]\n", `no ptrace access "everything"`},
		{"mode", head + "  mode: Audit\n", `mode "Audit"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := spoproof.Decode([]byte(tc.yaml))
			if err == nil {
				_, err = spoproof.Render(docs[0])
			}
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v, want an error that says %q", err, tc.says)
			}
		})
	}
}

// compile compiles a rendered profile with AppArmor's parser, as SPO's
// daemon loads it (-Q: do not load, -K: no cache), and returns its file.
func compile(t *testing.T, profile []byte) string {
	t.Helper()
	parser := testutil.Tool(t, "apparmor_parser")
	testutil.File(t, "/etc/apparmor.d/abstractions/base")
	file := filepath.Join(t.TempDir(), "profile")
	if err := os.WriteFile(file, profile, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(parser, "-Q", "-K", "-q", file).CombinedOutput(); err != nil {
		t.Fatalf("apparmor_parser -Q -K: %v\n%s\n%s", err, out, profile)
	}
	return file
}

// binary returns the policy apparmor_parser builds of rules in a profile,
// for the kernel features of AppArmor 3.0.
func binary(t *testing.T, rules string) []byte {
	t.Helper()
	parser := testutil.Tool(t, "apparmor_parser")
	features := testutil.File(t, "/etc/apparmor.d/abi/3.0")
	file := filepath.Join(t.TempDir(), "profile")
	if err := os.WriteFile(file, []byte("profile spoproof-net {\n"+rules+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(parser, "-Q", "-K", "-S", "--features-file", features, file).Output()
	if err != nil {
		t.Fatalf("apparmor_parser -S: %v", err)
	}
	return out
}

// TestNetworkWithoutFamily shows with the policy apparmor_parser builds
// what SPO's network rules without a family mean: network raw allows raw
// sockets, of every family, and no other; deny network raw denies them
// and no other. apparmor_parser -d prints either as <all>, which aaproof
// reads as every socket: the proof below leaves out the lines it writes
// of that (its check 7, of sockets), and this test stands for them.
//
// A rule that adds nothing to what a profile allows (or denies) leaves
// the policy as it was; one that adds something changes it.
func TestNetworkWithoutFamily(t *testing.T) {
	for _, tc := range []struct {
		rules, added string
		same         bool
	}{
		{"network raw,\n", "network inet raw,\n", true},
		{"network raw,\n", "network inet6 raw,\n", true},
		{"network raw,\n", "network packet raw,\n", true},
		{"network raw,\n", "network netlink raw,\n", true},
		{"network raw,\n", "network inet stream,\n", false},
		{"network raw,\n", "network inet6 dgram,\n", false},
		{"network raw,\n", "network packet dgram,\n", false},
		{"network raw,\n", "network unix stream,\n", false},
		{"network tcp,\ndeny network raw,\n", "deny network inet raw,\n", true},
		{"network tcp,\ndeny network raw,\n", "deny network packet raw,\n", true},
		{"network tcp,\ndeny network raw,\n", "deny network inet stream,\n", false},
		{"network tcp,\ndeny network raw,\n", "deny network inet6 stream,\n", false},
		// And network tcp is stream sockets of inet and inet6.
		{"network inet stream,\nnetwork inet6 stream,\n", "network tcp,\n", true},
		{"network tcp,\n", "network inet dgram,\n", false},
	} {
		before, after := binary(t, tc.rules), binary(t, tc.rules+tc.added)
		if same := bytes.Equal(before, after); same != tc.same {
			t.Errorf("%s with %s: the same policy %v, want %v", strings.ReplaceAll(tc.rules, "\n", " "), strings.TrimSpace(tc.added), same, tc.same)
		}
	}
}

// A golden stream of pkg/spo: its fixture, its resources, and the
// warnings of each, by resource name.
type golden struct {
	file, fixture, options string
	docs                   []*spoproof.Doc
	warnings               map[string][]string
}

func readGolden(t *testing.T, file string) golden {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g := golden{file: file, warnings: map[string][]string{}}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "# inspect: "):
			g.fixture = strings.TrimPrefix(line, "# inspect: ")
		case strings.HasPrefix(line, "# options: "):
			g.options = strings.TrimPrefix(line, "# options: ")
		case strings.HasPrefix(line, "# warning: AppArmorProfile "):
			w := strings.TrimPrefix(line, "# warning: ")
			name, _, _ := strings.Cut(strings.TrimPrefix(w, "AppArmorProfile "), ": ")
			g.warnings[name] = append(g.warnings[name], w)
		}
	}
	if g.fixture == "" {
		t.Fatalf("%s names no inspect fixture", file)
	}
	if g.docs, err = spoproof.Decode(data); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return g
}

// readOnly returns the destinations of the read-only mounts of the
// container at index of inspect output, read as the engine wrote them.
func readOnly(t *testing.T, inspectJSON []byte, index int) []string {
	t.Helper()
	var cs []struct {
		Mounts []struct {
			Destination string
			RW          bool
		}
		HostConfig struct{ Tmpfs map[string]string }
	}
	if err := json.Unmarshal(inspectJSON, &cs); err != nil {
		t.Fatal(err)
	}
	var ro []string
	for _, m := range cs[index].Mounts {
		if !m.RW {
			ro = append(ro, m.Destination)
		}
	}
	for dest, options := range cs[index].HostConfig.Tmpfs {
		if slices.Contains(strings.Split(options, ","), "ro") {
			ro = append(ro, dest)
		}
	}
	slices.Sort(ro)
	return slices.Compact(ro)
}

// announced are the proof's failures a rendering may have, each with what
// a warning of its resource must say for the failure to count as
// announced: the container's own files widened to every path make every
// device node writable, and /sys, and sys_rawio brings SPO's mount rules.
// Every other failure is one of a check that must hold: capabilities,
// mounts, the container's own devices, /proc, sockets.
var announced = []struct {
	failure *regexp.Regexp
	warning string
}{
	{regexp.MustCompile(`^device /dev/\S+, not the container's: writing /dev/\S+ is allowed by `), "so every device node and all of /sys become readable and writable"},
	{regexp.MustCompile(`^device /dev/\S+ \(read-only\): writing /dev/\S+ is allowed by `), "so every device node and all of /sys become readable and writable"},
	{regexp.MustCompile(`^protected path: writing /sys/\S+ is allowed by `), "so every device node and all of /sys become readable and writable"},
	{regexp.MustCompile("^rule `(mount|remount|umount),` allows what mount rules may only deny$"), "capability sys_rawio: with it SPO's daemon also allows mount, remount and umount"},
}

// socketsBuilt is aaproof's check 7 of sockets, which reads
// apparmor_parser -d's <all> for a rule without a family as every socket
// (see TestNetworkWithoutFamily).
var socketsBuilt = regexp.MustCompile(`^apparmor_parser (builds|does not build) \S+ \S+ sockets, which the network rules`)

// TestProve renders every AppArmorProfile of pkg/spo's golden streams as
// SPO's daemon would, compiles it with apparmor_parser, and proves it
// with aaproof against the engine's inspect output of its container: the
// failures must be only those its warnings announce. The golden streams
// are what pkg/spo writes (its TestGolden checks that), read here as YAML
// without its code. Then each read-only mount's paths are moved from
// readOnlyPaths to readWritePaths, and the proof must fail at that mount.
func TestProve(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "pkg", "spo", "testdata", "apparmorprofile")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".golden") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden streams in %s: %v", dir, err)
	}
	var compiled, proved, announcedFailures, flipped int
	for _, file := range files {
		g := readGolden(t, file)
		name, _ := filepath.Rel(dir, file)
		inspectJSON, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), g.fixture))
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(g.fixture)
		// aaproof reads docker's and podman's inspect output, and
		// --full-network-access allows more sockets than the ports
		// need, on purpose.
		provable := (strings.HasPrefix(base, "docker-") || strings.HasPrefix(base, "podman-")) && g.options != "--full-network-access"
		for i, d := range g.docs {
			text, err := spoproof.Render(d)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			profile := compile(t, text)
			compiled++
			if !provable {
				continue
			}
			n := d.Metadata.Name
			familyless := bytes.Contains(text, []byte("  network raw,\n")) || bytes.Contains(text, []byte("  deny network raw,\n"))
			for _, f := range aaproof.Prove(t, profile, inspectJSON, i) {
				if familyless && socketsBuilt.MatchString(f) {
					continue
				}
				k := slices.IndexFunc(announced, func(a struct {
					failure *regexp.Regexp
					warning string
				}) bool {
					return a.failure.MatchString(f)
				})
				switch {
				case k < 0:
					t.Errorf("%s, %s: %s", name, n, f)
				case !slices.ContainsFunc(g.warnings[n], func(w string) bool { return strings.Contains(w, announced[k].warning) }):
					t.Errorf("%s, %s: no warning announces %q (one that says %q)", name, n, f, announced[k].warning)
				default:
					announcedFailures++
				}
			}
			proved++
			for _, dest := range readOnly(t, inspectJSON, i) {
				if flip(d, dest) == 0 {
					t.Errorf("%s, %s: readOnlyPaths holds nothing of read-only mount %s", name, n, dest)
					continue
				}
				broken, err := spoproof.Render(d)
				if err != nil {
					t.Fatal(err)
				}
				failures := aaproof.Prove(t, compile(t, broken), inspectJSON, i)
				if !slices.ContainsFunc(failures, func(f string) bool { return strings.HasPrefix(f, "mount "+dest+" (read-only): writing ") }) {
					t.Errorf("%s, %s: with read-only mount %s moved to readWritePaths, the proof still passes it: %q", name, n, dest, failures)
				}
				flipped++
				d = readGolden(t, file).docs[i] // as written again
			}
		}
	}
	t.Logf("%d AppArmorProfiles of %d golden streams rendered and compiled; %d proved, with %d failures each announced by a warning; %d read-only mounts moved to readWritePaths, each caught", compiled, len(files), proved, announcedFailures, flipped)
}

// flip moves a read-only mount's paths, its destination and what lies
// below, from d's readOnlyPaths to its readWritePaths, and returns how
// many it moved.
func flip(d *spoproof.Doc, dest string) int {
	fs := d.Spec.Abstract.Filesystem
	if fs == nil {
		return 0
	}
	var kept []string
	moved := 0
	for _, p := range fs.ReadOnlyPaths {
		if p == dest || strings.HasPrefix(p, strings.TrimSuffix(dest, "/")+"/") {
			fs.ReadWritePaths = append(fs.ReadWritePaths, p)
			moved++
			continue
		}
		kept = append(kept, p)
	}
	fs.ReadOnlyPaths = kept
	return moved
}
