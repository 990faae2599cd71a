//go:build linux || darwin || freebsd || netbsd || openbsd

package atomicfile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/internal/testutil"
)

// The test binary, run with helperEnv=PATH, performs one Write of "new" to
// PATH and prints the error or "ok", for tests that need another uid or a
// resource limit. With fsizeEnv set, files may grow to 1 byte only.
const (
	helperEnv = "ATOMICFILE_TEST_WRITE"
	fsizeEnv  = "ATOMICFILE_TEST_FSIZE"
)

// write writes one file, as most tests need.
func write(path string, data []byte, perm fs.FileMode) error {
	return atomicfile.WriteAll([]atomicfile.File{{Path: path, Data: data, Perm: perm}})
}

func TestMain(m *testing.M) {
	if path, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(helper(path))
	}
	os.Exit(m.Run())
}

func helper(path string) int {
	if os.Getenv(fsizeEnv) != "" {
		// Without this, writing past the limit kills the process.
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 1, Max: 1}); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	if err := write(path, []byte("new"), 0o644); err != nil {
		fmt.Println(err)
	} else {
		fmt.Println("ok")
	}
	return 0
}

// runHelper runs the test binary at bin in dir, with cred when it is not
// nil, to Write path, and returns what it printed.
func runHelper(t *testing.T, bin, dir, path string, cred *syscall.Credential, env ...string) string {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append([]string{helperEnv + "=" + path}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running %s: %v\n%s", bin, err, out)
	}
	return strings.TrimSuffix(string(out), "\n")
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Missing(t, "the test needs root, to own files as other users")
	}
}

// tempDir returns a new directory without symlinks in its path, so that
// the paths in Write's messages are the ones the test built.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// sharedDir returns a new directory, mode 0755, that every user can reach.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := tempDir(t)
	// t.TempDir makes its top directory 0700.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for d := filepath.Dir(filepath.Dir(dir)); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&0o001 == 0 {
			testutil.Missing(t, "other users cannot enter %s, which holds the test's temporary directory", d)
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

// names lists what dir holds, so that a test sees a temporary file left.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func mustWrite(t *testing.T, path, data string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is subject to the umask.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func checkContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("%s holds %q, %v; want %q", path, got, err, want)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web.cil")
	mustWrite(t, path, "old", 0o600)
	if err := write(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkContent(t, path, "new")
	if got := names(t, dir); !slices.Equal(got, []string{"web.cil"}) {
		t.Errorf("directory holds %v, want only web.cil", got)
	}
}

