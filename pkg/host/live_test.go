//go:build linux

package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/fcontext"
)

// liveSystem returns a System that reads "live" labels from labels, with
// file_contexts from testdata, over real files under dir. The kernels CI
// runs on have no SELinux, so the xattr reader is the one part replaced.
func liveSystem(t *testing.T, labels map[string]string, limit int) (*System, string) {
	t.Helper()
	files, _, err := fcontext.Open(filepath.Join(testutil.RepoRoot(), "testdata", "host", "root", "etc", "selinux", "testpol", "contexts", "files", "file_contexts"))
	if err != nil {
		t.Fatal(err)
	}
	s := fromFiles(files)
	s.live = true
	s.walkLimit = limit
	s.xattr = func(path string, _ bool) (string, error) {
		if _, err := os.Lstat(path); err != nil {
			return "", err
		}
		ctx, ok := labels[filepath.Base(path)]
		if !ok {
			return "", &fs.PathError{Op: "lgetxattr", Path: path, Err: syscall.ENODATA}
		}
		if ctx == "EACCES" {
			return "", &fs.PathError{Op: "lgetxattr", Path: path, Err: syscall.EACCES}
		}
		return ctx, nil
	}
	dir := t.TempDir()
	for _, name := range []string{"data/a", "data/b", "data/sub/c", "data/sub/d"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return s, dir
}

func TestLiveLabels(t *testing.T) {
	s, dir := liveSystem(t, map[string]string{
		"data": "system_u:object_r:container_file_t:s0",
		"a":    "system_u:object_r:httpd_sys_content_t:s0",
		"b":    "system_u:object_r:unlabeled_t:s0",
		"sub":  "system_u:object_r:container_file_t:s0",
		"c":    "EACCES",
		// d has no attribute at all.
	}, 100)
	var b strings.Builder
	for _, name := range []string{"data", "data/a", "data/b", "data/sub/c", "data/sub/d", "missing"} {
		l, err := s.Label(filepath.Join(dir, name))
		fmt.Fprintf(&b, "label %s\t%s\t%s\t%q\t%v\n", name, l.Type, l.Source, l.Warning, err)
	}
	ts, err := s.Types(filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "types data\terr=%v\n", err)
	for _, w := range ts.Warnings {
		fmt.Fprintf(&b, "\twarning %s\n", w)
	}
	for _, t := range ts.Types {
		fmt.Fprintf(&b, "\t%s\t%s\t%s\t%d\t%v\n", t.Type, t.Source, t.Path, t.Count, t.Classes)
	}
	got := strings.ReplaceAll(b.String(), dir, "DIR")
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "host", "live.golden"), []byte(got))
}

func TestLiveWalkBound(t *testing.T) {
	s, dir := liveSystem(t, map[string]string{
		"data": "system_u:object_r:container_file_t:s0",
		"a":    "system_u:object_r:a_t:s0",
		"b":    "system_u:object_r:b_t:s0",
		"sub":  "system_u:object_r:sub_t:s0",
		"c":    "system_u:object_r:c_t:s0",
		"d":    "system_u:object_r:d_t:s0",
	}, 2)
	ts, err := s.Types(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, t := range ts.Types {
		if t.Source == SourceXattr {
			live++
		}
	}
	// data's own label plus the two entries the bound allows; the rest
	// is predicted.
	if live != 3 {
		t.Errorf("%d live types with a bound of 2, want 3: %v", live, ts.Types)
	}
	if len(ts.Warnings) != 1 || !strings.Contains(ts.Warnings[0], "stopped after 2 entries; the types of the rest are predicted") {
		t.Errorf("warnings = %q, want one saying the walk stopped", ts.Warnings)
	}
}

func TestReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "lgetxattr", Path: "/x", Err: syscall.ENOENT}, "no such file"},
		{&fs.PathError{Op: "lgetxattr", Path: "/x", Err: syscall.EACCES}, "permission denied"},
		{errors.New("labelled \"\""), "labelled \"\""},
	} {
		if got := reason(c.err); got != c.want {
			t.Errorf("reason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
