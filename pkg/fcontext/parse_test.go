package fcontext

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

var shapeNames = [...]string{"regex", "exact", "subtree", "any", "some", "component", "name"}

// TestParse reads each testdata/fcontext/parse/*.fc with Open and writes
// what it kept, with what analyse learnt of each pattern, and the
// warnings, to the .golden file beside it.
func TestParse(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "parse", "*.fc"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			c, warnings, err := Open(in)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for k := range c.t.entries {
				e := &c.t.entries[k]
				fmt.Fprintf(&out, "%d: %q %q %q stem=%q prefix=%q %s", e.line, e.pattern, e.fileType, e.context, e.stem(), e.prefix, shapeNames[e.shape])
				if e.meta {
					out.WriteString(" meta")
				}
				if e.badContext {
					out.WriteString(" bad-context")
				}
				if e.patErr != nil {
					fmt.Fprintf(&out, " (%v)", e.patErr)
				}
				out.WriteString("\n")
			}
			for _, w := range warnings {
				if w.Source.File != in {
					t.Errorf("warning from %s, not %s", w.Source.File, in)
				}
				fmt.Fprintf(&out, "warning: line %d: %v\n", w.Source.Line, w.Err)
			}
			testutil.Golden(t, strings.TrimSuffix(in, ".fc")+".golden", out.Bytes())
		})
	}
}

