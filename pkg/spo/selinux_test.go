package spo

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/spoproof"
	"github.com/confine-policy/confine/pkg/policy"
)

// web is a module as policy.Generate makes one: the process' own
// capabilities, a port it binds, a mount's type, and a home template.
func web() *policy.Module {
	return &policy.Module{
		Name: "web",
		Templates: []policy.Template{
			{Block: "container"},
			{Block: "home_container", Reasons: []string{"mount /home/x -> /data (ro)"}},
		},
		Groups: []policy.Group{
			{Target: "process", Rules: []policy.Rule{{Class: "capability", Perms: []string{"chown", "net_bind_service"}}}},
			{Target: "http_port_t", Rules: []policy.Rule{{Class: "tcp_socket", Perms: []string{"name_bind"}}}},
			{Target: "httpd_sys_content_t", Rules: []policy.Rule{
				{Class: "dir", Perms: []string{"getattr", "open", "read", "search"}},
				{Class: "file", Perms: []string{"getattr", "open", "read"}},
			}},
		},
	}
}

func TestSelinuxProfile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		module   func() *policy.Module
		opts     Options
		inherit  []string
		allow    Allow
		warnings []string
	}{{
		name:    "kept",
		module:  web,
		inherit: []string{"container", "home_container"},
		allow: Allow{
			"@self":               {"capability": {"chown", "net_bind_service"}},
			"http_port_t":         {"tcp_socket": {"name_bind"}},
			"httpd_sys_content_t": {"dir": {"getattr", "open", "read", "search"}, "file": {"getattr", "open", "read"}},
		},
		warnings: []string{
			"SelinuxProfile web: inherit home_container (mount /home/x -> /data (ro)) kept: SPO inherits only the system profiles its SPOD's spec.selinux.options.allowedSystemProfiles lists, container by default",
			"SelinuxProfile web: class capability: SPO refuses it by default unless the SPOD's spec.selinux.options.allowedClasses lists it; kept in @self capability (chown net_bind_service)",
		},
	}, {
		name:    "dropped, renamed",
		module:  web,
		opts:    Options{Name: "web-k8s", Denied: DropDenied},
		inherit: []string{"container"},
		allow: Allow{
			"http_port_t":         {"tcp_socket": {"name_bind"}},
			"httpd_sys_content_t": {"dir": {"getattr", "open", "read", "search"}, "file": {"getattr", "open", "read"}},
		},
		warnings: []string{
			"SelinuxProfile web-k8s: inherit home_container (mount /home/x -> /data (ro)) left out: SPO inherits only the system profiles its SPOD's spec.selinux.options.allowedSystemProfiles lists, container by default; the container loses what the block grants",
			"SelinuxProfile web-k8s: class capability: SPO refuses it by default; left out of @self capability (chown net_bind_service), so the container is refused it",
		},
	}, {
		name: "denied type and permissions, rules merged",
		module: func() *policy.Module {
			return &policy.Module{Name: "agent", Groups: []policy.Group{
				{Target: "shadow_t", Rules: []policy.Rule{{Class: "file", Perms: []string{"read"}}}},
				{Target: "tmpfs_t", Rules: []policy.Rule{{Class: "dir", Perms: []string{"mounton", "search"}}}},
				{Target: "tmpfs_t", Rules: []policy.Rule{{Class: "dir", Perms: []string{"getattr", "search"}}}},
			}}
		},
		opts:    Options{Denied: DropDenied},
		inherit: []string{"container"},
		allow:   Allow{"tmpfs_t": {"dir": {"getattr", "search"}}},
		warnings: []string{
			"SelinuxProfile agent: type shadow_t: SPO refuses it by default; left out of shadow_t file (read), so the container is refused it",
			"SelinuxProfile agent: permission mounton: SPO refuses it by default; left out of tmpfs_t dir (mounton search), so the container is refused it",
		},
	}, {
		name: "nothing to allow",
		module: func() *policy.Module {
			return &policy.Module{Name: "bare", Templates: []policy.Template{{Block: "container"}}}
		},
		inherit: []string{"container"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			doc, warnings, err := SelinuxProfile(tc.module(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var inherit []string
			for _, r := range doc.Spec.Inherit {
				if r.Kind != SystemKind {
					t.Errorf("inherit %s has kind %s", r.Name, r.Kind)
				}
				inherit = append(inherit, r.Name)
			}
			if !reflect.DeepEqual(inherit, tc.inherit) {
				t.Errorf("inherit = %q, want %q", inherit, tc.inherit)
			}
			if !reflect.DeepEqual(doc.Spec.Allow, tc.allow) {
				t.Errorf("allow = %v, want %v", doc.Spec.Allow, tc.allow)
			}
			if !reflect.DeepEqual(warnings, tc.warnings) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(tc.warnings, "\n"))
			}
			name := tc.opts.Name
			if name == "" {
				name = tc.module().Name
			}
			if doc.Metadata.Name != name || doc.Usage() != name+".process" {
				t.Errorf("named %s, used as %s", doc.Metadata.Name, doc.Usage())
			}
		})
	}
}

