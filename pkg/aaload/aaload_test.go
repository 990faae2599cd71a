package aaload_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/aaload"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
)

func profile(t *testing.T, name string) aaload.Profile {
	t.Helper()
	p, err := apparmor.Generate(inspect.Container{Name: name, Engine: inspect.Docker, Capabilities: []string{"chown"}}, apparmor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.Text()
	if err != nil {
		t.Fatal(err)
	}
	return aaload.Profile{Name: name, Text: text}
}

// listing returns the names in dir with their contents.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(data)
	}
	return got
}

// TestRefusedByParser runs Load with AppArmor's real parser: a profile it
// refuses stops Load before the directory is touched.
func TestRefusedByParser(t *testing.T) {
	parser := testutil.Tool(t, "apparmor_parser")
	dir := t.TempDir()
	good := profile(t, "web")
	bad := aaload.Profile{Name: "db", Text: []byte("# AppArmor profile db, written by confine for docker container db.\nabi <abi/3.0>,\nprofile db {\n  capability frobnicate,\n}\n")}
	_, err := aaload.Load(context.Background(), []aaload.Profile{good, bad}, aaload.Options{Dir: dir, Parser: parser})
	if !errors.Is(err, aaload.ErrParser) {
		t.Fatalf("got %v, want ErrParser", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "Invalid capability frobnicate") || strings.Contains(msg, "\n") {
		t.Errorf("the error does not give the parser's message on one line: %q", msg)
	}
	if got := listing(t, dir); len(got) != 0 {
		t.Errorf("the directory holds %v after a refused profile", slices.Sorted(maps.Keys(got)))
	}
}

// TestNotOurs checks that a profile file confine did not write is left
// alone, and nothing else written either.
func TestNotOurs(t *testing.T) {
	dir := t.TempDir()
	host := "# the host's own\nprofile web {}\n"
	if err := os.WriteFile(filepath.Join(dir, "web"), []byte(host), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := aaload.Load(context.Background(), []aaload.Profile{profile(t, "db"), profile(t, "web")}, aaload.Options{Dir: dir, Parser: "/nonexistent/apparmor_parser"})
	if !errors.Is(err, aaload.ErrNotOurs) {
		t.Fatalf("got %v, want ErrNotOurs", err)
	}
	if got := listing(t, dir); len(got) != 1 || got["web"] != host {
		t.Errorf("the directory holds %q, want only the host's web", got)
	}
}

// TestKernelRefuses loads into this host's kernel: on a machine without
// AppArmor in the kernel (as CI's), apparmor_parser -r fails, and Load
// must leave the directory as it was, the replaced profile's old text
// back in place.
func TestKernelRefuses(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
		t.Skip("this kernel has AppArmor: loading would succeed (the enforcing guest of e2e/vm tests that)")
	}
	parser := testutil.Tool(t, "apparmor_parser")
	dir := t.TempDir()
	before := profile(t, "web")
	before.Text = append(before.Text, "# an older version\n"...)
	if err := os.WriteFile(filepath.Join(dir, "web"), before.Text, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := aaload.Load(context.Background(), []aaload.Profile{profile(t, "web"), profile(t, "db")}, aaload.Options{Dir: dir, Parser: parser})
	if !errors.Is(err, aaload.ErrParser) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %q, want ErrParser on one line", err)
	}
	if got := listing(t, dir); len(got) != 1 || got["web"] != string(before.Text) {
		t.Errorf("after the kernel refused, the directory holds %v, want web as it was", slices.Sorted(maps.Keys(got)))
	}
}
