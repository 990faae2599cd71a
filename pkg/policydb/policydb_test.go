package policydb_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/pkg/policydb"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name   string
		config string   // etc/selinux/config; none when empty
		files  []string // under etc/selinux
		want   string   // under etc/selinux; empty for ErrNoPolicy
	}{
		{"highest version", "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
			[]string{"targeted/policy/policy.9", "targeted/policy/policy.33", "targeted/policy/policy.31"}, "targeted/policy/policy.33"},
		{"other files ignored", "SELINUXTYPE=default",
			[]string{"default/policy/policy.33", "default/policy/policy.34.bak", "default/policy/policy.034", "default/policy/policy.", "mls/policy/policy.34"},
			"default/policy/policy.33"},
		{"quotes, spaces and comments", "# SELINUXTYPE=mls\n  SELINUXTYPE = \"targeted\" \n",
			[]string{"targeted/policy/policy.33", "mls/policy/policy.33"}, "targeted/policy/policy.33"},
		{"last setting wins", "SELINUXTYPE=mls\nSELINUXTYPE=targeted\n",
			[]string{"targeted/policy/policy.33", "mls/policy/policy.33"}, "targeted/policy/policy.33"},
		{"no config", "", []string{"targeted/policy/policy.33"}, ""},
		{"no type", "SELINUX=enforcing\n", []string{"targeted/policy/policy.33"}, ""},
		{"type leaves /etc/selinux", "SELINUXTYPE=../../tmp\n", nil, ""},
		{"type is a path", "SELINUXTYPE=a/b\n", []string{"a/b/policy/policy.33"}, ""},
		{"no policy directory", "SELINUXTYPE=targeted\n", nil, ""},
		{"no policy file", "SELINUXTYPE=targeted\n", []string{"targeted/policy/policy.bak"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			selinux := filepath.Join(root, "etc", "selinux")
			if err := os.MkdirAll(selinux, 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(selinux, "config"), []byte(tt.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.files {
				path := filepath.Join(selinux, f)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := policydb.Find(root)
			if tt.want == "" {
				if !errors.Is(err, policydb.ErrNoPolicy) {
					t.Errorf("got %q, %v; want ErrNoPolicy", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(selinux, tt.want); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	p, err := policydb.Open(seedPath("full-mls.33"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		kind    policydb.TypeKind
		resolve string
	}{
		{"http_port_t", policydb.Type, "http_port_t"},
		{"www_port_t", policydb.Alias, "http_port_t"},
		{"port_type", policydb.Attribute, "port_type"},
		{"sge_spool_t", policydb.NoType, ""},
		{"tcp_socket", policydb.NoType, ""},
	} {
		if got := p.LookupType(tt.name); got != tt.kind {
			t.Errorf("LookupType(%q) = %v, want %v", tt.name, got, tt.kind)
		}
		if got := p.HasType(tt.name); got != (tt.kind != policydb.NoType) {
			t.Errorf("HasType(%q) = %t", tt.name, got)
		}
		if got, ok := p.Resolve(tt.name); got != tt.resolve || ok != (tt.resolve != "") {
			t.Errorf("Resolve(%q) = %q, %t; want %q", tt.name, got, ok, tt.resolve)
		}
	}

	for _, tt := range []struct {
		class, perm, common string
		has                 bool
	}{
		{"tcp_socket", "name_bind", "socket", true}, // the common's
		{"tcp_socket", "name_connect", "socket", true},
		{"tcp_socket", "execute", "socket", false},
		{"process", "fork", "", true},
		{"no_such_class", "read", "", false},
	} {
		if got := p.HasPermission(tt.class, tt.perm); got != tt.has {
			t.Errorf("HasPermission(%q, %q) = %t", tt.class, tt.perm, got)
		}
		if got := p.Common(tt.class); got != tt.common {
			t.Errorf("Common(%q) = %q, want %q", tt.class, got, tt.common)
		}
	}
	if p.HasClass("no_such_class") || !p.HasClass("tcp_socket") {
		t.Error("HasClass is wrong")
	}

	for _, tt := range []struct {
		name      string
		state, ok bool
	}{
		{"container_manage_cgroup", false, true},
		{"container_use_devices", true, true},
		{"no_such_boolean", false, false},
	} {
		if state, ok := p.Boolean(tt.name); state != tt.state || ok != tt.ok {
			t.Errorf("Boolean(%q) = %t, %t; want %t, %t", tt.name, state, ok, tt.state, tt.ok)
		}
	}
}

func TestProtocols(t *testing.T) {
	for _, tt := range []struct {
		name  string
		proto policydb.Protocol
	}{
		{"tcp", policydb.TCP},
		{"udp", policydb.UDP},
		{"sctp", policydb.SCTP},
		{"dccp", policydb.DCCP},
	} {
		got, err := policydb.ParseProtocol(tt.name)
		if err != nil || got != tt.proto || got.String() != tt.name {
			t.Errorf("ParseProtocol(%q) = %v (%d), %v", tt.name, got, got, err)
		}
	}
	for _, name := range []string{"", "TCP", "icmp", "6"} {
		if _, err := policydb.ParseProtocol(name); err == nil {
			t.Errorf("ParseProtocol(%q) succeeded", name)
		}
	}
	if got := policydb.Protocol(1).String(); got != "1" {
		t.Errorf("Protocol(1).String() = %q", got)
	}
}

func TestParsePortRange(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want policydb.PortRange
		err  bool
	}{
		{in: "8080/tcp", want: policydb.PortRange{Protocol: policydb.TCP, Low: 8080, High: 8080}},
		{in: "9000-9010/udp", want: policydb.PortRange{Protocol: policydb.UDP, Low: 9000, High: 9010}},
		{in: "0-65535/dccp", want: policydb.PortRange{Protocol: policydb.DCCP, Low: 0, High: 65535}},
		{in: "8080", err: true},
		{in: "8080/icmp", err: true},
		{in: "65536/tcp", err: true},
		{in: "10-9/tcp", err: true},
		{in: "-9/tcp", err: true},
		{in: "/tcp", err: true},
	} {
		got, err := policydb.ParsePortRange(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParsePortRange(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

// TestHasBlock compiles a module with a block on the small base: the
// binary policy keeps the block only as the names declared in it.
func TestHasBlock(t *testing.T) {
	module := filepath.Join(t.TempDir(), "web.cil")
	if err := os.WriteFile(module, []byte("(block web (type process) (roletype object_r process))\n(type webapp_t)\n(roletype object_r webapp_t)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policydb.Open(seltest.Compile(t, append(seltest.Mini(), module)...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want bool
	}{
		{"web", true},
		{"webapp_t", false}, // a type, not a block
		{"we", false},
		{"process", false},
		{"", false},
	} {
		if got := p.HasBlock(tt.name); got != tt.want {
			t.Errorf("HasBlock(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
	if !p.HasType("web.process") {
		t.Error("HasType(web.process) = false")
	}
}
