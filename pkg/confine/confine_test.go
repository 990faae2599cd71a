package confine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/templates"
)

var fixtures = filepath.Join(testutil.RepoRoot(), "testdata", "inspect")

// fake is a host that knows every name but those of the modules.
func fake() *host.Fake {
	return &host.Fake{DefaultPort: "unreserved_port_t", Known: map[string]bool{
		"web": false, "capsdrop": false, "devices": false, "hostnet": false,
	}}
}

// TestErrorKinds checks the kind of each error a caller must tell apart.
func TestErrorKinds(t *testing.T) {
	multi, err := confine.Read(context.Background(), confine.Source{File: filepath.Join(fixtures, "docker-20.10-multi.json")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  func() error
		kind error
	}{
		{"missing file", func() error {
			_, err := confine.Read(context.Background(), confine.Source{File: filepath.Join(fixtures, "no-such.json")})
			return err
		}, confine.ErrInput},
		{"not inspect output", func() error {
			_, err := confine.Read(context.Background(), confine.Source{Reader: strings.NewReader("{")})
			return err
		}, confine.ErrInput},
		{"oci by ID", func() error {
			_, err := confine.Read(context.Background(), confine.Source{IDs: []string{"web"}, Engine: "oci"})
			return err
		}, confine.ErrUsage},
		{"one NAME for several", func() error {
			_, err := confine.Generate(multi.Containers, confine.Options{Name: "web", Facts: fake(), Flavor: templates.Fedora})
			return err
		}, confine.ErrUsage},
		{"one output for several", func() error {
			_, err := confine.Generate(multi.Containers, confine.Options{Output: "x.cil", Facts: fake(), Flavor: templates.Fedora})
			return err
		}, confine.ErrUsage},
		{"a name the host has", func() error {
			_, err := confine.Generate(multi.Containers[:1], confine.Options{Name: "mysqld_t", Facts: fake(), Flavor: templates.Fedora})
			return err
		}, confine.ErrUsage},
		{"facts without a flavour", func() error {
			_, err := confine.Generate(multi.Containers[:1], confine.Options{Name: "web", Facts: fake()})
			return err
		}, confine.ErrUsage},
	} {
		if err := tc.err(); !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}
}

// TestWriteAllOrNothing generates a module per container and makes the
// last one's file impossible to write: none is written.
func TestWriteAllOrNothing(t *testing.T) {
	cs, err := confine.Read(context.Background(), confine.Source{File: filepath.Join(fixtures, "docker-20.10-multi.json")})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := confine.Generate(cs.Containers, confine.Options{Facts: fake(), Flavor: templates.Fedora})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.Modules) != 3 {
		t.Fatalf("%d modules, want 3", len(ms.Modules))
	}
	dir := t.TempDir()
	for i := range ms.Modules {
		ms.Modules[i].Path = filepath.Join(dir, ms.Modules[i].Name+".cil")
	}
	last := ms.Modules[2].Path
	if err := os.Mkdir(last, 0o755); err != nil { // a directory where the file goes
		t.Fatal(err)
	}
	if err := ms.Write(nil); err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("after a failed Write the directory holds %v, want only the directory in the way", entries)
	}
	if err := os.Remove(last); err != nil {
		t.Fatal(err)
	}
	if err := ms.Write(nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.Modules {
		got, err := os.ReadFile(m.Path)
		if err != nil || string(got) != string(m.CIL) {
			t.Errorf("%s holds %d bytes, %v; want the module", m.Path, len(got), err)
		}
	}
}

// TestWriteTemplates writes the templates into a new directory, then over
// the files written, and compares each with the embedded file itself; then
// makes one impossible to write and checks that none is written.
func TestWriteTemplates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "templates")
	var paths []string
	for range 2 {
		var err error
		if paths, err = confine.WriteTemplates(dir); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"base_container.cil", "config_container.cil", "debian_engines.cil", "home_container.cil", "log_container.cil",
		"net_container.cil", "tmp_container.cil", "tty_container.cil", "virt_container.cil", "x_container.cil"}
	var got []string
	for _, p := range paths {
		if filepath.Dir(p) != dir {
			t.Errorf("wrote %s, outside %s", p, dir)
		}
		got = append(got, filepath.Base(p))
	}
	if !slices.Equal(got, templates.Written()) || !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("WriteTemplates wrote %q, want %q", got, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("the directory holds %d entries, want %d", len(entries), len(want))
	}
	for _, name := range want {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := templates.Data(name)
		if err != nil || !bytes.Equal(data, embedded) {
			t.Errorf("%s differs from the embedded file (%v)", name, err)
		}
		if fi, _ := os.Stat(filepath.Join(dir, name)); fi.Mode().Perm()&0o444 != 0o444 {
			t.Errorf("%s has mode %v, want readable by all (semodule, installers)", name, fi.Mode())
		}
	}

	fresh := t.TempDir()
	if err := os.Mkdir(filepath.Join(fresh, "net_container.cil"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := confine.WriteTemplates(fresh); err == nil || !strings.Contains(err.Error(), "net_container.cil") {
		t.Errorf("WriteTemplates = %v, want an error naming net_container.cil", err)
	}
	if entries, _ := os.ReadDir(fresh); len(entries) != 1 {
		t.Errorf("after a failed WriteTemplates the directory holds %v, want only the directory in the way", entries)
	}
	if _, err := confine.WriteTemplates(filepath.Join(dir, "base_container.cil", "sub")); err == nil {
		t.Error("WriteTemplates under a file succeeded")
	}
}

// TestWriteFiles writes named files into a new directory, in the order
// given, and refuses a name that is a path before writing any.
func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "man8")
	files := []confine.File{{Name: "b.8", Data: []byte("b\n")}, {Name: "a.8", Data: []byte("a\n")}}
	paths, err := confine.WriteFiles(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "b.8"), filepath.Join(dir, "a.8")}; !slices.Equal(paths, want) {
		t.Errorf("WriteFiles returned %q, want %q", paths, want)
	}
	for _, f := range files {
		if got, err := os.ReadFile(filepath.Join(dir, f.Name)); err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s holds %q, %v; want %q", f.Name, got, err, f.Data)
		}
	}
	for _, name := range []string{"", ".", "..", "../c.8", "sub/c.8"} {
		fresh := filepath.Join(t.TempDir(), "dir")
		if _, err := confine.WriteFiles(fresh, []confine.File{{Name: "ok.8"}, {Name: name}}); err == nil {
			t.Errorf("WriteFiles with the name %q succeeded", name)
		}
		if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("WriteFiles with the name %q left %s behind (%v)", name, fresh, err)
		}
	}
}