// TestParseAgainstLibselinux opens each parse input with libselinux too.
// Where it refuses the file, Open must have warned of a line libselinux
// refuses; elsewhere both must agree on every path the file names.
func TestParseAgainstLibselinux(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "parse", "*.fc"))
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			c, warnings, err := Open(in)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			fc := filepath.Join(t.TempDir(), "file_contexts")
			if err := os.WriteFile(fc, bytes.ReplaceAll(data, []byte("<<none>>"), []byte(noneMarker)), 0o644); err != nil {
				t.Fatal(err)
			}
			var queries []query
			for k := range c.t.entries {
				e := &c.t.entries[k]
				for _, p := range []string{e.prefix, e.pattern, e.prefix + "/x", e.prefix + "x"} {
					for ft := range modes {
						queries = append(queries, query{p, FileType(ft)})
					}
				}
			}
			answers, opened := trySelabel(t, fc, queries)
			if !opened {
				for _, w := range warnings {
					if errors.Is(w.Err, ErrMissingFields) || errors.Is(w.Err, ErrBadFileType) || errors.Is(w.Err, ErrNonASCII) {
						return
					}
				}
				t.Fatalf("libselinux refuses %s, and Open gave no warning of why", in)
			}
			for i, q := range queries {
				got := answer(c, q)
				if strings.HasPrefix(got, "error: ") && strings.HasPrefix(answers[i], "err ") {
					continue // a bad pattern reached on both sides
				}
				if got != answers[i] {
					t.Errorf("Lookup(%q, %q) = %s, libselinux says %s", q.path, q.ft, got, answers[i])
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Load(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load without file_contexts: %v, want ErrNotExist", err)
	}
	if _, _, err := Open(filepath.Join(dir, "file_contexts")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file: %v, want ErrNotExist", err)
	}
	write("file_contexts", "/a\tu:r:a_t:s0\n")
	c, warnings, err := Load(dir)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Load with file_contexts only: %v %v", warnings, err)
	}
	if m, err := c.Lookup("/a", AnyFile); err != nil || m.Context.Type != "a_t" {
		t.Errorf("Lookup(/a) = %v, %v", m, err)
	}
	write("file_contexts.bin", "\x8a\xff\x7c\xf9rest of a compiled file")
	if _, _, err := Open(filepath.Join(dir, "file_contexts.bin")); !errors.Is(err, ErrCompiled) {
		t.Errorf("Open of a .bin: %v, want ErrCompiled", err)
	}
	// A file that exists but cannot be read fails the load, as it does
	// in libselinux: a directory stands for it.
	if err := os.Mkdir(filepath.Join(dir, "file_contexts.local"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(dir); err == nil {
		t.Errorf("Load with an unreadable file_contexts.local: no error")
	}
}

// TestNoEntries checks that files with no usable entry are refused rather
// than read as a policy that labels nothing: 30 kB of random bytes, and a
// file of comments.
func TestNoEntries(t *testing.T) {
	random := make([]byte, 30<<10)
	src := rand.NewChaCha8([32]byte{1})
	if _, err := src.Read(random); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"random":   random,
		"comments": []byte("# nothing here\n\n"),
		"empty":    nil,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "file_contexts"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(dir); !errors.Is(err, ErrNoEntries) {
			t.Errorf("%s: Load = %v, want ErrNoEntries", name, err)
		}
		if _, _, err := Open(filepath.Join(dir, "file_contexts")); !errors.Is(err, ErrNoEntries) {
			t.Errorf("%s: Open = %v, want ErrNoEntries", name, err)
		}
		// The files beside it only add to file_contexts.
		if err := os.WriteFile(filepath.Join(dir, "file_contexts.homedirs"), []byte("/home/[^/]+\tu:r:user_home_dir_t:s0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(dir); !errors.Is(err, ErrNoEntries) {
			t.Errorf("%s with homedirs: Load = %v, want ErrNoEntries", name, err)
		}
	}
}

func TestFileTypeOf(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want FileType
	}{
		{0o644, RegularFile},
		{fs.ModeDir | 0o755, Directory},
		{fs.ModeSymlink, Symlink},
		{fs.ModeDevice | fs.ModeCharDevice, CharDevice},
		{fs.ModeDevice, BlockDevice},
		{fs.ModeSocket, Socket},
		{fs.ModeNamedPipe, NamedPipe},
		{fs.ModeIrregular, AnyFile},
	}
	for _, tt := range tests {
		if got := FileTypeOf(tt.mode); got != tt.want {
			t.Errorf("FileTypeOf(%v) = %q, want %q", tt.mode, got, tt.want)
		}
	}
	if s := FileType(42).String(); s != "FileType(42)" {
		t.Errorf("FileType(42).String() = %q", s)
	}
}

func TestCleanKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"//", "/"},
		{"/a/", "/a"},
		{"/a//", "/a"},
		{"///a///b///", "/a/b"},
		{"a/", "a"},
		{"/a/\n", "/a/\n"},
		{"", ""},
		{"/a\x00b", ""},
	}
	for _, tt := range tests {
		got, err := cleanKey(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidPath) {
				t.Errorf("cleanKey(%q) = %q, %v; want ErrInvalidPath", tt.in, got, err)
			}
			continue
		}
		if got != tt.want || err != nil {
			t.Errorf("cleanKey(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestSplit checks that the pieces parsed on their own cover every file
// whole, in order, with the right line numbers.
func TestSplit(t *testing.T) {
	big := strings.Repeat("/usr/lib(/.*)?\tsystem_u:object_r:lib_t:s0\n", 3*pieceSize/40)
	files := []file{{"a", big}, {"b", "/x\tu:r:t\n/y\tu:r:t"}, {"c", ""}, {"d", big + "/last\tu:r:t"}}
	for _, cpus := range []int{1, 2, 3, 8} {
		pieces := split(files, cpus)
		at := 0
		for i, f := range files {
			var data strings.Builder
			for _, p := range pieces {
				if p.file != uint8(i) {
					continue
				}
				if p.name != f.name || p.line0 != strings.Count(data.String(), "\n") || p.at != at {
					t.Errorf("cpus %d: piece %+v of %s after %d bytes, at %d", cpus, p, f.name, data.Len(), at)
				}
				data.WriteString(p.data)
				at += p.lines
			}
			if data.String() != f.data {
				t.Errorf("cpus %d: the pieces of %s do not make it up", cpus, f.name)
			}
		}
		if n := len(pieces); cpus > 1 && n <= len(files) {
			t.Errorf("cpus %d: %d pieces, want the big files split", cpus, n)
		}
	}
}

// TestLoadOnEveryCPU checks that loading on several CPUs gives what
// loading on one does, warnings included.
func TestLoadOnEveryCPU(t *testing.T) {
	dir := filepath.Dir(testutil.File(t, "/etc/selinux/default/contexts/files/file_contexts"))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, oneWarnings, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	four, fourWarnings, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one.t.entries, four.t.entries) || !reflect.DeepEqual(oneWarnings, fourWarnings) {
		t.Errorf("Load on 4 CPUs differs from Load on 1: %d entries and %d warnings, against %d and %d",
			len(four.t.entries), len(fourWarnings), len(one.t.entries), len(oneWarnings))
	}
}
