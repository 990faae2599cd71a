package policy_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/audit"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/templates"
)

// fake is a small host: /srv/www holds web content and a CGI directory,
// /srv/data is plain var_t, three ports are labelled, /dev/fuse is a
// character device and /dev/sda a block device, and the policy lacks
// sge_spool_t, capability2's checkpoint_restore and the domains of the
// container modules nosuch and later.
func fake() *host.Fake {
	return &host.Fake{
		Labels: map[string]host.Label{
			"/srv/www":                        {Type: "httpd_sys_content_t", Source: "file_contexts:10"},
			"/srv/data":                       {Type: "var_t", Source: "file_contexts:2"},
			"/srv/old":                        {Type: "sge_spool_t", Source: "file_contexts:99"},
			"/home/alice/src":                 {Type: "user_home_t", Source: "file_contexts.homedirs:5"},
			"/dev/fuse":                       {Type: "fuse_device_t", Source: "file_contexts:50"},
			"/dev/sda":                        {Type: "fixed_disk_device_t", Source: "file_contexts:51"},
			"/var/lib/docker/volumes/v/_data": {Type: "container_var_lib_t", Source: "file_contexts:70"},
			"/home/bob":                       {Type: "user_home_dir_t", Source: "file_contexts.homedirs:3"},
			"/srv/site":                       {Type: "httpd_sys_content_t", Source: "file_contexts:10"},
			"/srv/app.conf":                   {Type: "etc_t", Source: "file_contexts:20"},
			"/run/app/app.sock":               {Type: "var_run_t", Source: "file_contexts:30"},
			"/srv/pipe":                       {Type: "var_t", Source: "file_contexts:2"},
			"/run/docker.sock":                {Type: "container_var_run_t", Source: "file_contexts:31"},
		},
		Below: map[string][]host.TypeSource{
			"/srv/www":  {{Type: "httpd_sys_script_exec_t", Source: "file_contexts:11"}},
			"/srv/data": {{Type: "httpd_sys_content_t", Source: "file_contexts:10"}},
			// A home with keys in it, and files of its own found there.
			"/home/bob": {
				{Type: "user_home_t", Source: "file_contexts.homedirs:5", Path: "/home/bob/notes.txt", Count: 3, Classes: []string{"dir", "file"}},
				{Type: "ssh_home_t", Source: "file_contexts.homedirs:21", Path: "/home/bob/.ssh", Count: 2, Classes: []string{"dir", "file"}},
				{Type: "gpg_secret_t", Source: "file_contexts.homedirs:35"},
			},
			// A web root whose files are there: content read-only, a
			// socket and a symlink among them.
			"/srv/site": {
				{Type: "httpd_sys_content_t", Source: "file_contexts:10", Path: "/srv/site/index.html", Count: 4, Classes: []string{"file", "lnk_file"}},
				{Type: "httpd_var_run_t", Source: "file_contexts:12", Path: "/srv/site/app.sock", Count: 1, Classes: []string{"sock_file"}},
			},
		},
		Kinds:       map[string]string{"/srv/app.conf": "file", "/run/app/app.sock": "sock_file", "/srv/pipe": "fifo_file"},
		Ports:       map[string]string{"80/tcp": "http_port_t", "53/udp": "dns_port_t", "5000/sctp": "commplex_main_port_t"},
		DefaultPort: "unreserved_port_t",
		Devices:     map[string]string{"/dev/fuse": "chr_file", "/dev/sda": "blk_file"},
		Known: map[string]bool{"sge_spool_t": false, "capability2:checkpoint_restore": false,
			"nosuch.process": false, "later.process": false},
		// later's module is in the store, not yet in the policy.
		Modules: map[string]host.Module{"later": {Store: "/var/lib/selinux/targeted/active/modules", Exists: true, Written: true, Priority: 400}},
	}
}

func bind(source, dest string, ro bool) inspect.Mount {
	return inspect.Mount{Source: source, Destination: dest, ReadOnly: ro, Type: inspect.Bind}
}

