package confine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
			_, err := confine.Read(context.Background(), confine.Source{ID: "web", Engine: "oci"})
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
