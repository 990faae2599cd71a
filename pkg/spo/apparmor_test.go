package spo_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/confine-policy/confine/internal/spoproof"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/spo"
)

// profile is a hand-made profile named web of one section of rules.
func profile(rules ...apparmor.Rule) *apparmor.Profile {
	return &apparmor.Profile{Name: "web", Sections: []apparmor.Section{{Rules: rules}}}
}

// generated returns the rules apparmor.Generate writes for a plain
// container named web whose text starts with one of prefixes: the fixed
// rules (signals, ptrace, mounts) no other package can make.
func generated(t *testing.T, prefixes ...string) []apparmor.Rule {
	t.Helper()
	p, err := apparmor.Generate(inspect.Container{Name: "web", Engine: inspect.Docker}, apparmor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rules []apparmor.Rule
	for _, s := range p.Sections {
		for _, r := range s.Rules {
			if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.Text(), p) }) {
				rules = append(rules, r)
			}
		}
	}
	if len(rules) == 0 {
		t.Fatalf("apparmor.Generate wrote no rule starting %q", prefixes)
	}
	return rules
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// network is the abstract's network with raw, tcp and udp sockets as
// given.
func network(raw, tcp, udp *bool) *spo.AppArmorNetwork {
	return &spo.AppArmorNetwork{AllowRaw: raw, Protocols: &spo.AppArmorProtocols{AllowTCP: tcp, AllowUDP: udp}}
}