// TestEveryBlockInherited generates modules that between them use every
// flag, a port and every special directory, read-only and read-write, and
// checks that the blocks they inherit are exactly templates.Blocks, the
// blocks both flavours' template files define (templates'
// TestBlocksMatchFiles), in its order.
func TestEveryBlockInherited(t *testing.T) {
	all := policy.Options{Name: "every", Flavor: templates.Refpolicy, FullNetwork: true, TTY: true, X: true, Virt: true}
	var inherited []string
	for _, ro := range []bool{true, false} {
		c := inspect.Container{Name: "every", Ports: []inspect.Port{{ContainerPort: 80, Protocol: "tcp"}}}
		for _, dir := range []string{"/home", "/tmp", "/var/log", "/etc"} {
			c.Mounts = append(c.Mounts, bind(dir, "/mnt"+dir, ro))
		}
		m, err := policy.Generate(c, fake(), all)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, tmpl := range m.Templates {
			order = append(order, tmpl.Block)
			inherited = append(inherited, tmpl.Block)
		}
		if !slices.IsSortedFunc(order, func(a, b string) int {
			return slices.Index(templates.Blocks(), a) - slices.Index(templates.Blocks(), b)
		}) {
			t.Errorf("read-only %v: blocks inherited in the order %q, not templates.Blocks' %q", ro, order, templates.Blocks())
		}
	}
	slices.Sort(inherited)
	if got, want := slices.Compact(inherited), slices.Sorted(slices.Values(templates.Blocks())); !slices.Equal(got, want) {
		t.Errorf("the modules inherit %q, the templates define %q", got, want)
	}
}

