//go:build linux

package host

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/fcontext"
)

// treeSystem returns facts for this host whose file_contexts label a real
// tree made under a temporary directory, DIR: a web root with content, a
// CGI directory, an .htaccess file, a symlink, a FIFO and a socket, a
// directory file_contexts gives an upload type to that does not exist,
// and a single file. Live labels are not read, as on a host without
// SELinux, so each path gets what file_contexts gives its file type.
func treeSystem(t *testing.T, predict bool, limit int) (*System, string) {
	t.Helper()
	dir := t.TempDir()
	lines := []string{
		"/.*	system_u:object_r:default_t:s0",
		"DIR(/.*)?	system_u:object_r:var_t:s0",
		"DIR/www(/.*)?	system_u:object_r:web_content_t:s0",
		"DIR/www/cgi-bin(/.*)?	system_u:object_r:web_script_t:s0",
		"DIR/www(/.*)?/\\.htaccess	--	system_u:object_r:web_htaccess_t:s0",
		"DIR/www/uploads(/.*)?	system_u:object_r:web_upload_t:s0",
		"DIR/www/.*\\.sock	-s	system_u:object_r:web_sock_t:s0",
		"DIR/www/scratch	<<none>>",
	}
	fc := filepath.Join(t.TempDir(), "file_contexts")
	if err := os.WriteFile(fc, []byte(strings.ReplaceAll(strings.Join(lines, "\n")+"\n", "DIR", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	files, warnings, err := fcontext.Open(fc)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("file_contexts: %v %v", warnings, err)
	}
	for _, f := range []string{"www/index.html", "www/a/b.html", "www/cgi-bin/run.cgi", "www/.htaccess", "www/scratch", "app.conf"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("index.html", filepath.Join(dir, "www", "home.html")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "www", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "www", "app.sock"))
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	s := fromFiles(files)
	s.walkLimit = limit
	s.predict = predict
	return s, dir
}

// TestTypesOfFiles compares, for mounts of the tree and of single objects
// in it, the types found with testdata/host/types.golden: for each type
// its source, the first path, how many paths and which classes, or that
// it was predicted.
func TestTypesOfFiles(t *testing.T) {
	var all strings.Builder
	for _, tc := range []struct {
		name    string
		predict bool
		limit   int
		mounts  []string
	}{
		{"exact", false, 100, []string{"www", "www/cgi-bin", "app.conf", "www/app.sock", "www/pipe", "www/home.html", "missing"}},
		{"predict", true, 100, []string{"www"}},
		{"bound", false, 3, []string{"www"}},
	} {
		s, dir := treeSystem(t, tc.predict, tc.limit)
		var b strings.Builder
		for _, m := range tc.mounts {
			ts, err := s.Types(filepath.Join(dir, m))
			fmt.Fprintf(&b, "%s: types %s\terr=%v class=%q\n", tc.name, m, err, ts.Class)
			for _, w := range ts.Warnings {
				fmt.Fprintf(&b, "\twarning %s\n", w)
			}
			for _, t := range ts.Types {
				if t.Predicted() {
					fmt.Fprintf(&b, "\t%s\tpredicted by %s\n", t.Type, t.Source)
					continue
				}
				fmt.Fprintf(&b, "\t%s\t%s\t%s\t%d\t%v\n", t.Type, t.Source, t.Path, t.Count, t.Classes)
			}
		}
		all.WriteString(strings.ReplaceAll(b.String(), dir, "DIR"))
	}
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "host", "types.golden"), []byte(all.String()))
}

// BenchmarkWalk labels a mount of 10,000 files in 100 directories from
// file_contexts, as on a host without SELinux; the bound for it is
// 50 ms.
func BenchmarkWalk(b *testing.B) {
	dir := b.TempDir()
	fc := filepath.Join(b.TempDir(), "file_contexts")
	// Debian's whole file_contexts, with entries for the tree's paths.
	debian, err := os.ReadFile(testutil.File(b, "/etc/selinux/default/contexts/files/file_contexts"))
	if err != nil {
		b.Fatal(err)
	}
	extra := fmt.Sprintf("%s(/.*)?\tsystem_u:object_r:var_t:s0\n%s/d1[0-9](/.*)?\tsystem_u:object_r:var_lib_t:s0\n", dir, dir)
	if err := os.WriteFile(fc, append(debian, extra...), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		sub := filepath.Join(dir, fmt.Sprintf("d%d", i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for j := range 99 {
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%d.dat", j)), nil, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	files, _, err := fcontext.Open(fc)
	if err != nil {
		b.Fatal(err)
	}
	s := fromFiles(files)
	b.ReportAllocs()
	for b.Loop() {
		ts, err := s.Types(dir)
		if err != nil || len(ts.Types) != 2 || ts.Types[1].Count+ts.Types[0].Count != 10001 {
			b.Fatalf("Types = %+v, %v", ts, err)
		}
	}
}