func TestAppArmorProfile(t *testing.T) {
	quiet := network(no(), no(), no())
	tree := func(q apparmor.Qualifier, dir, perms string) apparmor.Rule {
		return apparmor.FileRule{Qualifier: q, Pattern: dir + "{,/**}", Perms: perms}
	}
	for _, tc := range []struct {
		name     string
		profile  func(t *testing.T) *apparmor.Profile
		opts     spo.AppArmorOptions
		want     spo.AppArmorAbstract
		mode     string
		warnings []string // each in some warning, in order
		none     bool     // no warning at all
	}{{
		name: "capabilities",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.CapabilityRule{Name: "setuid"}, apparmor.CapabilityRule{Name: "chown"},
				apparmor.CapabilityRule{Qualifier: apparmor.Deny, Name: "sys_admin"}, apparmor.CapabilityRule{Name: "chown"})
		},
		want:     spo.AppArmorAbstract{Network: quiet, Capability: &spo.AppArmorCapabilities{AllowedCapabilities: []string{"chown", "setuid"}}},
		warnings: []string{"AppArmorProfile web: deny capability sys_admin, left out: SPO's abstract only allows capabilities"},
	}, {
		name: "read-only and read-write mounts",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(tree(apparmor.Allow, "/www", "rwlk"), tree(apparmor.AuditDeny, "/data", "wl"), tree(apparmor.AuditDeny, "/etc/app", "wl"))
		},
		want: spo.AppArmorAbstract{Network: quiet, Filesystem: &spo.AppArmorFilesystem{
			ReadOnlyPaths:  []string{"/data", "/data/", "/data/**", "/etc/app", "/etc/app/", "/etc/app/**"},
			ReadWritePaths: []string{"/www", "/www/", "/www/**"},
		}},
		// One warning for the two denials, none for the read-write mount.
		warnings: []string{"AppArmorProfile web: audit deny /data{,/**} wl, audit deny /etc/app{,/**} wl, written in readOnlyPaths, which SPO renders as PATH r and deny PATH wlk, so they become readable, and it denies k too; SPO's denials are not audited"},
	}, {
		name: "paths denied outright, and what SPO cannot deny",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.FileRule{Qualifier: apparmor.Deny, Pattern: "/proc/{kcore,sysrq-trigger}", Perms: "rwlkx"},
				apparmor.FileRule{Qualifier: apparmor.Deny, Pattern: "/secret", Perms: "x"},
				apparmor.FileRule{Qualifier: apparmor.Deny, Pattern: "/srv/[0-9]*", Perms: "w"})
		},
		want: spo.AppArmorAbstract{Network: quiet, Filesystem: &spo.AppArmorFilesystem{
			ReadOnlyPaths:  []string{"/proc/kcore", "/proc/sysrq-trigger", "/srv/*"},
			WriteOnlyPaths: []string{"/proc/kcore", "/proc/sysrq-trigger"},
		}},
		warnings: []string{
			"deny /secret x, left out: SPO's abstract cannot deny x without denying reads or writes",
			"deny /proc/{kcore,sysrq-trigger} rwlkx, written in readOnlyPaths and writeOnlyPaths, whose rules SPO renders so that together they deny r, w, l and k, and nothing denies x",
			"deny /srv/[0-9]* w, written in readOnlyPaths, which SPO renders as PATH r and deny PATH wlk, so they become readable, and it denies l and k too; SPO's paths take no character class, so each class became * (/srv/*), which denies more",
		},
	}, {
		name: "permissions SPO's lists widen",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.FileRule{Pattern: "/", Perms: "r"}, apparmor.FileRule{Pattern: "/usr/bin/app", Perms: "mrix"},
				apparmor.FileRule{Pattern: "/proc/sys/kernel/shm*", Perms: "w"}, apparmor.FileRule{Pattern: "/run/app.sock", Perms: "rw"})
		},
		want: spo.AppArmorAbstract{Network: quiet,
			Executable: &spo.AppArmorExecutables{AllowedExecutables: []string{"/usr/bin/app"}, AllowedLibraries: []string{"/", "/usr/bin/app"}},
			Filesystem: &spo.AppArmorFilesystem{ReadWritePaths: []string{"/proc/sys/kernel/shm*", "/run/app.sock"}},
		},
		warnings: []string{
			"/ r, written in allowedLibraries as /: SPO allows mr, so also m",
			"/proc/sys/kernel/shm* w, written in readWritePaths as /proc/sys/kernel/shm*: SPO allows rwlk, so also k, l and r",
			"/run/app.sock rw, written in readWritePaths as /run/app.sock: SPO allows rwlk, so also k and l",
		},
	}, {
		name: "a class of the first name widened to every path",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.FileRule{Pattern: "/{[^dps]*,d}{,/**}", Perms: "mrwlkix"},
				apparmor.FileRule{Pattern: "/dev/null", Perms: "rw"}, apparmor.FileRule{Pattern: "/dev/pts/[0-9]*", Perms: "rw"})
		},
		want: spo.AppArmorAbstract{Network: quiet,
			Executable: &spo.AppArmorExecutables{AllowedExecutables: []string{"/*", "/*/", "/*/**"}, AllowedLibraries: []string{"/*", "/*/", "/*/**"}},
			Filesystem: &spo.AppArmorFilesystem{ReadWritePaths: []string{"/*", "/*/", "/*/**"}},
		},
		// /dev/null and /dev/pts/* lie within the wider paths, which
		// say it all: no warning of their own.
		warnings: []string{"/{[^dps]*,d}{,/**} mrwlkix, written in readWritePaths, allowedLibraries and allowedExecutables as /* /*/ /*/**: SPO's paths take no character class, so each class became *, which matches more; with the first name's class gone it matches every path, /dev, /proc and /sys among them, so every device node and all of /sys become readable and writable, but for what SPO's own rules deny"},
	}, {
		name: "a class below the top",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.FileRule{Pattern: "/dev/pts/[0-9]*", Perms: "rw"})
		},
		want:     spo.AppArmorAbstract{Network: quiet, Filesystem: &spo.AppArmorFilesystem{ReadWritePaths: []string{"/dev/pts/*"}}},
		warnings: []string{"/dev/pts/[0-9]* rw, written in readWritePaths as /dev/pts/*: SPO's paths take no character class, so each class became *, which matches more; SPO allows rwlk, so also k and l"},
	}, {
		name: "a quoted path",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.FileRule{Pattern: `"/my data{,/**}"`, Perms: "rwlk"})
		},
		want: spo.AppArmorAbstract{Network: quiet, Filesystem: &spo.AppArmorFilesystem{ReadWritePaths: []string{"/my data", "/my data/", "/my data/**"}}},
		none: true,
	}, {
		name: "sockets of published ports and net_raw",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.NetworkRule{Family: "unix"},
				apparmor.NetworkRule{Family: "inet", Type: "stream"}, apparmor.NetworkRule{Family: "inet6", Type: "stream"},
				apparmor.NetworkRule{Family: "inet", Type: "raw"}, apparmor.NetworkRule{Family: "inet6", Type: "raw"}, apparmor.NetworkRule{Family: "packet"})
		},
		want: spo.AppArmorAbstract{Network: network(yes(), yes(), no())},
		warnings: []string{
			"network unix, left out: SPO's abstract has no rule for Unix sockets",
			"network inet raw, network inet6 raw, network packet, written as allowRaw: SPO renders it as network raw, which allows raw sockets of every family, netlink's among them, and only raw ones of packet's",
		},
	}, {
		name: "one family, and sctp",
		profile: func(*testing.T) *apparmor.Profile {
			return profile(apparmor.NetworkRule{Family: "inet", Type: "dgram"}, apparmor.NetworkRule{Family: "inet", Type: "seqpacket"},
				apparmor.NetworkRule{Qualifier: apparmor.Deny, Family: "inet6"})
		},
		want: spo.AppArmorAbstract{Network: network(no(), no(), yes())},
		warnings: []string{
			"network inet seqpacket, left out: SPO's abstract has only tcp, udp and raw sockets",
			"deny network inet6, left out: SPO's abstract can deny only raw sockets",
			"network inet dgram, written as allowUdp: SPO renders it as network udp, of inet and inet6 both",
		},
	}, {
		name:     "all networking",
		profile:  func(*testing.T) *apparmor.Profile { return profile(apparmor.NetworkRule{}) },
		want:     spo.AppArmorAbstract{Network: network(yes(), yes(), yes())},
		warnings: []string{"network, (all networking) written as allowTcp, allowUdp and allowRaw"},
	}, {
		name: "ptrace of itself, renamed",
		profile: func(t *testing.T) *apparmor.Profile {
			return profile(generated(t, "ptrace")...)
		},
		opts:     spo.AppArmorOptions{Name: "web-k8s"},
		want:     spo.AppArmorAbstract{Network: quiet, Ptrace: &spo.AppArmorPtrace{AllowedAccess: []string{"read", "readby", "trace", "tracedby"}, Peer: "@{profile_name}"}},
		none:     true,
		warnings: nil,
	}, {
		name: "signals: among its own processes as abstractions/base allows, not from the engines",
		profile: func(t *testing.T) *apparmor.Profile {
			return profile(generated(t, "signal")...)
		},
		want:     spo.AppArmorAbstract{Network: quiet},
		warnings: []string{"AppArmorProfile web: signal (receive) peer={unconfined,runc,crun,podman}, left out: SPO's abstract has no signal rule, and abstractions/base, which SPO's profile includes, only lets unconfined processes signal the profile's and those signal each other: signals from runc, crun and podman are refused"},
	}, {
		name: "mount rules, and sys_rawio",
		profile: func(t *testing.T) *apparmor.Profile {
			return profile(append(generated(t, "deny mount,", "deny umount,", "deny pivot_root,"), apparmor.CapabilityRule{Name: "sys_rawio"})...)
		},
		want:     spo.AppArmorAbstract{Network: quiet, Capability: &spo.AppArmorCapabilities{AllowedCapabilities: []string{"sys_rawio"}}},
		warnings: []string{"capability sys_rawio: with it SPO's daemon also allows mount, remount and umount, and running /sbin/fsck and /sbin/fsck.ext4, which this profile does not"},
	}, {
		name:    "complain",
		profile: func(*testing.T) *apparmor.Profile { return profile(apparmor.CapabilityRule{Name: "kill"}) },
		opts:    spo.AppArmorOptions{Complain: true},
		want:    spo.AppArmorAbstract{Network: quiet, Capability: &spo.AppArmorCapabilities{AllowedCapabilities: []string{"kill"}}},
		mode:    "Complain",
		none:    true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.profile(t)
			doc, warnings, err := spo.AppArmorProfile(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			name := tc.opts.Name
			if name == "" {
				name = p.Name
			}
			if doc.APIVersion != "security-profiles-operator.x-k8s.io/v1" || doc.Kind != "AppArmorProfile" || doc.Metadata.Name != name || doc.LocalhostProfile() != name {
				t.Errorf("got %s %s %s (localhost profile %s), want an AppArmorProfile of v1 named %s", doc.APIVersion, doc.Kind, doc.Metadata.Name, doc.LocalhostProfile(), name)
			}
			if !reflect.DeepEqual(doc.Spec.Abstract, tc.want) {
				t.Errorf("abstract:\n%s\nwant\n%s", dump(t, doc.Spec.Abstract), dump(t, tc.want))
			}
			if doc.Spec.Mode != tc.mode {
				t.Errorf("mode %q, want %q", doc.Spec.Mode, tc.mode)
			}
			if tc.none && len(warnings) > 0 {
				t.Errorf("warnings, want none:\n%s", strings.Join(warnings, "\n"))
			}
			at := 0
			for _, want := range tc.warnings {
				i := slices.IndexFunc(warnings[at:], func(w string) bool { return strings.Contains(w, want) })
				if i < 0 {
					t.Errorf("no warning after the %dth says %q; the warnings:\n%s", at, want, strings.Join(warnings, "\n"))
					continue
				}
				at += i + 1
			}
			for _, w := range warnings {
				if !strings.HasPrefix(w, "AppArmorProfile "+name+": ") {
					t.Errorf("warning %q does not name AppArmorProfile %s", w, name)
				}
			}
			if !tc.none && len(warnings) != len(tc.warnings) {
				t.Errorf("%d warnings, want %d:\n%s", len(warnings), len(tc.warnings), strings.Join(warnings, "\n"))
			}
			yamlRoundTrip(t, doc)
		})
	}
}