// The module's lists are shared between modules (policy.Rule): the
// translation must not sort or merge into them.
func TestSelinuxProfileLeavesModuleAlone(t *testing.T) {
	perms := []string{"write", "read"}
	m := &policy.Module{Name: "m", Groups: []policy.Group{
		{Target: "var_t", Rules: []policy.Rule{{Class: "file", Perms: perms}}},
		{Target: "var_t", Rules: []policy.Rule{{Class: "file", Perms: []string{"append"}}}},
	}}
	doc, _, err := SelinuxProfile(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Spec.Allow["var_t"]["file"]; !reflect.DeepEqual(got, []string{"append", "read", "write"}) {
		t.Errorf("merged = %q", got)
	}
	if !reflect.DeepEqual(perms, []string{"write", "read"}) {
		t.Errorf("the module's list became %q", perms)
	}
}

func TestSelinuxProfileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		module *policy.Module
		opts   Options
		want   error
		text   string
	}{
		{"underscore", &policy.Module{Name: "my_app"}, Options{}, ErrBadName, `invalid profile name "my_app": a SelinuxProfile's name is a lowercase letter followed by lowercase letters, digits and '-', ending in a letter or digit (it names the object and its CIL block); try "my-app"`},
		{"dot", &policy.Module{Name: "web"}, Options{Name: "web.prod"}, ErrBadName, `try "web.prod"`},
		{"upper", &policy.Module{Name: "Web"}, Options{}, ErrBadName, `try "web"`},
		{"digit first", &policy.Module{Name: "web"}, Options{Name: "1web"}, ErrBadName, `try "c-1web"`},
		{"too long", &policy.Module{Name: "a" + strings.Repeat("b", MaxNameLen)}, Options{}, ErrBadName, "invalid profile name"},
		{"template", &policy.Module{Name: "web", Templates: []policy.Template{{Block: "bad block"}}}, Options{}, ErrBadKey, `invalid allow entry: template block "bad block"`},
		{"template @self", &policy.Module{Name: "web", Templates: []policy.Template{{Block: "@self"}}}, Options{}, ErrBadKey, `template block "@self"`},
		{"type", &policy.Module{Name: "web", Groups: []policy.Group{{Target: "a)(b", Rules: []policy.Rule{{Class: "file", Perms: []string{"read"}}}}}}, Options{}, ErrBadKey, `invalid allow entry: type "a)(b"`},
		{"class", &policy.Module{Name: "web", Groups: []policy.Group{{Target: "var_t", Rules: []policy.Rule{{Class: "fi le", Perms: []string{"read"}}}}}}, Options{}, ErrBadKey, `class "fi le"`},
		{"permission", &policy.Module{Name: "web", Groups: []policy.Group{{Target: "var_t", Rules: []policy.Rule{{Class: "file", Perms: []string{"read", "@x"}}}}}}, Options{}, ErrBadKey, `permission "@x" of class file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _, err := SelinuxProfile(tc.module, tc.opts)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %v with %q", err, tc.want, tc.text)
			}
			if doc != nil {
				t.Errorf("a profile along with the error")
			}
		})
	}
}

func TestAdvice(t *testing.T) {
	one, _, err := SelinuxProfile(web(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	other := web()
	other.Name = "db"
	other.Templates = append(other.Templates, policy.Template{Block: "net_container"})
	other.Groups = append(other.Groups, policy.Group{Target: "process", Rules: []policy.Rule{{Class: "capability2", Perms: []string{"syslog"}}}})
	two, _, err := SelinuxProfile(other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := SelinuxProfile(&policy.Module{Name: "plain"}, Options{})
	if err != nil {
		t.Fatal(err)
	}

	if a := Advice("", plain); a != nil {
		t.Errorf("advice for a profile SPO takes: %q", a)
	}
	if !Needs(plain).Empty() {
		t.Errorf("Needs(plain) = %+v", Needs(plain))
	}

	want := SPODSettings{
		AllowedSystemProfiles: []string{"container", "home_container", "net_container"},
		AllowedClasses:        []string{"capability", "capability2"},
	}
	if got := Needs(one, two, plain); !reflect.DeepEqual(got, want) {
		t.Errorf("Needs = %+v, want %+v", got, want)
	}
	patch := `kubectl -n spo patch spod spod --type=merge -p '{"spec":{"selinux":{"options":{"allowedSystemProfiles":["container","home_container","net_container"],"allowedClasses":["capability","capability2"]}}}}'`
	advice := Advice("spo", one, two, plain)
	if len(advice) != 2 || !strings.HasPrefix(advice[0], "the SelinuxProfiles install only once") || !strings.HasSuffix(advice[0], ": "+patch) ||
		!strings.Contains(advice[0], "kubectl -n spo get spod spod") || !strings.Contains(advice[1], "spec.selinuxOptions.allowedSystemProfiles") {
		t.Errorf("Advice:\n%s\nwant one patch:\n%s", strings.Join(advice, "\n"), patch)
	}

	// Classes alone: no v1alpha1 note, which is about system profiles.
	caps := SPODSettings{AllowedPermissions: []string{"mounton", "mounton"}, AllowedTypes: []string{"shadow_t"}}
	if got := caps.KubectlPatch(""); got != `kubectl -n security-profiles-operator patch spod spod --type=merge -p '{"spec":{"selinux":{"options":{"allowedTypes":["shadow_t"],"allowedPermissions":["mounton"]}}}}'` {
		t.Errorf("KubectlPatch = %s", got)
	}
	// container alone is SPO's default: nothing to patch for it.
	if s := (SPODSettings{AllowedSystemProfiles: []string{"container"}}); s.MergePatch() != `{"spec":{"selinux":{"options":{}}}}` {
		t.Errorf("MergePatch = %s", s.MergePatch())
	}
}

func TestSelinuxProfileYAML(t *testing.T) {
	doc, _, err := SelinuxProfile(web(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := doc.YAML()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := spoproof.DecodeSelinux(text)
	if err != nil || len(docs) != 1 {
		t.Fatalf("decoding:\n%s\n%d documents, %v", text, len(docs), err)
	}
	got := docs[0]
	if got.APIVersion != "security-profiles-operator.x-k8s.io/v1" || got.Kind != "SelinuxProfile" || got.Metadata.Name != "web" {
		t.Errorf("header %s %s %s", got.APIVersion, got.Kind, got.Metadata.Name)
	}
	if len(got.Spec.Inherit) != 2 || got.Spec.Inherit[0].Kind != "System" || got.Spec.Inherit[0].Name != "container" {
		t.Errorf("inherit %+v", got.Spec.Inherit)
	}
	if !reflect.DeepEqual(Allow(got.Spec.Allow), doc.Spec.Allow) {
		t.Errorf("allow decoded as %v, written %v", got.Spec.Allow, doc.Spec.Allow)
	}
	// @self is quoted: a bare @ cannot start a YAML scalar.
	if !bytes.Contains(text, []byte("'@self':")) {
		t.Errorf("@self not quoted:\n%s", text)
	}
	again, err := doc.YAML()
	if err != nil || !bytes.Equal(again, text) {
		t.Errorf("a second marshal differs: %v", err)
	}
}
