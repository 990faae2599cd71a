package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/policy"
)

// namesHost is a host whose store holds Debian's mysql module, a module
// confine wrote for web, and nothing else, and whose policy declares
// mysqld_t, web's block (from web's module) and a block of another
// module's, vpnc.
func namesHost() *host.Fake {
	const store = "/var/lib/selinux/default/active/modules"
	return &host.Fake{
		Strict: true,
		Store:  store,
		Known: map[string]bool{
			"mysqld_t": true, "web.process": true, "web.socket": true, "vpnc.helper_t": true,
			"mysql_container": false,
		},
		Modules: map[string]host.Module{
			"mysql": {Store: store, Exists: true, Priority: 100},
			"web":   {Store: store, Exists: true, Written: true, Priority: 400},
			"old":   {Store: store, Exists: true, Priority: 400, Disabled: true},
		},
	}
}

func TestCheckName(t *testing.T) {
	facts := namesHost()
	for _, tc := range []struct {
		name string
		why  string // "" when the name is free
		free string
	}{
		{"redis", "", ""},
		{"web", "", ""}, // confine's own module, written again
		{"mysql", "the host's policy has a module mysql (priority 100, in /var/lib/selinux/default/active/modules) that confine did not write, and semodule -i mysql.cil would replace it", "mysql_container"},
		{"old", "the host's policy has a module old (priority 400, in /var/lib/selinux/default/active/modules) that confine did not write, and semodule -i old.cil would replace it", "old_container"},
		{"container", "it is the name of a template block every module may inherit", "container_container"},
		{"net_container", "it is the name of a template block every module may inherit", "net_container_container"},
		{"base_container", "the template file base_container.cil is installed as a module of that name", "base_container_container"},
		{"mysqld_t", "the host's policy already declares a type or attribute of that name", "mysqld_t_container"},
		{"vpnc", "a module of another name already declares block vpnc in the host's policy", "vpnc_container"},
	} {
		err := policy.CheckName(tc.name, facts)
		if tc.why == "" {
			if err != nil {
				t.Errorf("CheckName(%s) = %v, want nil", tc.name, err)
			}
			continue
		}
		var ne *policy.NameError
		if !errors.As(err, &ne) || !errors.Is(err, policy.ErrNameTaken) {
			t.Errorf("CheckName(%s) = %v, want a NameError", tc.name, err)
			continue
		}
		if ne.Why != tc.why || ne.Free != tc.free {
			t.Errorf("CheckName(%s):\n  why  %q\n  want %q\n  free %s, want %s", tc.name, ne.Why, tc.why, ne.Free, tc.free)
		}
		if want := "module name " + tc.name + ": " + tc.why + "; choose another name, such as " + tc.free; err.Error() != want {
			t.Errorf("CheckName(%s) says\n  %s\nwant\n  %s", tc.name, err, want)
		}
	}
	for _, bad := range []string{"", "my.app", "web)(allow", strings.Repeat("a", policy.MaxNameLen+1), "self"} {
		if err := policy.CheckName(bad, facts); !errors.Is(err, cil.ErrInvalidName) {
			t.Errorf("CheckName(%.20q) = %v, want ErrInvalidName", bad, err)
		}
	}
}

// TestCheckNameSuggestionIsFree takes the first suggestions too: the one
// offered must be free itself.
func TestCheckNameSuggestionIsFree(t *testing.T) {
	facts := namesHost()
	facts.Modules["mysql_container"] = host.Module{Store: "s", Exists: true, Priority: 100}
	facts.Known["mysql_container2.process"] = true // another module's block
	var ne *policy.NameError
	if err := policy.CheckName("mysql", facts); !errors.As(err, &ne) || ne.Free != "mysql_container3" {
		t.Errorf("CheckName(mysql) = %v, want the suggestion mysql_container3", err)
	}
	long := strings.Repeat("m", policy.MaxNameLen)
	facts.Modules[long] = host.Module{Store: "s", Exists: true, Priority: 100}
	if err := policy.CheckName(long, facts); !errors.As(err, &ne) || len(ne.Free) > policy.MaxNameLen || !strings.HasSuffix(ne.Free, "_container") {
		t.Errorf("CheckName(long) = %v, want a suggestion of at most %d bytes", err, policy.MaxNameLen)
	}
}

// TestCheckNameWithoutStore: with no store to look in (--policy), a block
// the policy declares is refused unless it looks like a container's
// module, which may be one confine wrote.
func TestCheckNameWithoutStore(t *testing.T) {
	facts := &host.Fake{Strict: true, Known: map[string]bool{"web.process": true, "vpnc.helper_t": true}}
	if err := policy.CheckName("web", facts); err != nil {
		t.Errorf("CheckName(web) = %v, want nil: web.process is a container's domain", err)
	}
	if err := policy.CheckName("vpnc", facts); !errors.Is(err, policy.ErrNameTaken) {
		t.Errorf("CheckName(vpnc) = %v, want ErrNameTaken", err)
	}
}

func TestCheckModuleName(t *testing.T) {
	facts := namesHost()
	// -o mysqld_t.cil declares no type mysqld_t: only the store matters.
	if err := policy.CheckModuleName("mysqld_t", facts); err != nil {
		t.Errorf("CheckModuleName(mysqld_t) = %v, want nil", err)
	}
	if err := policy.CheckModuleName("mysql", facts); !errors.Is(err, policy.ErrNameTaken) {
		t.Errorf("CheckModuleName(mysql) = %v, want ErrNameTaken", err)
	}
}

func TestNameFor(t *testing.T) {
	facts := namesHost()
	for _, tc := range []struct{ container, name, note string }{
		{"redis", "redis", ""},
		{"/redis", "redis", ""},
		{"web", "web", ""},
		{"my-app.prod-1", "my-app_prod-1", `container my-app.prod-1: module named my-app_prod-1, since "my-app.prod-1" is not a CIL name`},
		{"1web", "c_1web", `container 1web: module named c_1web, since "1web" is not a CIL name`},
		{"mysql", "mysql_container", "container mysql: module named mysql_container, since the host's policy has a module mysql (priority 100, in /var/lib/selinux/default/active/modules) that confine did not write, and semodule -i mysql.cil would replace it"},
		{"my.sql", "my_sql", `container my.sql: module named my_sql, since "my.sql" is not a CIL name`},
		{"self", "c_self", `container self: module named c_self, since "self" is not a CIL name`},
	} {
		name, note, err := policy.NameFor(tc.container, facts)
		if err != nil || name != tc.name || note != tc.note {
			t.Errorf("NameFor(%s) = %s, %q, %v\nwant %s, %q", tc.container, name, note, err, tc.name, tc.note)
		}
		if err := policy.CheckName(name, facts); err != nil {
			t.Errorf("NameFor(%s) = %s, which CheckName refuses: %v", tc.container, name, err)
		}
	}
}

// TestCheckNameEnds checks that a host that says it has every name (a
// lax Fake declares all) gets an error, not an endless search.
func TestCheckNameEnds(t *testing.T) {
	if err := policy.CheckName("web", &host.Fake{}); !errors.Is(err, policy.ErrNameTaken) {
		t.Errorf("CheckName on a host with every name = %v, want ErrNameTaken", err)
	}
}
