package load_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/pkg/load"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/templates"
)

// templateModules are confine's templates as Install takes them.
func templateModules(t *testing.T) []load.Module {
	t.Helper()
	var mods []load.Module
	for _, f := range templates.Files() {
		data, err := templates.Data(f)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, load.Module{Name: strings.TrimSuffix(f, ".cil"), CIL: data, IfChanged: true})
	}
	return mods
}

// TestInstall installs the templates and a module into a copy of the
// store, in one transaction, and reads the policy semodule built with
// pkg/policydb; installs a second module, which leaves the templates
// alone; and has a module naming a type the policy lacks refused with
// semodule's message, the store unchanged.
func TestInstall(t *testing.T) {
	root := seltest.ContainerStore(t)
	ctx := context.Background()
	opts := load.Options{Root: root, Store: seltest.Store}
	web := load.Module{Name: "web", CIL: []byte("(block web\n    (blockinherit container)\n    (blockinherit net_container)\n)\n"), Domain: "web.process"}

	res, err := load.Install(ctx, append(templateModules(t), web), opts)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range templateModules(t) {
		want = append(want, m.Name)
	}
	want = append(want, "web")
	if !slices.Equal(res.Installed, want) || len(res.Unchanged) != 0 {
		t.Errorf("Install: installed %q, unchanged %q; want all of %q installed", res.Installed, res.Unchanged, want)
	}
	if got := strings.Join(res.Command, " "); !strings.HasPrefix(got, "semodule -n -p "+root+" -s default -i base_container.cil -i ") || !strings.HasSuffix(got, " -i web.cil") {
		t.Errorf("Command = %q", got)
	}
	have := seltest.Listed(t, root)
	for _, name := range want {
		if !slices.Contains(have, name) {
			t.Errorf("semodule -l does not list %s", name)
		}
	}
	// The proof is read here again, not taken from Install's word.
	if res.Policy != filepath.Join(root, "etc/selinux/default/policy/policy.33") {
		t.Errorf("checked %s, want the store's policy.33", res.Policy)
	}
	pol, err := policydb.OpenWith(res.Policy, policydb.Options{SkipMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"web.process", "web.socket"} {
		if !pol.HasType(typ) {
			t.Errorf("the policy semodule built lacks %s", typ)
		}
	}

	db := load.Module{Name: "db", CIL: []byte("(block db\n    (blockinherit container)\n)\n"), Domain: "db.process"}
	res, err = load.Install(ctx, append(templateModules(t), db), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Installed, []string{"db"}) || len(res.Unchanged) != len(templates.Files()) {
		t.Errorf("second Install: installed %q, unchanged %q; want only db installed", res.Installed, res.Unchanged)
	}

	// Debian's own module of a name a container could have.
	if _, err := load.Install(ctx, []load.Module{{Name: "mysql", CIL: []byte("(block mysql\n    (blockinherit container)\n)\n"), Domain: "mysql.process"}}, opts); !errors.Is(err, load.ErrNotOurs) {
		t.Errorf("Install over the host's module mysql: %v, want ErrNotOurs", err)
	}

	was, wasListed := seltest.StoreHash(t, root), seltest.Listed(t, root)
	broken := load.Module{Name: "broken", CIL: []byte("(block broken\n    (blockinherit container)\n    (allow process confine_missing_t (file (read)))\n)\n"), Domain: "broken.process"}
	_, err = load.Install(ctx, []load.Module{broken}, opts)
	if !errors.Is(err, load.ErrSemodule) || !strings.HasSuffix(err.Error(), " (broken.cil:3: (allow process confine_missing_t (file (read))))") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Install of a module naming an unknown type: %v; want one line wrapping ErrSemodule that names the type", err)
	}
	t.Logf("refused as it should be: %v", err)
	if !maps.Equal(seltest.StoreHash(t, root), was) {
		t.Error("a refused install changed the store")
	}
	if now := seltest.Listed(t, root); !slices.Equal(now, wasListed) {
		t.Errorf("semodule -l after a refused install: %q, want %q", now, wasListed)
	}
}

// TestInstallChecks covers what Install refuses before it runs semodule,
// and a semodule that says it succeeded without installing anything.
func TestInstallChecks(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	if _, err := load.Install(ctx, nil, load.Options{Root: root}); err == nil || !errors.Is(err, policydb.ErrNoPolicy) {
		t.Errorf("Install under a root without a config: %v, want ErrNoPolicy", err)
	}
	put := func(name, data string) {
		t.Helper()
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("etc/selinux/config", "SELINUXTYPE=default\n")
	put("var/lib/selinux/default/active/modules/100/base/cil", "(type kernel_t)\n")
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := load.Install(ctx, []load.Module{{Name: name}}, load.Options{Root: root}); !errors.Is(err, load.ErrBadName) {
			t.Errorf("Install of module %q: %v, want ErrBadName", name, err)
		}
	}
	// A semodule that does nothing and exits 0.
	fake := filepath.Join(t.TempDir(), "semodule")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := load.Install(ctx, []load.Module{{Name: "web", CIL: []byte("(block web)\n")}}, load.Options{Root: root, Semodule: fake})
	if !errors.Is(err, load.ErrNotLoaded) || !strings.Contains(err.Error(), "does not list web") {
		t.Errorf("Install with a semodule that installs nothing: %v, want ErrNotLoaded naming web", err)
	}
}
