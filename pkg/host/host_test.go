package host_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/templates"
)

// TestOffline asks an offline host every kind of question and compares the
// whole transcript with a golden file.
func TestOffline(t *testing.T) {
	root := hosttest.OfflineRoot(t)
	s := host.Open(host.Options{Root: root})
	if s.Live() {
		t.Fatal("a host read from --root must never use live labels")
	}
	var b strings.Builder
	for _, path := range []string{
		"/srv", "/srv/www", "/srv/www/index.html", "/srv/cache", "/var/cache",
		"/var/lib64", "/var/run", "/home/alice", "/home/alice/src", "/tmp/scratch", "/nowhere",
	} {
		l, err := s.Label(path)
		fmt.Fprintf(&b, "label %s\t%s\t%s\t%q\t%v\n", path, l.Context, l.Source, l.Warning, err)
	}
	for _, dir := range []string{"/srv", "/srv/www", "/var", "/var/lib", "/home", "/home/alice/src", "/tmp/scratch"} {
		ts, err := s.Types(dir)
		fmt.Fprintf(&b, "types %s\terr=%v warnings=%q\n", dir, err, ts.Warnings)
		for _, t := range ts.Types {
			fmt.Fprintf(&b, "\t%s\t%s\tpredicted=%v\n", t.Type, t.Source, t.Predicted())
		}
	}
	for _, q := range []struct {
		proto string
		port  uint16
	}{{"tcp", 80}, {"tcp", 8080}, {"tcp", 443}, {"tcp", 9000}, {"udp", 53}, {"sctp", 80}, {"tcp", 0}, {"dccp", 5000}, {"icmp", 1}} {
		p, err := s.Port(q.proto, q.port)
		fmt.Fprintf(&b, "port %d/%s\t%s\t%s\t%q\t%v\n", q.port, q.proto, p.Type, p.Source, p.Warning, err)
	}
	for _, path := range []string{"/dev/null", "/dev/sda", "/dev/fuse", "/dev/tty9"} {
		d, err := s.Device(path)
		fmt.Fprintf(&b, "device %s\t%s\t%s\t%s\t%q\t%v\n", path, d.Class, d.Label.Context, d.Label.Source, d.Warning, err)
	}
	p, err := s.Policy()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"http_port_t", "container_file_t", "file_type"} {
		fmt.Fprintf(&b, "type %s\t%v\n", name, p.HasType(name))
	}
	for _, c := range [][2]string{{"capability2", "bpf"}, {"capability2", "nonesuch"}, {"tcp_socket", "name_bind"}, {"nonesuch", "read"}} {
		fmt.Fprintf(&b, "class %s %s\t%v %v\n", c[0], c[1], p.HasClass(c[0]), p.HasPermission(c[0], c[1]))
	}
	name, err := s.PolicyName()
	fmt.Fprintf(&b, "policy name %s %v\n", name, err)
	got := strings.ReplaceAll(b.String(), root, "ROOT")
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "host", "offline.golden"), []byte(got))
}

// TestOfflineMissingTree checks that a root without a policy says so
// when first asked, naming what is missing.
func TestOfflineMissingTree(t *testing.T) {
	root := t.TempDir()
	s := host.Open(host.Options{Root: root})
	_, err := s.Label("/srv")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "etc", "selinux", "config")) {
		t.Fatalf("Label on an empty root: err = %v, want one naming the missing config", err)
	}
	_, err = s.Port("tcp", 80)
	if err == nil {
		t.Fatal("Port on an empty root: no error")
	}
}