// TestWriteMode checks that a new file gets perm less the umask and a
// replaced one keeps its mode and, when root replaces it, its owner, unless
// another user could have planted it.
func TestWriteMode(t *testing.T) {
	umask := fs.FileMode(syscall.Umask(0))
	syscall.Umask(int(umask))
	tests := []struct {
		name     string
		old      fs.FileMode // of the file replaced; 0 for none
		uid, gid int         // owner given to the file replaced; -1 for the caller
		sticky   bool        // the file sits in a sticky world-writable directory of root's
		perm     fs.FileMode
		want     fs.FileMode
		keep     bool // the file keeps uid and gid
	}{
		{"new file", 0, -1, -1, false, 0o640, 0o640 &^ umask, false},
		{"new file, perm beyond the umask", 0, -1, -1, false, 0o666, 0o666 &^ umask, false},
		{"0640 stays", 0o640, -1, -1, false, 0o644, 0o640, false},
		{"0600 stays", 0o600, -1, -1, false, 0o644, 0o600, false},
		{"0666 stays", 0o666, -1, -1, false, 0o644, 0o666, false},
		{"read-only 0444 replaced by root", 0o444, -1, -1, false, 0o644, 0o444, false},
		{"owner and group stay", 0o640, 4242, 4343, false, 0o644, 0o640, true},
		{"the caller's, in a sticky directory", 0o666, -1, -1, true, 0o644, 0o666, false},
		{"another uid's, in a sticky directory, replaced as new", 0o666, 4242, 4343, true, 0o644, 0o644 &^ umask, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.uid >= 0 || tt.old&0o200 == 0 && tt.old != 0 {
				requireRoot(t)
			}
			dir := t.TempDir()
			if tt.sticky {
				if err := os.Chmod(dir, os.ModeSticky|0o777); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "web.cil")
			if tt.old != 0 {
				mustWrite(t, path, "old", tt.old)
				if tt.uid >= 0 {
					if err := os.Chown(path, tt.uid, tt.gid); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := write(path, []byte("new"), tt.perm); err != nil {
				t.Fatal(err)
			}
			checkContent(t, path, "new")
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != tt.want {
				t.Errorf("mode %v, want %v", fi.Mode(), tt.want)
			}
			wantUID, wantGID := os.Geteuid(), os.Getegid()
			if tt.keep {
				wantUID, wantGID = tt.uid, tt.gid
			}
			st := fi.Sys().(*syscall.Stat_t)
			if int(st.Uid) != wantUID || int(st.Gid) != wantGID {
				t.Errorf("owner %d:%d, want %d:%d", st.Uid, st.Gid, wantUID, wantGID)
			}
		})
	}
}

// TestWriteFailureLeavesNothing checks that a failed Write names the path
// it was given, keeps the old content and leaves no temporary file.
func TestWriteFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		want  error
	}{
		{"over a directory", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "web.cil")
			if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
			return path
		}, syscall.EISDIR},
		{"over an empty directory", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "web.cil")
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
			return path
		}, syscall.EISDIR},
		{"into a missing directory", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "web.cil")
		}, syscall.ENOENT},
		{"into a file", func(t *testing.T, dir string) string {
			mustWrite(t, filepath.Join(dir, "f"), "old", 0o644)
			return filepath.Join(dir, "f", "web.cil")
		}, syscall.ENOTDIR},
		{"the empty path", func(t *testing.T, dir string) string { return "" }, syscall.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := names(t, dir)
			err := write(path, []byte("new"), 0o644)
			if want := fmt.Sprintf("writing %s: %v", path, tt.want); err == nil || err.Error() != want || !errors.Is(err, tt.want) {
				t.Errorf("Write: %v, want %s", err, want)
			}
			if got := names(t, dir); !slices.Equal(got, before) {
				t.Errorf("after a failed Write the directory holds %v, want %v", got, before)
			}
		})
	}

	// A write that fails midway, on the file size limit, once the
	// temporary file exists.
	t.Run("file too large", func(t *testing.T) {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		dir := tempDir(t)
		path := filepath.Join(dir, "web.cil")
		mustWrite(t, path, "old", 0o644)
		got := runHelper(t, exe, dir, path, nil, fsizeEnv+"=1")
		if want := fmt.Sprintf("writing %s: %v", path, syscall.EFBIG); got != want {
			t.Errorf("Write: %s, want %s", got, want)
		}
		checkContent(t, path, "old")
		if got := names(t, dir); !slices.Equal(got, []string{"web.cil"}) {
			t.Errorf("after a failed Write the directory holds %v, want only web.cil", got)
		}
	})
}

