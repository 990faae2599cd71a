package store_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/store"
)

// A confine module, a udica module (udica writes its own spacing), and
// CIL that is not a container's module.
const (
	confineWeb = "; SELinux policy module for container web, written by confine.\n(block web\n    (blockinherit container)\n    (allow process var_t (dir (read)))\n)\n"
	udicaWeb   = "(block web\n    (blockinherit container)\n    (allow process http_port_t ( tcp_socket (  name_bind ))) \n)"
)

func TestContainerModule(t *testing.T) {
	for _, tc := range []struct {
		name, module, text string
		want               bool
	}{
		{"confine", "web", confineWeb, true},
		{"udica", "web", udicaWeb, true},
		{"other name", "mysql", confineWeb, false},
		{"no container template", "web", "(block web (blockinherit net_container))", false},
		{"template itself", "container", "(block container (blockabstract container) (type process))", false},
		{"more at the top", "web", confineWeb + "(type web_t)\n", false},
		{"policy module", "vpn", "(type vpnc_t)\n(roletype object_r vpnc_t)\n", false},
		{"not CIL", "web", "(block web (blockinherit container)", false},
		{"empty", "web", "", false},
		{"inherit in a list", "web", "(block web (blockinherit (container)))", false},
	} {
		if got := store.ContainerModule(tc.module, []byte(tc.text)); got != tc.want {
			t.Errorf("%s: ContainerModule(%s) = %v, want %v", tc.name, tc.module, got, tc.want)
		}
	}
}

// layout writes a store as libsemanage lays it out: modules under
// PRIORITY/NAME with cil (bzip2-compressed, unless plain) and lang_ext,
// and the disabled directory.
func layout(t *testing.T, root, storeRoot string, modules map[string]string, disabled ...string) string {
	t.Helper()
	bzip2 := testutil.Tool(t, "bzip2")
	dir := filepath.Join(root, storeRoot, "default", "active", "modules")
	for key, text := range modules {
		prio, name, _ := strings.Cut(key, "/")
		mdir := filepath.Join(dir, prio, name)
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			t.Fatal(err)
		}
		lang := "cil"
		if strings.HasPrefix(text, "pp:") {
			lang, text = "pp", strings.TrimPrefix(text, "pp:")
		}
		cilPath := filepath.Join(mdir, "cil")
		plain := strings.HasPrefix(text, "plain:")
		if err := os.WriteFile(cilPath, []byte(strings.TrimPrefix(text, "plain:")), 0o644); err != nil {
			t.Fatal(err)
		}
		if !plain {
			if out, err := exec.Command(bzip2, cilPath).CombinedOutput(); err != nil {
				t.Fatalf("bzip2: %v\n%s", err, out)
			}
			if err := os.Rename(cilPath+".bz2", cilPath); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(mdir, "lang_ext"), []byte(lang), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "disabled"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range disabled {
		if err := os.WriteFile(filepath.Join(dir, "disabled", name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStoreLayout(t *testing.T) {
	root := t.TempDir()
	dir := layout(t, root, store.DefaultRoot, map[string]string{
		"100/mysql": "pp:(type mysqld_t)\n",
		"100/web":   "(type web_old_t)\n",
		"400/web":   confineWeb,
		"400/plain": "plain:" + strings.Replace(confineWeb, "(block web", "(block plain", 1),
		"100/amtu":  "pp:(type amtu_t)\n",
	}, "amtu")
	s, err := store.Open(root, "default")
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", s.Dir(), dir)
	}

	mods, err := s.Modules()
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range mods {
		s := fmt.Sprintf("%s@%d/%s", m.Name, m.Priority, m.Lang)
		if m.Disabled {
			s += "/disabled"
		}
		listed = append(listed, s)
	}
	if got, want := strings.Join(listed, " "), "amtu@100/pp/disabled mysql@100/pp plain@400/cil web@400/cil web@100/cil"; got != want {
		t.Errorf("Modules() = %s\nwant        %s", got, want)
	}

	for _, tc := range []struct {
		name     string
		prio     int
		written  bool
		disabled bool
	}{
		{"web", 400, true, false}, // the highest priority is the one in effect
		{"plain", 400, true, false},
		{"mysql", 100, false, false},
		{"amtu", 100, false, true},
	} {
		m, err := s.Lookup(tc.name)
		if err != nil {
			t.Errorf("Lookup(%s): %v", tc.name, err)
			continue
		}
		written, err := m.Written()
		if err != nil {
			t.Errorf("%s: Written: %v", tc.name, err)
		}
		if m.Priority != tc.prio || written != tc.written || m.Disabled != tc.disabled {
			t.Errorf("Lookup(%s) = priority %d, written %v, disabled %v; want %d, %v, %v", tc.name, m.Priority, written, m.Disabled, tc.prio, tc.written, tc.disabled)
		}
	}
	for _, name := range []string{"nosuch", "", "..", "../400/web", "."} {
		if _, err := s.Lookup(name); !errors.Is(err, store.ErrNoModule) {
			t.Errorf("Lookup(%q) = %v, want ErrNoModule", name, err)
		}
	}
}

// TestStoreRoot checks that store-root in semanage.conf moves the store,
// and that a host without a store says so.
func TestStoreRoot(t *testing.T) {
	root := t.TempDir()
	if _, err := store.Open(root, "default"); !errors.Is(err, store.ErrNoStore) {
		t.Errorf("Open on a root without a store = %v, want ErrNoStore", err)
	}
	layout(t, root, "/srv/selinux-store", map[string]string{"100/base": "pp:(type kernel_t)\n"})
	conf := filepath.Join(root, "etc", "selinux", "semanage.conf")
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("# comment\nmodule-store = direct\nstore-root = /srv/selinux-store\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(root, "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup("base"); err != nil {
		t.Errorf("Lookup(base) in the store semanage.conf names: %v", err)
	}
	if err := os.WriteFile(conf, []byte("store-root = relative/dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(root, "default"); err == nil || !strings.Contains(err.Error(), "not an absolute path") {
		t.Errorf("Open with a relative store-root = %v", err)
	}
	if _, err := store.Open(root, "../x"); err == nil {
		t.Error("Open accepted a policy name with a slash")
	}
}

// TestDebianStore reads Debian's real store, read only: the policy's own
// modules are there, compiled from pp, and none of them is a container's.
func TestDebianStore(t *testing.T) {
	testutil.File(t, "/var/lib/selinux/default/active/modules")
	s, err := store.Open("/", "default")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := s.Modules()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 300 {
		t.Errorf("Debian's store lists %d modules, want over 300", len(mods))
	}
	for _, name := range []string{"vpn", "mysql", "apache", "base"} {
		m, err := s.Lookup(name)
		if err != nil {
			t.Errorf("Lookup(%s): %v", name, err)
			continue
		}
		written, err := m.Written()
		if err != nil || written || m.Priority != 100 || m.Lang != "pp" {
			t.Errorf("%s: priority %d, lang %q, written %v, %v; want Debian's own pp module at 100", name, m.Priority, m.Lang, written, err)
		}
	}
	vpn, _ := s.Lookup("vpn")
	text, err := vpn.CIL()
	if err != nil || !strings.Contains(string(text), "vpnc_t") {
		t.Errorf("vpn's CIL does not declare vpnc_t (%d bytes, %v)", len(text), err)
	}
	// Debian ships some modules disabled.
	disabled := 0
	for _, m := range mods {
		if m.Disabled {
			disabled++
		}
	}
	if disabled == 0 {
		t.Error("no module of Debian's store is disabled; Debian disables some")
	}
}
