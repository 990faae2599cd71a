package ansible_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/ansible"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/templates"
)

// Modules written by hand as confine writes them, each with the blocks
// it inherits.
var (
	webCIL = "(block web\n    (blockinherit container)\n    (blockinherit restricted_net_container)\n    (allow process http_port_t (tcp_socket (name_bind)))\n)\n"
	dbCIL  = "(block db\n    (blockinherit container)\n    (blockinherit home_container)\n)\n"
)

// templateFiles returns the files a module inheriting blocks needs on
// Debian, as recipe.Recipe.Templates names them: each block's template
// file once, then templates.DebianEnginesFile.
func templateFiles(t *testing.T, blocks ...string) []ansible.File {
	t.Helper()
	var names []string
	for _, b := range blocks {
		f, err := templates.File(b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(names, f) {
			names = append(names, f)
		}
	}
	var files []ansible.File
	for _, n := range append(names, templates.DebianEnginesFile) {
		data, err := templates.Data(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, ansible.File{Name: n, Data: data})
	}
	return files
}

func webBundle(t *testing.T) ansible.Bundle {
	return ansible.Bundle{
		Modules:   []ansible.Module{{Name: "web", CIL: []byte(webCIL)}},
		Templates: templateFiles(t, "container", "restricted_net_container"),
	}
}

// fleetBundle has two modules, each with its own recipe's templates: the
// files both need are given twice.
func fleetBundle(t *testing.T) ansible.Bundle {
	return ansible.Bundle{
		Name:      "fleet",
		Modules:   []ansible.Module{{Name: "web", CIL: []byte(webCIL)}, {Name: "db", CIL: []byte(dbCIL)}},
		Templates: append(templateFiles(t, "container", "restricted_net_container"), templateFiles(t, "container", "home_container")...),
	}
}

func files(t *testing.T, b ansible.Bundle) []ansible.File {
	t.Helper()
	fs, err := ansible.Files(b)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// unpack reads an archive back: each file's header and contents, in the
// archive's order.
func unpack(t *testing.T, data []byte) ([]*tar.Header, map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" || zr.Comment != "" || len(zr.Extra) > 0 {
		t.Errorf("gzip header has time %v, name %q, comment %q, extra %q: want none", zr.ModTime, zr.Name, zr.Comment, zr.Extra)
	}
	tr := tar.NewReader(zr)
	var hdrs []*tar.Header
	contents := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, h)
		contents[h.Name] = body
	}
	return hdrs, contents
}

// listing describes an archive's files one a line, as a golden file
// keeps them: everything in each header but the size, which the
// contents check covers.
func listing(hdrs []*tar.Header) []byte {
	var b strings.Builder
	for _, h := range hdrs {
		fmt.Fprintf(&b, "%s type=%c mode=%04o uid=%d gid=%d uname=%s gname=%s mtime=%d format=%v pax=%d\n",
			h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime.Unix(), h.Format, len(h.PAXRecords))
	}
	return []byte(b.String())
}