// TestGenerate compares whole modules, and their warnings, for small
// containers that each show one rule of generation, with golden files in
// testdata/policy/generate.
func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    inspect.Container
		opts policy.Options
	}{
		{"empty", inspect.Container{Name: "bare", Engine: inspect.Docker, ID: "0123456789abcdef0123"}, policy.Options{}},
		{"capabilities", inspect.Container{Name: "caps", Capabilities: []string{"bpf", "checkpoint_restore", "chown", "net_admin", "syslog"}}, policy.Options{}},
		{"caps-flag", inspect.Container{Name: "caps", Capabilities: []string{"chown"}}, policy.Options{Caps: []string{"sys_admin", "perfmon"}}},
		{"caps-none", inspect.Container{Name: "caps", Capabilities: []string{"chown"}}, policy.Options{Caps: []string{}}},
		{"ports", inspect.Container{Name: "web", Ports: []inspect.Port{
			{ContainerPort: 80, Protocol: "tcp", HostPort: 8080},
			{ContainerPort: 80, Protocol: "tcp", HostPort: 8081},
			{ContainerPort: 53, Protocol: "udp", HostPort: 53},
			{ContainerPort: 5000, Protocol: "sctp"},
			{ContainerPort: 9999, Protocol: "tcp", HostPort: 9999},
		}}, policy.Options{}},
		{"mount-ro", inspect.Container{Name: "ro", Mounts: []inspect.Mount{bind("/srv/www", "/www", true)}}, policy.Options{}},
		{"mount-rw", inspect.Container{Name: "rw", Mounts: []inspect.Mount{bind("/srv/data", "/data", false)}}, policy.Options{}},
		// httpd_sys_content_t is met read-only in one mount and writable
		// in the other: one group, with both reasons and the union.
		{"mount-merge", inspect.Container{Name: "both", Mounts: []inspect.Mount{bind("/srv/www", "/www", true), bind("/srv/data", "/data", false)}}, policy.Options{}},
		{"mount-special", inspect.Container{Name: "special", Mounts: []inspect.Mount{
			bind("/home", "/home", true), bind("/tmp", "/tmp", false), bind("/var/log/", "/log", false),
			bind("/etc", "/host/etc", true), bind("/home/alice/src", "/src", false),
		}}, policy.Options{}},
		{"mount-relabel-tmpfs-volume", inspect.Container{Name: "vol", Mounts: []inspect.Mount{
			{Source: "/srv/www", Destination: "/www", Type: inspect.Bind, Relabel: "Z"},
			{Destination: "/run", Type: inspect.Tmpfs},
			{Source: "/var/lib/docker/volumes/v/_data", Destination: "/v", Type: inspect.Volume},
		}}, policy.Options{}},
		{"mount-unknown-type", inspect.Container{Name: "old", Mounts: []inspect.Mount{bind("/srv/old", "/old", false), bind("/nowhere", "/n", false)}}, policy.Options{}},
		{"hand-over", inspect.Container{Name: "danger", Mounts: []inspect.Mount{
			bind("/", "/host", true), bind("/run/docker.sock", "/var/run/docker.sock", false), bind("/proc", "/hostproc", true),
		}}, policy.Options{}},
		{"devices", inspect.Container{Name: "dev", Devices: []inspect.Device{
			{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse", Permissions: "rwm"},
			{HostPath: "/dev/sda", ContainerPath: "/dev/xvda", Permissions: "r"},
		}}, policy.Options{}},
		// /dev/null is not a device here, and no rule is better than
		// no module.
		{"devices-missing", inspect.Container{Name: "dev", Devices: []inspect.Device{
			{HostPath: "/dev/null", Permissions: "rwm"}, {HostPath: "/dev/fuse", Permissions: "rwm"},
		}}, policy.Options{}},
		{"stream-connect", inspect.Container{Name: "client"}, policy.Options{StreamConnect: []string{"db", "nosuch", "later"}}},
		{"devices-flag", inspect.Container{Name: "dev", Devices: []inspect.Device{{HostPath: "/dev/sda", Permissions: "rwm"}}}, policy.Options{Devices: []string{"/dev/fuse"}}},
		{"flags", inspect.Container{Name: "every", Ports: []inspect.Port{{ContainerPort: 80, Protocol: "tcp"}}},
			policy.Options{FullNetwork: true, TTY: true, X: true, Virt: true, StreamConnect: []string{"db", "cache"}}},
		{"privileged-hostnet", inspect.Container{Name: "priv", Privileged: true, NetworkMode: "host",
			Capabilities:             []string{"chown", "mac_admin", "net_admin", "sys_admin", "sys_rawio"},
			UnprivilegedCapabilities: []string{"chown", "net_admin"}}, policy.Options{}},
		// The mount point and the files found below it, each type in the
		// classes its files have; secrets left out unless allowed.
		{"mount-found", inspect.Container{Name: "found", Mounts: []inspect.Mount{bind("/srv/site", "/site", true), bind("/home/bob", "/home/bob", true)}}, policy.Options{}},
		{"mount-secret-allowed", inspect.Container{Name: "keys", Mounts: []inspect.Mount{bind("/home/bob", "/home/bob", true)}}, policy.Options{AllowTypes: []string{"ssh_home_t"}}},
		{"mount-found-rw", inspect.Container{Name: "rw", Mounts: []inspect.Mount{bind("/srv/site", "/site", false)}}, policy.Options{}},
		// Mounts of one object: a file, a FIFO, a socket of unknown
		// purpose, and the docker socket on each flavour.
		{"mount-single", inspect.Container{Name: "single", Mounts: []inspect.Mount{
			bind("/srv/app.conf", "/etc/app.conf", true), bind("/srv/pipe", "/pipe", false), bind("/run/app/app.sock", "/app.sock", true),
		}}, policy.Options{}},
		{"engine-socket-fedora", inspect.Container{Name: "ci", Mounts: []inspect.Mount{bind("/run/docker.sock", "/var/run/docker.sock", false)}}, policy.Options{Flavor: templates.Fedora}},
		{"engine-socket-refpolicy", inspect.Container{Name: "ci", Mounts: []inspect.Mount{bind("/run/docker.sock", "/var/run/docker.sock", false)}}, policy.Options{Flavor: templates.Refpolicy}},
		{"label-disable", inspect.Container{Name: "nolabel", Label: inspect.Label{Disable: true}}, policy.Options{}},
		// -a: the denials of web.process become rules, merged with the
		// mount's own; those of other domains are summed up.
		{"denials", inspect.Container{Name: "web", Mounts: []inspect.Mount{bind("/srv/www", "/www", true)}}, policy.Options{Denials: denials(t, "hand-written.log")}},
		{"denials-secret", inspect.Container{Name: "web"}, policy.Options{Flavor: templates.Refpolicy, Denials: []audit.Denial{
			{SourceType: "web.process", TargetType: "ssh_home_t", Class: "file", Perms: []string{"read"}, Comm: "git", Name: "id_ed25519"},
			{SourceType: "web.process", TargetType: "shadow_t", Class: "file", Perms: []string{"getattr", "read"}, Comm: "sh", Path: "/etc/shadow"},
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Name == "" {
				tc.opts.Name = tc.c.Name
			}
			m, err := policy.Generate(tc.c, fake(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			text, err := m.CIL()
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.Write(text)
			for _, w := range m.Warnings {
				b.WriteString("warning: " + w + "\n")
			}
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "generate", tc.name+".golden"), []byte(b.String()))
		})
	}
}

// denials reads testdata/audit/NAME with pkg/audit.
func denials(t *testing.T, name string) []audit.Denial {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.RepoRoot(), "testdata", "audit", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := audit.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return log.Denials
}

// TestGenerateRefusesInjection checks that names a user or an inspect file
// controls never reach the module unchecked.
func TestGenerateRefusesInjection(t *testing.T) {
	c := inspect.Container{Name: "web"}
	for _, opts := range []policy.Options{
		{Name: "web) (allow process self (capability (sys_admin))"},
		{Name: "web\n"},
		{Name: "web.process"},
		{Name: ""},
		{Name: strings.Repeat("a", policy.MaxNameLen+1)},
		{Name: "web", StreamConnect: []string{"db.process (x)"}},
		{Name: "web", StreamConnect: []string{"db;"}},
	} {
		m, err := policy.Generate(c, fake(), opts)
		if !errors.Is(err, cil.ErrInvalidName) {
			t.Errorf("Generate(%+v) = %v, %v; want ErrInvalidName", opts, m, err)
		}
	}
}

// TestGenerateDeterministic shuffles the input's order and expects the
// same bytes.
func TestGenerateDeterministic(t *testing.T) {
	mounts := []inspect.Mount{bind("/srv/www", "/www", true), bind("/srv/data", "/data", false), bind("/home/alice/src", "/src", false)}
	ports := []inspect.Port{{ContainerPort: 80, Protocol: "tcp"}, {ContainerPort: 53, Protocol: "udp"}}
	caps := []string{"chown", "syslog", "kill"}
	var first string
	for i := range 6 {
		m, p, c := rotate(mounts, i), rotate(ports, i), rotate(caps, i)
		mod, err := policy.Generate(inspect.Container{Name: "web", Mounts: m, Ports: p, Capabilities: c}, fake(), policy.Options{Name: "web"})
		if err != nil {
			t.Fatal(err)
		}
		text, err := mod.CIL()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = string(text)
		} else if string(text) != first {
			t.Fatalf("rotation %d gives a different module:\n%s", i, testutil.Diff([]byte(first), text))
		}
	}
}

