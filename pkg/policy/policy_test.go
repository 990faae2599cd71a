package policy_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
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
		},
		Below: map[string][]host.TypeSource{
			"/srv/www":  {{Type: "httpd_sys_script_exec_t", Source: "file_contexts:11"}},
			"/srv/data": {{Type: "httpd_sys_content_t", Source: "file_contexts:10"}},
		},
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
		{"privileged-hostnet", inspect.Container{Name: "priv", Privileged: true, NetworkMode: "host"}, policy.Options{}},
		{"label-disable", inspect.Container{Name: "nolabel", Label: inspect.Label{Disable: true}}, policy.Options{}},
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