// TestFiles compares the playbook and the variables file of one module
// and of two with golden files, and reads each archive back: the files
// sorted, each module and each template once, with the bytes it was
// given, owned by root, mode 0644, dated the epoch.
func TestFiles(t *testing.T) {
	golden := filepath.Join(testutil.RepoRoot(), "testdata", "ansible")
	var books [][]byte
	for _, tc := range []struct {
		name    string
		bundle  ansible.Bundle
		archive string
		want    []string
	}{
		{"web", webBundle(t), "web-policy.tar.gz", []string{"base_container.cil", "debian_engines.cil", "net_container.cil", "web.cil"}},
		{"fleet", fleetBundle(t), "fleet-policy.tar.gz", []string{"base_container.cil", "db.cil", "debian_engines.cil", "home_container.cil", "net_container.cil", "web.cil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := files(t, tc.bundle)
			var names []string
			for _, f := range fs {
				names = append(names, f.Name)
			}
			if want := []string{ansible.PlaybookFile, ansible.VariablesFile, tc.archive}; !slices.Equal(names, want) {
				t.Fatalf("Files = %q, want %q", names, want)
			}
			books = append(books, fs[0].Data)
			testutil.Golden(t, filepath.Join(golden, tc.name, ansible.VariablesFile), fs[1].Data)
			hdrs, contents := unpack(t, fs[2].Data)
			testutil.Golden(t, filepath.Join(golden, tc.name, "archive.txt"), listing(hdrs))

			var got []string
			for _, h := range hdrs {
				got = append(got, h.Name)
				if h.Typeflag != tar.TypeReg || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "root" || h.Gname != "root" || h.ModTime.Unix() != 0 {
					t.Errorf("%s: type %c mode %o owner %d:%d (%s:%s) mtime %v, want a regular file, 0644, root's, at the epoch", h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("archive holds %q, want %q", got, tc.want)
			}
			given := map[string][]byte{}
			for _, m := range tc.bundle.Modules {
				given[m.Name+".cil"] = m.CIL
			}
			for _, f := range tc.bundle.Templates {
				given[f.Name] = f.Data
			}
			if !maps.EqualFunc(contents, given, bytes.Equal) {
				t.Errorf("the archive's files differ from those given")
			}
		})
	}
	if len(books) == 2 {
		testutil.Golden(t, filepath.Join(golden, ansible.PlaybookFile), books[0])
		if !bytes.Equal(books[0], books[1]) {
			t.Error("one module's playbook differs from two modules'")
		}
	}
}

// TestVariablesFormat checks the variables file against udica's: three
// lines, the module first in policy, no newline at the end.
func TestVariablesFormat(t *testing.T) {
	got := string(files(t, webBundle(t))[1].Data)
	want := "archive: web-policy.tar.gz\npolicy: web.cil base_container.cil net_container.cil debian_engines.cil\nfinal_policy: web.cil"
	if got != want {
		t.Errorf("variables file:\n%s\nwant:\n%s", got, want)
	}
	got = string(files(t, fleetBundle(t))[1].Data)
	want = "archive: fleet-policy.tar.gz\npolicy: web.cil db.cil base_container.cil net_container.cil debian_engines.cil home_container.cil\nfinal_policy: web.cil db.cil"
	if got != want {
		t.Errorf("variables file of two modules:\n%s\nwant:\n%s", got, want)
	}
}

// TestDeterministic makes the archive twice, and again with the
// templates given in another order: the bytes are the same, down to the
// gzip header, which holds no time.
func TestDeterministic(t *testing.T) {
	a := files(t, fleetBundle(t))
	b := files(t, fleetBundle(t))
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two runs", a[i].Name)
		}
	}
	shuffled := fleetBundle(t)
	slices.Reverse(shuffled.Templates)
	c := files(t, shuffled)
	if !bytes.Equal(a[2].Data, c[2].Data) {
		t.Error("the archive depends on the order the templates are given in")
	}
	if arc := a[2].Data; len(arc) < 10 || !bytes.Equal(arc[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("gzip header % x: want a zero MTIME", arc[:min(10, len(arc))])
	}
}

// TestHosts sets the play's default host pattern, and refuses one the
// playbook cannot quote.
func TestHosts(t *testing.T) {
	def, err := ansible.Playbook("")
	if err != nil {
		t.Fatal(err)
	}
	web, err := ansible.Playbook("web:&prod")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(def), `hosts: "{{ confine_hosts | default('all') }}"`, `hosts: "{{ confine_hosts | default('web:&prod') }}"`, 1)
	if string(web) != want || want == string(def) {
		t.Errorf("Playbook(web:&prod) differs from the default in more than the hosts line:\n%s", testutil.Diff(def, web))
	}
	b := webBundle(t)
	b.Hosts = "web:&prod"
	if fs := files(t, b); !bytes.Equal(fs[0].Data, web) {
		t.Error("Bundle.Hosts does not give Playbook(Hosts)")
	}
	for _, bad := range []string{"a'b", `a"b`, "{{ x }}", "a\nb", " web", "a\\b", "a#b", "{% x %}"} {
		if _, err := ansible.Playbook(bad); !errors.Is(err, ansible.ErrBadHosts) {
			t.Errorf("Playbook(%q): %v, want ErrBadHosts", bad, err)
		}
	}
}

// TestErrors covers the bundles Files refuses.
func TestErrors(t *testing.T) {
	mod := func(name string) ansible.Module {
		return ansible.Module{Name: name, CIL: []byte("(block " + name + ")\n")}
	}
	base := ansible.File{Name: "base_container.cil", Data: []byte("(block container)\n")}
	long := strings.Repeat("a", 252)
	for _, tc := range []struct {
		name   string
		bundle ansible.Bundle
		want   error
	}{
		{"no module", ansible.Bundle{Name: "x"}, ansible.ErrNoModule},
		{"two without a name", ansible.Bundle{Modules: []ansible.Module{mod("a"), mod("b")}}, ansible.ErrNoName},
		{"module path", ansible.Bundle{Modules: []ansible.Module{mod("../a")}}, cil.ErrInvalidName},
		{"module with a space", ansible.Bundle{Name: "x", Modules: []ansible.Module{mod("a b")}}, ansible.ErrBadName},
		{"module file too long", ansible.Bundle{Name: "x", Modules: []ansible.Module{mod(long)}}, ansible.ErrBadName},
		{"archive name too long", ansible.Bundle{Modules: []ansible.Module{mod(long[:245])}}, ansible.ErrBadName},
		{"archive name", ansible.Bundle{Name: "a/b", Modules: []ansible.Module{mod("a")}}, ansible.ErrBadName},
		{"module twice", ansible.Bundle{Name: "x", Modules: []ansible.Module{mod("a"), mod("a")}}, ansible.ErrDuplicate},
		{"template not .cil", ansible.Bundle{Modules: []ansible.Module{mod("a")}, Templates: []ansible.File{{Name: "base_container.pp"}}}, ansible.ErrBadName},
		{"template path", ansible.Bundle{Modules: []ansible.Module{mod("a")}, Templates: []ansible.File{{Name: "../base.cil"}}}, ansible.ErrBadName},
		{"template named as a module", ansible.Bundle{Modules: []ansible.Module{mod("a")}, Templates: []ansible.File{{Name: "a.cil"}}}, ansible.ErrDuplicate},
		{"template twice, changed", ansible.Bundle{Modules: []ansible.Module{mod("a")}, Templates: []ansible.File{base, {Name: base.Name, Data: []byte("; other\n")}}}, ansible.ErrDuplicate},
		{"bad hosts", ansible.Bundle{Modules: []ansible.Module{mod("a")}, Hosts: "'"}, ansible.ErrBadHosts},
	} {
		if _, err := ansible.Files(tc.bundle); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// The same template twice with the same bytes counts once.
	fs, err := ansible.Files(ansible.Bundle{Modules: []ansible.Module{mod("a")}, Templates: []ansible.File{base, base}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(fs[1].Data); !strings.Contains(got, "\npolicy: a.cil base_container.cil\n") {
		t.Errorf("variables with a template given twice:\n%s", got)
	}
}