// TestWriteSpecial checks that a symlink is followed and kept, and that a
// device or FIFO is written to, never replaced by a file (confine -o
// /dev/null).
func TestWriteSpecial(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.cil")
	link := filepath.Join(dir, "web.cil")
	if err := os.Symlink("real.cil", link); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"new", "newer"} {
		// The first Write creates real.cil, the second replaces it.
		if err := write(link, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the symlink was replaced: %v, %v", fi, err)
		}
		checkContent(t, target, content)
	}

	if err := write(os.DevNull, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v, %v", os.DevNull, fi, err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	read := make(chan string)
	go func() {
		data, _ := os.ReadFile(fifo)
		read <- string(data)
	}()
	if err := write(fifo, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := <-read; got != "new" {
		t.Errorf("the FIFO's reader got %q, want \"new\"", got)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v, %v", fi, err)
	}
}

// TestWriteLinks plants symlinks owned by various users in directories of
// various modes, and checks that Write follows them exactly where Linux's
// fs.protected_symlinks would.
func TestWriteLinks(t *testing.T) {
	requireRoot(t)
	const sticky = os.ModeSticky
	tests := []struct {
		name      string
		dirMode   fs.FileMode // of the directory holding the link
		dirUID    int
		linkUID   int
		component bool // the link leads to the file's directory, not to the file
		relative  bool // Write is given a path relative to the link's directory
		refuse    bool
	}{
		{"another uid's, in a sticky world-writable directory", sticky | 0o777, 0, 4242, false, false, true},
		{"another uid's, as a directory", sticky | 0o777, 0, 4242, true, false, true},
		{"the caller's", sticky | 0o777, 0, os.Geteuid(), false, false, false},
		{"the caller's, as a directory", sticky | 0o777, 0, os.Geteuid(), true, false, false},
		{"the directory owner's", sticky | 0o777, 4343, 4343, false, false, false},
		{"the directory owner's, as a directory", sticky | 0o777, 4343, 4343, true, false, false},
		{"another uid's, in a directory not sticky", 0o777, 0, 4242, false, false, false},
		{"another uid's, in a sticky directory not world-writable", sticky | 0o775, 0, 4242, false, false, false},
		{"another uid's, named relative to the working directory", sticky | 0o777, 0, 4242, false, true, true},
		{"another uid's, as a directory named relative to the working directory", sticky | 0o777, 0, 4242, true, true, true},
		{"the caller's, named relative to the working directory", sticky | 0o777, 0, os.Geteuid(), false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tempDir(t)
			links := filepath.Join(base, "links")
			victims := filepath.Join(base, "victims")
			for _, d := range []string{links, victims} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(links, tt.dirMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(links, tt.dirUID, tt.dirUID); err != nil {
				t.Fatal(err)
			}
			// The link points to victims/victim.cil, or to victims when it
			// is a directory on the way to web.cil.
			link, target, path, file := filepath.Join(links, "web.cil"), filepath.Join(victims, "victim.cil"), "", ""
			if tt.component {
				link, target = filepath.Join(links, "evil"), victims
				path, file = filepath.Join(link, "web.cil"), filepath.Join(victims, "web.cil")
			} else {
				path, file = link, target
				mustWrite(t, target, "old", 0o600)
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(link, tt.linkUID, tt.linkUID); err != nil {
				t.Fatal(err)
			}
			victimsBefore := names(t, victims)
			if tt.relative {
				t.Chdir(links)
				path, _ = filepath.Rel(links, path)
			}

			err := write(path, []byte("new"), 0o644)

			if tt.refuse {
				want := fmt.Sprintf("writing %s: refusing to follow symlink %s -> %s: it is owned by uid %d, in sticky world-writable %s owned by uid %d",
					path, link, target, tt.linkUID, links, tt.dirUID)
				if err == nil || err.Error() != want || !errors.Is(err, atomicfile.ErrUnsafeLink) {
					t.Errorf("Write: %v\nwant: %s", err, want)
				}
				if got := names(t, victims); !slices.Equal(got, victimsBefore) {
					t.Errorf("the link's target directory holds %v, want %v", got, victimsBefore)
				}
				if !tt.component {
					checkContent(t, target, "old")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				checkContent(t, file, "new")
			}
			if got, err := os.Readlink(link); err != nil || got != target {
				t.Errorf("the link now leads to %q, %v; want %q", got, err, target)
			}
			if fi, err := os.Lstat(link); err != nil || int(fi.Sys().(*syscall.Stat_t).Uid) != tt.linkUID {
				t.Errorf("the link changed: %v, %v", fi, err)
			}
			if got := names(t, links); !slices.Equal(got, []string{filepath.Base(link)}) {
				t.Errorf("the link's directory holds %v, want only the link", got)
			}
		})
	}
}

// TestWriteLinkLoops checks that a path through too many symlinks fails
// as the kernel would, after 40 links, instead of looping.
func TestWriteLinkLoops(t *testing.T) {
	link := func(t *testing.T, target, link string) {
		t.Helper()
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	chain := func(n int) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			for i := range n - 1 {
				link(t, fmt.Sprintf("l%d", i+1), filepath.Join(dir, fmt.Sprintf("l%d", i)))
			}
			link(t, "web.cil", filepath.Join(dir, fmt.Sprintf("l%d", n-1)))
			return filepath.Join(dir, "l0")
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		loop  bool
	}{
		{"a link to itself", func(t *testing.T, dir string) string {
			link(t, "loop", filepath.Join(dir, "loop"))
			return filepath.Join(dir, "loop")
		}, true},
		{"two links to each other", func(t *testing.T, dir string) string {
			link(t, "b", filepath.Join(dir, "a"))
			link(t, filepath.Join(dir, "a"), filepath.Join(dir, "b"))
			return filepath.Join(dir, "a")
		}, true},
		{"a directory linked to itself", func(t *testing.T, dir string) string {
			link(t, "d/d", filepath.Join(dir, "d"))
			return filepath.Join(dir, "d", "web.cil")
		}, true},
		{"a chain of 40 links", chain(40), false},
		{"a chain of 41 links", chain(41), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := write(path, []byte("new"), 0o644)
			if !tt.loop {
				if err != nil {
					t.Fatal(err)
				}
				checkContent(t, filepath.Join(dir, "web.cil"), "new")
				return
			}
			if want := fmt.Sprintf("writing %s: %v", path, syscall.ELOOP); err == nil || err.Error() != want || !errors.Is(err, syscall.ELOOP) {
				t.Errorf("Write: %v, want %s", err, want)
			}
			for _, name := range names(t, dir) {
				if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("after a failed Write the directory holds %s, not a link: %v", name, err)
				}
			}
		})
	}
}

// TestWriteAsOtherUser runs Write as uid 65534, in a copy of the test
// binary, to check that permission errors name the path given and that a
// file the user may not write is not replaced, though the user may write
// its directory.
func TestWriteAsOtherUser(t *testing.T) {
	requireRoot(t)
	const nobody = 65534
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	// The test binary sits where only its builder may enter.
	bin := filepath.Join(sharedDir(t), "atomicfile.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	chown := func(t *testing.T, path string, uid int) {
		t.Helper()
		if err := os.Lchown(path, uid, uid); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name string
		// setup prepares dir, which root owns and where Write runs, and
		// returns the path to write and the Write error expected (with %s
		// for the path) or "ok".
		setup func(t *testing.T, dir string) (path, want string)
		check func(t *testing.T, dir string)
	}{
		{"into root's directory", func(t *testing.T, dir string) (string, string) {
			return "./x.cil", "writing %s: permission denied"
		}, func(t *testing.T, dir string) {
			if got := names(t, dir); len(got) != 0 {
				t.Errorf("the directory holds %v, want nothing", got)
			}
		}},
		{"over its own read-only file", func(t *testing.T, dir string) (string, string) {
			chown(t, dir, nobody)
			mustWrite(t, filepath.Join(dir, "x.cil"), "old", 0o444)
			chown(t, filepath.Join(dir, "x.cil"), nobody)
			return filepath.Join(dir, "x.cil"), "writing %s: permission denied"
		}, func(t *testing.T, dir string) {
			checkContent(t, filepath.Join(dir, "x.cil"), "old")
			if fi, err := os.Stat(filepath.Join(dir, "x.cil")); err != nil || fi.Mode() != 0o444 {
				t.Errorf("x.cil changed: %v, %v", fi, err)
			}
		}},
		{"over its own writable file", func(t *testing.T, dir string) (string, string) {
			chown(t, dir, nobody)
			mustWrite(t, filepath.Join(dir, "x.cil"), "old", 0o644)
			chown(t, filepath.Join(dir, "x.cil"), nobody)
			return "x.cil", "ok"
		}, func(t *testing.T, dir string) {
			checkContent(t, filepath.Join(dir, "x.cil"), "new")
			fi, err := os.Stat(filepath.Join(dir, "x.cil"))
			if err != nil || fi.Mode() != 0o644 || fi.Sys().(*syscall.Stat_t).Uid != nobody {
				t.Errorf("x.cil is %v, %v; want 0644, owned by %d", fi, err, nobody)
			}
		}},
		// In a sticky world-writable directory of root's, the user's own
		// link is followed and another user's is not.
		{"through its own link in a sticky directory", func(t *testing.T, dir string) (string, string) {
			stickyLink(t, dir, nobody)
			return "tmp/x.cil", "ok"
		}, func(t *testing.T, dir string) {
			checkContent(t, filepath.Join(dir, "mine", "x.cil"), "new")
		}},
		{"through another's link in a sticky directory", func(t *testing.T, dir string) (string, string) {
			stickyLink(t, dir, 4242)
			return "tmp/x.cil", "writing %s: refusing to follow symlink " + filepath.Join(dir, "tmp", "x.cil") + " -> " +
				filepath.Join(dir, "mine", "x.cil") + ": it is owned by uid 4242, in sticky world-writable " +
				filepath.Join(dir, "tmp") + " owned by uid 0"
		}, func(t *testing.T, dir string) {
			checkContent(t, filepath.Join(dir, "mine", "x.cil"), "old")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := sharedDir(t)
			path, want := tt.setup(t, dir)
			got := runHelper(t, bin, dir, path, &syscall.Credential{Uid: nobody, Gid: nobody})
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, path)
			}
			if got != want {
				t.Errorf("Write as uid %d: %s\nwant: %s", nobody, got, want)
			}
			if strings.Contains(got, ".x.cil.") {
				t.Errorf("the error names the temporary file: %s", got)
			}
			tt.check(t, dir)
		})
	}
}