func dump(t *testing.T, v any) string {
	t.Helper()
	out, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestAppArmorProfileRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile *apparmor.Profile
		opts    spo.AppArmorOptions
		err     error
		says    string
	}{
		{"the runtimes' own", profile(), spo.AppArmorOptions{Name: "docker-default"}, spo.ErrBadName, "SPO refuses the container runtimes' own profile names"},
		{"containerd's", profile(), spo.AppArmorOptions{Name: "cri-containerd.apparmor.d"}, spo.ErrBadName, "runtimes' own"},
		{"CRI-O's, of a version", profile(), spo.AppArmorOptions{Name: "crio-default-1.30"}, spo.ErrBadName, "runtimes' own"},
		{"podman's, of a version", profile(), spo.AppArmorOptions{Name: "containers-default-0.59.1"}, spo.ErrBadName, "runtimes' own"},
		{"not a Kubernetes name", &apparmor.Profile{Name: "Web_1"}, spo.AppArmorOptions{}, spo.ErrBadName, `try "web-1"`},
		{"too long", profile(), spo.AppArmorOptions{Name: strings.Repeat("a", spo.MaxNameLen+1)}, spo.ErrBadName, "an AppArmorProfile's name"},
		{"a path SPO's pattern refuses", profile(apparmor.FileRule{Pattern: "/srv/a:b{,/**}", Perms: "rwlk"}), spo.AppArmorOptions{},
			apparmor.ErrBadRule, `AppArmorProfile web: rule "/srv/a:b{,/**} rwlk,": invalid rule: SPO's paths hold only`},
		{"a library climbing out", profile(apparmor.FileRule{Pattern: "/..lib", Perms: "mr"}), spo.AppArmorOptions{},
			apparmor.ErrBadRule, `SPO takes no program or library path with /.. in it, as "/..lib"`},
		{"a rule that does not validate", profile(apparmor.FileRule{Pattern: "/www", Perms: "rq"}), spo.AppArmorOptions{}, apparmor.ErrBadRule, "file permissions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, warnings, err := spo.AppArmorProfile(tc.profile, tc.opts)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line wrapping %v that says %q", err, tc.err, tc.says)
			}
			if doc != nil || warnings != nil {
				t.Errorf("got a resource %v and warnings %q with the error", doc, warnings)
			}
		})
	}
}

