package fcontext

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// The differential tests compare Lookup with libselinux's own
// selabel_lookup, run by testdata/fcontext/selabel.py in one python
// process per policy.

// noneMarker replaces <<none>> in the copy libselinux reads, so that its
// answer tells "no label" from "no match" (both are ENOENT otherwise).
const noneMarker = "none_u:none_r:none_t:s0"

// modes are the st_mode file type bits libselinux takes, by FileType.
var modes = [...]int{
	AnyFile:     0,
	RegularFile: 0o100000,
	Directory:   0o040000,
	Symlink:     0o120000,
	CharDevice:  0o020000,
	BlockDevice: 0o060000,
	Socket:      0o140000,
	NamedPipe:   0o010000,
}

type query struct {
	path string
	ft   FileType
}

// libselinux returns the command that runs selabel.py on the file_contexts
// at fc, or skips the test (or fails it under CONFINE_REQUIRE_TOOLS=1)
// when python3-selinux is missing.
func libselinux(t *testing.T, fc string) *exec.Cmd {
	t.Helper()
	py := testutil.Tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import selinux").Run(); err != nil {
		testutil.Missing(t, "python3-selinux is not installed: %v", err)
	}
	script := filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "selabel.py")
	return exec.Command(py, script, fc)
}

// selabel answers queries with libselinux: "ok CONTEXT" or "err ERRNO".
// It fails the test if libselinux refuses the file.
func selabel(t *testing.T, fc string, queries []query) []string {
	t.Helper()
	answers, ok := trySelabel(t, fc, queries)
	if !ok {
		t.Fatalf("libselinux refuses %s", fc)
	}
	return answers
}

// trySelabel is selabel, reporting whether libselinux opened the file.
func trySelabel(t *testing.T, fc string, queries []query) ([]string, bool) {
	t.Helper()
	cmd := libselinux(t, fc)
	var in bytes.Buffer
	for _, q := range queries {
		h := hex.EncodeToString([]byte(q.path))
		if h == "" {
			h = "-"
		}
		fmt.Fprintf(&in, "%d %s\n", modes[q.ft], h)
	}
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("selabel.py: %v\n%s", err, stderr.Bytes())
	}
	answers := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(answers) == 1 && answers[0] == "refused" {
		return nil, false
	}
	if len(answers) != len(queries) {
		t.Fatalf("selabel.py gave %d answers to %d queries\n%s", len(answers), len(queries), stderr.Bytes())
	}
	return answers, true
}

// answer gives Lookup's result in selabel.py's terms.
func answer(c *Contexts, q query) string {
	m, err := c.Lookup(q.path, q.ft)
	switch {
	case errors.Is(err, ErrInvalidPath):
		return "err 22" // EINVAL
	case errors.Is(err, ErrNoMatch):
		return "err 2" // ENOENT
	case err != nil:
		return "error: " + err.Error()
	case m.NoLabel:
		return "ok " + noneMarker
	}
	return "ok " + m.Context.String()
}