// stickyLink makes dir/tmp, sticky and world-writable, with x.cil in it a
// link owned by uid to dir/mine/x.cil, which holds "old" and which, like
// dir/mine, uid 65534 owns.
func stickyLink(t *testing.T, dir string, uid int) {
	t.Helper()
	sticky, mine := filepath.Join(dir, "tmp"), filepath.Join(dir, "mine")
	for _, d := range []string{sticky, mine} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(mine, "x.cil"), "old", 0o644)
	link := filepath.Join(sticky, "x.cil")
	if err := os.Symlink(filepath.Join(mine, "x.cil"), link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{mine, filepath.Join(mine, "x.cil")} {
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Lchown(link, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// TestWriteAll writes three files all or nothing: when the last cannot
// be written (a directory holds its place), the first two are as they
// were and no temporary file is left; when all can, all are written.
func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.cil"), filepath.Join(dir, "b.cil"), filepath.Join(dir, "c.cil")
	if err := os.WriteFile(a, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(c, 0o755); err != nil {
		t.Fatal(err)
	}
	files := []atomicfile.File{{Path: a, Data: []byte("new a"), Perm: 0o644}, {Path: b, Data: []byte("new b"), Perm: 0o644}, {Path: c, Data: []byte("new c"), Perm: 0o644}}
	err := atomicfile.WriteAll(files)
	if err == nil || !strings.HasPrefix(err.Error(), "writing "+c+": ") {
		t.Errorf("WriteAll = %v, want an error naming %s", err, c)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.cil", "c.cil"}) {
		t.Errorf("after a failed WriteAll the directory holds %q, want a.cil and c.cil", got)
	}
	if got, _ := os.ReadFile(a); string(got) != "old" {
		t.Errorf("after a failed WriteAll a holds %q", got)
	}

	if err := os.Remove(c); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteAll(files); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{a: "new a", b: "new b", c: "new c"} {
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s holds %q, want %q", path, got, want)
		}
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.cil", "b.cil", "c.cil"}) {
		t.Errorf("after WriteAll the directory holds %q", got)
	}
}