// decodeStrict decodes a YAML stream of AppArmorProfiles into SPO's
// schema, written apart from package spo's types (spoproof.Doc),
// refusing a field it does not have.
func decodeStrict(t *testing.T, stream []byte) []*spoproof.Doc {
	t.Helper()
	docs, err := spoproof.Decode(stream)
	if err != nil {
		t.Fatalf("the stream does not decode into SPO's schema: %v\n%s", err, stream)
	}
	return docs
}

// yamlRoundTrip checks that doc's YAML decodes strictly into SPO's
// schema, passes its validation, and says the same once encoded again:
// nothing is lost or added on the way.
func yamlRoundTrip(t *testing.T, doc *spo.AppArmorProfileDoc) {
	t.Helper()
	text, err := doc.YAML()
	if err != nil {
		t.Fatal(err)
	}
	docs := decodeStrict(t, text)
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1:\n%s", len(docs), text)
	}
	d := docs[0]
	if d.APIVersion != spo.APIVersion || d.Kind != spo.KindAppArmorProfile || d.Metadata.Name != doc.Metadata.Name {
		t.Errorf("decoded as %s %s %s", d.APIVersion, d.Kind, d.Metadata.Name)
	}
	for _, b := range d.Invalid() {
		t.Errorf("SPO's API refuses %s:\n%s", b, text)
	}
	again, err := yaml.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	if err := yaml.Unmarshal(text, &before); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(again, &after); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the YAML changed on its way through SPO's schema:\n%s\nbecame\n%s", text, again)
	}
}