func rotate[T any](s []T, n int) []T {
	n %= len(s)
	return append(append([]T(nil), s[n:]...), s[:n]...)
}

// TestSecretTypes checks each flavour's list of secret types against its
// policy: every type is one the policy declares (Debian's for refpolicy,
// Fedora 41's for fedora), with a reason, and the keys a home holds are
// in both.
func TestSecretTypes(t *testing.T) {
	debian, err := policydb.OpenWith(testutil.File(t, hosttest.DebianPolicy), policydb.Options{SkipMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	fedora, err := os.ReadFile(testutil.Shared(t, "policy/fedora-41/declarations.cil"))
	if err != nil {
		t.Fatal(err)
	}
	declares := map[templates.Flavor]func(string) bool{
		templates.Refpolicy: debian.HasType,
		templates.Fedora:    func(typ string) bool { return strings.Contains(string(fedora), "(type "+typ+")") },
	}
	for flavor, has := range declares {
		secrets := policy.SecretTypes(flavor)
		if len(secrets) < 15 {
			t.Errorf("%v: %d secret types, want the whole list", flavor, len(secrets))
		}
		for typ, what := range secrets {
			if !has(typ) {
				t.Errorf("%v: secret type %s is not in the flavour's policy", flavor, typ)
			}
			if what == "" || strings.Contains(what, "\t") {
				t.Errorf("%v: secret type %s says what it holds as %q", flavor, typ, what)
			}
		}
		for _, typ := range []string{"ssh_home_t", "gpg_secret_t", "krb5_keytab_t", "shadow_t"} {
			if _, ok := secrets[typ]; !ok {
				t.Errorf("%v: %s is not a secret type", flavor, typ)
			}
		}
	}
	if all := policy.SecretTypes(0); len(all) <= len(policy.SecretTypes(templates.Fedora)) {
		t.Errorf("the zero flavour has %d secret types, want both flavours'", len(all))
	}
}
