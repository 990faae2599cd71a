package recipe_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/recipe"
	"github.com/confine-policy/confine/templates"
)

// webModule is a module that inherits two template files.
var webModule = &policy.Module{Name: "web", Templates: []policy.Template{
	{Block: "container"}, {Block: "restricted_net_container"}, {Block: "home_container"},
}}

// fakeRoot lays out a host root: Debian's marker, the policy source and
// development Makefile when asked, and confine's templates in
// /usr/share/confine/templates, all or some of them, or changed.
func fakeRoot(t *testing.T, debian, source bool, tmpl string) string {
	t.Helper()
	root := t.TempDir()
	touch := func(rel, data string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if debian {
		touch("etc/debian_version", "12.8\n")
	}
	if source {
		touch("usr/src/selinux-policy-src.tar.zst", "")
		touch("usr/share/selinux/devel/Makefile", "")
	}
	if tmpl != "" {
		dir := filepath.Join(root, templates.Refpolicy.Dir())
		if _, err := confine.WriteTemplates(dir); err != nil {
			t.Fatal(err)
		}
		switch tmpl {
		case "some":
			if err := os.Remove(filepath.Join(dir, "home_container.cil")); err != nil {
				t.Fatal(err)
			}
		case "changed":
			touch(filepath.Join(templates.Refpolicy.Dir(), "net_container.cil"), "; an older confine's\n")
		}
	}
	return root
}

// TestRecipe writes the recipe for each kind of host and compares it with
// testdata/recipe/NAME.golden, with the commands Load returns and the
// warnings.
func TestRecipe(t *testing.T) {
	withModule := &host.Fake{Strict: true, Known: map[string]bool{"container_runtime_t": true}}
	without := &host.Fake{Strict: true}
	for _, tc := range []struct {
		name   string
		flavor templates.Flavor
		root   string
		pol    host.Facts
	}{
		{"fedora", templates.Fedora, fakeRoot(t, false, false, ""), withModule},
		{"fedora-no-container-selinux", templates.Fedora, fakeRoot(t, false, false, ""), without},
		{"refpolicy-templates-installed", templates.Refpolicy, fakeRoot(t, true, true, "all"), withModule},
		{"refpolicy-templates-missing", templates.Refpolicy, fakeRoot(t, true, true, ""), withModule},
		{"refpolicy-templates-partly", templates.Refpolicy, fakeRoot(t, true, true, "some"), withModule},
		{"refpolicy-templates-changed", templates.Refpolicy, fakeRoot(t, true, true, "changed"), withModule},
		{"debian-no-container-module", templates.Refpolicy, fakeRoot(t, true, true, ""), without},
		{"debian-no-policy-source", templates.Refpolicy, fakeRoot(t, true, false, ""), without},
		{"refpolicy-not-debian", templates.Refpolicy, fakeRoot(t, false, false, ""), without},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol, err := tc.pol.Policy()
			if err != nil {
				t.Fatal(err)
			}
			r, err := recipe.New(webModule, "web.cil", recipe.Options{Flavor: tc.flavor, Root: tc.root, Policy: pol})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := r.Write(&b); err != nil {
				t.Fatal(err)
			}
			b.WriteString("-- Load --\n")
			for _, c := range r.Load() {
				b.WriteString(c + "\n")
			}
			b.WriteString("-- warnings --\n")
			for _, w := range r.Warnings {
				b.WriteString(w + "\n")
			}
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "recipe", tc.name+".golden"), []byte(b.String()))
		})
	}
}

// TestRecipeUdicaText checks the lines scripts written for udica read:
// the same words, the trailing space after "using:", and no braces around
// a single template file.
func TestRecipeUdicaText(t *testing.T) {
	pol, _ := (&host.Fake{}).Policy()
	r, err := recipe.New(&policy.Module{Name: "my_container", Templates: []policy.Template{{Block: "container"}}}, "my_container.cil",
		recipe.Options{Flavor: templates.Fedora, Root: t.TempDir(), Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nPolicy my_container created!\n\nPlease load these modules using: \n# semodule -i my_container.cil /usr/share/udica/templates/base_container.cil\n\n",
		"Restart the container with: \"--security-opt label=type:my_container.process\" parameter\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("recipe lacks %q:\n%s", want, b.String())
		}
	}
	if r.SecurityOpt() != "label=type:my_container.process" || r.Domain() != "my_container.process" {
		t.Errorf("SecurityOpt() = %q, Domain() = %q", r.SecurityOpt(), r.Domain())
	}
}