func TestFake(t *testing.T) {
	f := &host.Fake{
		Labels: map[string]host.Label{
			"/srv/www": {Context: "system_u:object_r:httpd_sys_content_t:s0", Type: "httpd_sys_content_t", Source: "file_contexts:3"},
		},
		Below: map[string][]host.TypeSource{
			"/srv/www": {
				{Type: "httpd_sys_script_exec_t", Source: "file_contexts:4", Path: "/srv/www/cgi-bin", Count: 3, Classes: []string{"dir", "file"}},
				{Type: "httpd_sys_content_t", Source: "file_contexts:9", Path: "/srv/www/a", Count: 1, Classes: []string{"file"}},
				{Type: "httpd_sys_htaccess_t", Source: "file_contexts:12"},
			},
		},
		Kinds:       map[string]string{"/run/app.sock": "sock_file"},
		Ports:       map[string]string{"80/tcp": "http_port_t"},
		DefaultPort: "port_t",
		Devices:     map[string]string{"/dev/fuse": "chr_file"},
		Known:       map[string]bool{"sge_spool_t": false},
	}
	ts, _ := f.Types("/srv/www")
	if got := fmt.Sprint(ts.Types); got != "[{httpd_sys_content_t file_contexts:3 /srv/www 2 [dir file]} {httpd_sys_htaccess_t file_contexts:12  0 []} {httpd_sys_script_exec_t file_contexts:4 /srv/www/cgi-bin 3 [dir file]}]" {
		t.Errorf("Types = %s", got)
	}
	if ts, _ := f.Types("/run/app.sock"); ts.Class != "sock_file" || len(ts.Types) != 0 {
		t.Errorf("Types(/run/app.sock) = %+v, want a socket with no label", ts)
	}
	if p, _ := f.Port("tcp", 8080); p.Type != "port_t" || p.Source != host.SourceDefault || p.Warning == "" {
		t.Errorf("Port(8080) = %+v, want the default type with a warning", p)
	}
	if _, err := f.Device("/dev/null"); !errors.Is(err, host.ErrNotDevice) {
		t.Errorf("Device(/dev/null) err = %v, want ErrNotDevice", err)
	}
	p, _ := f.Policy()
	if p.HasType("sge_spool_t") || !p.HasType("http_port_t") {
		t.Error("Fake policy: Known is not honoured")
	}
	f.Strict = true
	if p.HasType("http_port_t") {
		t.Error("strict Fake policy knows a name missing from Known")
	}
}

// TestModule asks a host read from --root what its module store holds:
// a module the host has, one confine wrote, and names it has not; and a
// host without a store, or with an explicit policy file, has none.
func TestModule(t *testing.T) {
	root := hosttest.OfflineRoot(t)
	if m, err := host.Open(host.Options{Root: root}).Module("web"); err != nil || m != (host.Module{}) {
		t.Errorf("Module(web) without a store = %+v, %v; want nothing", m, err)
	}
	modules := filepath.Join(root, "var", "lib", "selinux", "testpol", "active", "modules")
	for path, text := range map[string]string{
		"100/mysql/cil": "(type mysqld_t)\n",
		"400/web/cil":   "(block web (blockinherit container))\n",
		"disabled/old":  "",
		"100/old/cil":   "(type old_t)\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(modules, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(modules, path), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := host.Open(host.Options{Root: root})
	for _, tc := range []struct {
		name string
		want host.Module
	}{
		{"mysql", host.Module{Store: modules, Exists: true, Priority: 100}},
		{"web", host.Module{Store: modules, Exists: true, Written: true, Priority: 400}},
		{"old", host.Module{Store: modules, Exists: true, Priority: 100, Disabled: true}},
		{"redis", host.Module{Store: modules}},
	} {
		if got, err := s.Module(tc.name); err != nil || got != tc.want {
			t.Errorf("Module(%s) = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	explicit := host.Open(host.Options{Policy: hosttest.DebianPolicy})
	if m, err := explicit.Module("mysql"); err != nil || m != (host.Module{}) {
		t.Errorf("Module(mysql) with --policy = %+v, %v; want no store", m, err)
	}
}

// TestFlavor builds roots that differ in one fact each: the policy's name,
// and whether container-selinux's template directory is installed.
func TestFlavor(t *testing.T) {
	root := func(t *testing.T, policyType string, udica string) string {
		t.Helper()
		dir := t.TempDir()
		put := func(name string, data string) {
			t.Helper()
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if policyType != "" {
			put("etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE="+policyType+"\n")
			put("etc/selinux/"+policyType+"/policy/policy.33", "")
		}
		switch udica {
		case "dir":
			if err := os.MkdirAll(filepath.Join(dir, templates.Fedora.Dir()), 0o755); err != nil {
				t.Fatal(err)
			}
		case "file": // a file where the directory goes is no template set
			put(templates.Fedora.Dir(), "")
		}
		return dir
	}
	for _, tt := range []struct {
		policyType, udica string
		want              templates.Flavor
	}{
		{"targeted", "", templates.Fedora},
		{"default", "", templates.Refpolicy},
		{"", "", templates.Refpolicy},
		{"default", "dir", templates.Fedora},
		{"mls", "dir", templates.Fedora},
		{"", "dir", templates.Fedora},
		{"default", "file", templates.Refpolicy},
	} {
		s := host.Open(host.Options{Root: root(t, tt.policyType, tt.udica)})
		if got := s.Flavor(); got != tt.want {
			t.Errorf("policy %q, udica templates %q: Flavor() = %v, want %v", tt.policyType, tt.udica, got, tt.want)
		}
	}
}