// markedCopy copies a policy's file_contexts set into a fresh directory,
// with <<none>> replaced by noneMarker, and returns the copy's
// file_contexts. The copy also leaves out the .bin files, which libselinux
// would otherwise prefer.
func markedCopy(t *testing.T, dir string) string {
	t.Helper()
	tmp := t.TempDir()
	for _, suffix := range []string{"", ".homedirs", ".local", ".subs", ".subs_dist"} {
		data, err := os.ReadFile(filepath.Join(dir, "file_contexts"+suffix))
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(suffix, ".subs") {
			data = bytes.ReplaceAll(data, []byte("<<none>>"), []byte(noneMarker))
		}
		if err := os.WriteFile(filepath.Join(tmp, "file_contexts"+suffix), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(tmp, "file_contexts")
}

// compare looks queries up on both sides and reports every disagreement.
func compare(t *testing.T, c *Contexts, fc string, queries []query) {
	t.Helper()
	want := selabel(t, fc, queries)
	bad := 0
	for i, q := range queries {
		if got := answer(c, q); got != want[i] {
			if bad++; bad <= 20 {
				t.Errorf("Lookup(%q, %q) = %s, libselinux says %s", q.path, q.ft, got, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lookups disagree with libselinux", bad, len(queries))
	}
}

func TestAgainstLibselinux(t *testing.T) {
	policies := []struct {
		name string
		dir  func(*testing.T) string
	}{
		{"debian", func(t *testing.T) string {
			return filepath.Dir(testutil.File(t, "/etc/selinux/default/contexts/files/file_contexts"))
		}},
		{"fedora-41", func(t *testing.T) string { return testutil.Shared(t, "policy/fedora-41") }},
	}
	for _, p := range policies {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			dir := p.dir(t)
			c, warnings, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range warnings {
				t.Errorf("warning: %s", w)
			}
			literal, generated := testPaths(c, 1)
			if len(generated) < 10000 {
				t.Fatalf("only %d generated paths", len(generated))
			}
			// libselinux takes some 60µs a lookup: every literal path is
			// looked up with every file type, every generated one as any
			// file and as one other type.
			var queries []query
			for _, path := range literal {
				for ft := range modes {
					queries = append(queries, query{path, FileType(ft)})
				}
			}
			for i, path := range generated {
				queries = append(queries, query{path, AnyFile}, query{path, FileType(1 + i%(len(modes)-1))})
			}
			t.Logf("%d literal and %d generated paths, %d lookups", len(literal), len(generated), len(queries))
			compare(t, c, markedCopy(t, dir), queries)
		})
	}
}

// TestQuirks pins what libselinux does in corners real policies do not
// reach, and checks it against libselinux when it is there.
func TestQuirks(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "quirks")
	c, warnings, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ws bytes.Buffer
	for _, w := range warnings {
		fmt.Fprintf(&ws, "%s:%d: %v\n", filepath.Base(w.Source.File), w.Source.Line, w.Err)
	}
	testutil.Golden(t, filepath.Join(dir, "warnings.golden"), ws.Bytes())

	tests := []struct {
		path string
		ft   FileType
		want string
		why  string
	}{
		{"/", AnyFile, "ok u:r:root_t:s0", `"/" keeps its slash`},
		{"//", AnyFile, "ok u:r:root_t:s0", "runs of slashes are squeezed first"},
		{"/a/", AnyFile, "ok u:r:a_t:s0", "one trailing slash goes"},
		{"/a//", AnyFile, "ok u:r:a_t:s0", "squeezed, then the trailing slash goes"},
		{"//a//b//", AnyFile, "ok u:r:ab_t:s0", ""},
		{"/a\n", AnyFile, "ok u:r:a_t:s0", `PCRE2's "$" holds before a final newline`},
		{"/a/\n", AnyFile, "ok u:r:aslash_t:s0", "the newline, not the slash, is last, so the slash stays"},
		{"/a\n/b", AnyFile, "err 2", `"$" holds before the last newline only`},
		{"/x-y/z", AnyFile, "err 2", `the stem of "/x\-y/z" is "/x\-y" (a backslash is no metacharacter to libselinux), which no path has`},
		{`/x\-y/z`, AnyFile, "err 2", "the path with that stem does not match the pattern"},
		{"/t/zz", AnyFile, "ok u:r:alt_t:s0", `"^/t/u|/zz$": the second branch is anchored at the end only`},
		{"/other/zz", AnyFile, "err 2", "but the entry is only tried for paths with its stem, /t"},
		{"/t/u/anything", AnyFile, "ok u:r:alt_t:s0", "and the first is anchored at the start only"},
		{"/q/r", AnyFile, "ok u:r:exact_t:s0", "an entry without metacharacters counts as after every regex, wherever it is"},
		{"/q/r/s", AnyFile, "ok u:r:regex_t:s0", ""},
		{"/p.q", AnyFile, "ok u:r:pq_exact_t:s0", `"/p\.q" has an escaped metacharacter only, so it is exact too`},
		{"/dup", AnyFile, "ok u:r:dup2_t:s0", "of two identical entries, the later wins"},
		{"/dupd", Directory, "ok u:r:dupd_any_t:s0", "a -- entry does not apply to a directory"},
		{"/dupd", RegularFile, "ok u:r:dupd_file_t:s0", ""},
		{"/dupd", AnyFile, "ok u:r:dupd_file_t:s0", "mode 0 lets every entry apply"},
		{"/none/x", AnyFile, "ok " + noneMarker, "<<none>> is a match without a label"},
		{"/bad/x", AnyFile, "error", "a pattern PCRE2 refuses fails the lookups that reach it, although an earlier entry matches (libselinux leaves errno as it was)"},
		{"/badx", AnyFile, "ok u:r:badx_t:s0", "the bad entry has the stem /bad, so other paths never reach it"},
		{"/loc/f", AnyFile, "ok u:r:real_t:s0", ".subs turns /loc into /dist, then .subs_dist /dist into /real"},
		{"/first/f", AnyFile, "ok u:r:real_t:s0", ".subs goes first: /first is /real, and .subs_dist's /first is not tried"},
		{"/m/f", AnyFile, "ok u:r:two_t:s0", "of two aliases of /m, the later line wins"},
		{"/n/k/f", AnyFile, "ok u:r:s2_t:s0", "so /n/k, later than /n, goes first"},
		{"/n/kk", AnyFile, "ok u:r:s1_t:s0", "an alias applies at a slash boundary only"},
		{"/r", AnyFile, "ok u:r:root_t:s0", `an alias to "/"`},
		{"/r/a", AnyFile, "ok u:r:a_t:s0", `does not double the slash`},
		{"", AnyFile, "err 22", "the empty path is invalid"},
		{"rel/a", AnyFile, "ok u:r:rel_t:s0", "relative paths are looked up as they are"},
		{"/mode/l", Symlink, "ok u:r:mode_lnk_t:s0", ""},
		{"/h/x", AnyFile, "ok u:r:hx_t:s0", "an exact entry of file_contexts beats a regex of .homedirs, read later"},
		{"/h/y", AnyFile, "ok u:r:home_t:s0", ""},
		{"/both/x", AnyFile, "ok u:r:local_exact_t:s0", ".local is read last, and its exact entry beats all"},
		{"/both/y", AnyFile, "ok u:r:local_regex_t:s0", ""},
		{"/mode/l", BlockDevice, "ok u:r:mode_any_t:s0", ""},
	}
	var queries []query
	for _, tt := range tests {
		got := answer(c, query{tt.path, tt.ft})
		if tt.want == "error" && strings.HasPrefix(got, "error: ") {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("Lookup(%q, %q) = %s, want %s (%s)", tt.path, tt.ft, got, tt.want, tt.why)
		}
		queries = append(queries, query{tt.path, tt.ft})
	}

	if t.Failed() {
		return
	}
	t.Run("libselinux", func(t *testing.T) {
		libs := selabel(t, markedCopy(t, dir), queries)
		for i, tt := range tests {
			want := tt.want
			if want == "error" && strings.HasPrefix(libs[i], "err ") {
				continue
			}
			if libs[i] != want {
				t.Errorf("libselinux: %q, %q gives %s, the test pins %s", tt.path, tt.ft, libs[i], want)
			}
		}
	})
}