// A golden case is an inspect fixture that confine apparmor has golden
// profiles for (testdata/apparmor/NAME), with the options they were made
// with: its AppArmorProfiles, each after its warnings, are compared with
// testdata/apparmorprofile/NAME.golden.
type golden struct {
	name, fixture string
	options       string // as the golden's header says them
	opts          apparmor.Options
}

func goldens(t *testing.T) []golden {
	t.Helper()
	root := testutil.RepoRoot()
	dirs, err := os.ReadDir(filepath.Join(root, "testdata", "apparmor"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []golden
	for _, d := range dirs {
		if d.IsDir() && d.Name() != "options" {
			cases = append(cases, golden{name: d.Name(), fixture: "testdata/inspect/" + d.Name() + ".json"})
		}
	}
	if len(cases) == 0 {
		t.Fatal("no golden profiles in testdata/apparmor")
	}
	// As testdata/apparmor/options has them.
	web := "testdata/inspect/docker-20.10-web.json"
	return append(cases,
		golden{name: "options/full-network", fixture: web, options: "--full-network-access", opts: apparmor.Options{FullNetwork: true}},
		golden{name: "options/name", fixture: web, options: "NAME web.v2", opts: apparmor.Options{Name: "web.v2"}},
	)
}

// TestGolden writes the AppArmorProfiles of every golden case, checks
// each round-trips through SPO's schema, and compares the stream with
// its golden file. The file's header names the fixture, which the proof
// of internal/spoproof reads.
func TestGolden(t *testing.T) {
	for _, g := range goldens(t) {
		t.Run(g.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), g.fixture))
			if err != nil {
				t.Fatal(err)
			}
			cs, err := inspect.Parse(bytes.NewReader(data), "")
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			out.WriteString("# The AppArmorProfiles confine writes for the containers of\n")
			out.WriteString("# inspect: " + g.fixture + "\n")
			if g.options != "" {
				out.WriteString("# options: " + g.options + "\n")
			}
			for i, c := range cs {
				opts := g.opts
				if c.Name == "" {
					opts.Name = "unnamed" // a bare OCI config names no container
				}
				p, err := apparmor.Generate(c, opts)
				if err != nil {
					t.Fatal(err)
				}
				doc, warnings, err := spo.AppArmorProfile(p, spo.AppArmorOptions{})
				if err != nil {
					t.Fatalf("container %s: %v", c.Name, err)
				}
				yamlRoundTrip(t, doc)
				text, err := doc.YAML()
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					out.WriteString("---\n")
				}
				for _, w := range warnings {
					out.WriteString("# warning: " + w + "\n")
				}
				out.Write(text)
			}
			file := filepath.Join(testutil.RepoRoot(), "pkg", "spo", "testdata", "apparmorprofile", filepath.FromSlash(g.name)+".golden")
			testutil.Golden(t, file, out.Bytes())
			if docs := decodeStrict(t, out.Bytes()); len(docs) != len(cs) {
				t.Errorf("the golden stream holds %d documents, want %d", len(docs), len(cs))
			}
		})
	}
}
