//go:build linux || darwin || freebsd || netbsd || openbsd

// The other Unix systems lack calls used here, such as readlinkat.

package atomicfile

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unicode"

	"golang.org/x/sys/unix"
)

// processUmask is read once, while the program starts on one goroutine:
// reading the umask means setting it, and a file created meanwhile by
// another goroutine would get the wrong mode.
var processUmask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

// maxLinks is how many symlinks a path may lead through, as on Linux
// (MAXSYMLINKS).
const maxLinks = 40

// A pending write is one begin made ready: the data is in a temporary file
// beside its path, flushed to disk, and commit puts it in place. Writing
// several files all or nothing is beginning them all, then committing them:
// whatever fails before the first commit leaves every path as it was.
type pending struct {
	path    string // as the caller named it, for errors
	dir     int    // the directory holding the file; -1 once done
	name    string // the file's name in dir
	tmp     string // the temporary file's name in dir; "" to write in place
	data    []byte // for a write in place
	renamed bool
}

// begin does all of WriteAll but the rename: it resolves path with the
// rules WriteAll follows, and writes data to a temporary file beside it. The
// caller must commit or abort the result.
func begin(path string, data []byte, perm fs.FileMode) (*pending, error) {
	p, err := stage(path, data, perm)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return p, nil
}

func stage(path string, data []byte, perm fs.FileMode) (*pending, error) {
	dir, name, st, err := resolve(path)
	if err != nil {
		return nil, err
	}
	p := &pending{path: path, dir: dir, name: name}
	newMode := uint32(perm.Perm() &^ processUmask)
	switch {
	case st == nil:
		err = p.prepare(data, newMode, nil)
	case st.Mode&unix.S_IFMT == unix.S_IFREG:
		// Renaming needs only the directory's permission; the file's own
		// must be honoured too, as open(O_WRONLY) would.
		if err = unix.Faccessat(dir, name, unix.W_OK, unix.AT_EACCESS); err != nil {
			break
		}
		var bad bool
		if bad, _, err = planted(dir, st); err != nil {
			break
		}
		if bad {
			err = p.prepare(data, newMode, nil)
		} else {
			err = p.prepare(data, uint32(st.Mode)&0o777, st)
		}
	default:
		p.data = data
	}
	if err != nil {
		unix.Close(dir)
		return nil, err
	}
	return p, nil
}

// commit puts the staged data at its path: it renames the temporary file
// over it, or writes a device or FIFO in place. It makes the rename
// durable only when sync is set: a caller renaming many files into one
// directory syncs it once, with the last.
func (p *pending) commit(sync bool) error {
	if p.dir < 0 {
		return fmt.Errorf("writing %s: already committed or aborted", p.path)
	}
	defer p.close()
	var err error
	if p.tmp == "" {
		err = writeInPlace(p.dir, p.name, p.data)
	} else if err = unix.Renameat(p.dir, p.tmp, p.dir, p.name); err == nil {
		// rename does not follow name, so a link put there meanwhile is
		// replaced like the file was.
		p.renamed = true
		if sync {
			err = syncDir(p.dir)
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", p.path, err)
	}
	return nil
}

// sameDir reports whether p's file is in the directory q's is in.
func (p *pending) sameDir(q *pending) bool {
	var a, b unix.Stat_t
	return unix.Fstat(p.dir, &a) == nil && unix.Fstat(q.dir, &b) == nil && a.Dev == b.Dev && a.Ino == b.Ino
}

// abort removes the staged data, leaving the path as it was. It does
// nothing once the write is committed or aborted.
func (p *pending) abort() {
	if p.dir >= 0 {
		p.close()
	}
}

func (p *pending) close() {
	if p.tmp != "" && !p.renamed {
		unix.Unlinkat(p.dir, p.tmp, 0)
	}
	unix.Close(p.dir)
	p.dir = -1
}

// resolve walks path one name at a time from a directory file descriptor,
// checking each symlink before following it, so that no name is looked up
// twice and none can be swapped between the check and the use. It returns
// the directory that holds the file, the file's name there, and the file's
// status, nil when it does not exist yet. The caller closes dir.
func resolve(path string) (dir int, name string, st *unix.Stat_t, err error) {
	if path == "" {
		return -1, "", nil, unix.ENOENT
	}
	start, shown := ".", "/" // shown: dir as a path, for messages
	if strings.HasPrefix(path, "/") {
		start = "/"
	} else if shown, err = os.Getwd(); err != nil {
		shown = "."
	}
	if dir, err = openDir(unix.AT_FDCWD, start); err != nil {
		return -1, "", nil, err
	}
	defer func() {
		if err != nil {
			unix.Close(dir)
		}
	}()
	rest := strings.Split(path, "/")
	links := 0
	for len(rest) > 0 {
		name, rest = rest[0], rest[1:]
		last := len(rest) == 0
		if name == "" || name == "." {
			if last {
				return dir, "", nil, unix.EISDIR
			}
			continue
		}
		var fi unix.Stat_t
		if err := unix.Fstatat(dir, name, &fi, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if err == unix.ENOENT && last {
				return dir, name, nil, nil
			}
			return dir, "", nil, err
		}
		switch fi.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			if links++; links > maxLinks {
				return dir, "", nil, unix.ELOOP
			}
			target, err := readlinkat(dir, name)
			if err != nil {
				return dir, "", nil, err
			}
			if err := mayFollow(dir, &fi, filepath.Join(shown, name), target, shown); err != nil {
				return dir, "", nil, err
			}
			if target == "" {
				return dir, "", nil, unix.ENOENT
			}
			if strings.HasPrefix(target, "/") {
				root, err := openDir(unix.AT_FDCWD, "/")
				if err != nil {
					return dir, "", nil, err
				}
				unix.Close(dir)
				dir, shown = root, "/"
			}
			rest = append(strings.Split(target, "/"), rest...)
		case unix.S_IFDIR:
			if last {
				return dir, "", nil, unix.EISDIR
			}
			// O_NOFOLLOW: should a link replace the directory since
			// Fstatat, the open fails rather than follow it unchecked.
			sub, err := openDir(dir, name)
			if err != nil {
				return dir, "", nil, err
			}
			unix.Close(dir)
			dir, shown = sub, filepath.Join(shown, name)
		default:
			if !last {
				return dir, "", nil, unix.ENOTDIR
			}
			return dir, name, &fi, nil
		}
	}
	return dir, "", nil, unix.EISDIR // unreachable: the last name returns
}

func openDir(dir int, name string) (int, error) {
	return unix.Openat(dir, name, oPath|unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

// planted applies the rule of Linux's fs.protected_symlinks (fs/namei.c,
// may_follow_link; fs.protected_regular's is alike) to the file st
// describes, in dir: another user may have planted it when it sits in a
// sticky world-writable directory and is owned neither by the caller (the
// effective uid) nor by the directory's owner. It also returns the
// directory's status when it looked.
//
// confine applies the rule itself because many hosts leave the sysctls off,
// and because the kernel never checks links that confine resolves.
func planted(dir int, st *unix.Stat_t) (bool, *unix.Stat_t, error) {
	if int(st.Uid) == unix.Geteuid() {
		return false, nil, nil
	}
	var d unix.Stat_t
	if err := unix.Fstat(dir, &d); err != nil {
		return false, nil, err
	}
	const stickyWorldWritable = unix.S_ISVTX | 0o002
	return uint32(d.Mode)&stickyWorldWritable == stickyWorldWritable && d.Uid != st.Uid, &d, nil
}

// mayFollow refuses link, which sits in dir (shown as dirShown), when
// another user may have planted it.
//
// There is no later lookup of the link's name to race but Readlinkat's,
// and whoever could swap the link in between (its owner, the directory's
// owner, root, or anyone where the directory is not sticky) is someone the
// rule trusts already.
func mayFollow(dir int, link *unix.Stat_t, linkShown, target, dirShown string) error {
	bad, d, err := planted(dir, link)
	if err != nil || !bad {
		return err
	}
	return fmt.Errorf("%w %s -> %s: it is owned by uid %d, in sticky world-writable %s owned by uid %d",
		ErrUnsafeLink, oneLine(linkShown), oneLine(target), link.Uid, oneLine(dirShown), d.Uid)
}

// oneLine quotes a name another user may have chosen when it holds
// characters, such as a newline, that could make the message lie.
func oneLine(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}

func readlinkat(dir int, name string) (string, error) {
	for size := 256; size <= 1<<16; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
	return "", unix.ENAMETOOLONG
}

// prepare writes data to a new temporary file in p's directory, with
// mode, and the owner and group of old when it is not nil.
func (p *pending) prepare(data []byte, mode uint32, old *unix.Stat_t) error {
	tmp, fd, err := createTemp(p.dir, p.name)
	if err != nil {
		return err
	}
	p.tmp = tmp
	err = writeAll(fd, data)
	if err == nil && old != nil {
		err = chown(fd, old)
	}
	if err == nil {
		err = unix.Fchmod(fd, mode)
	}
	if err == nil {
		err = unix.Fsync(fd)
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		unix.Unlinkat(p.dir, tmp, 0)
		p.tmp = ""
	}
	return err
}

// createTemp creates a file no one else has opened, beside name in dir.
func createTemp(dir int, name string) (string, int, error) {
	for range 100 {
		tmp := "." + name + "." + strconv.FormatUint(uint64(rand.Uint32()), 10)
		fd, err := unix.Openat(dir, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != unix.EEXIST {
			return tmp, fd, err
		}
	}
	return "", -1, unix.EEXIST
}

// chown gives the file the owner and group of old as far as the caller
// may: only root may give a file away, but a user may keep a group they
// belong to. EINVAL means an id this user namespace does not map.
func chown(fd int, old *unix.Stat_t) error {
	err := unix.Fchown(fd, int(old.Uid), int(old.Gid))
	if err == unix.EPERM {
		err = unix.Fchown(fd, -1, int(old.Gid))
	}
	if err == unix.EPERM || err == unix.EINVAL {
		return nil
	}
	return err
}

// syncDir makes the rename durable. A directory the caller may write but
// not read cannot be opened to sync: the rename stands all the same.
func syncDir(dir int) error {
	fd, err := unix.Openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == unix.EACCES {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil && err != unix.EINVAL {
		return err
	}
	return nil
}

// writeInPlace writes to a device or FIFO, which a rename would replace.
func writeInPlace(dir int, name string, data []byte) error {
	fd, err := unix.Openat(dir, name, unix.O_WRONLY|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := writeAll(fd, data); err != nil {
		unix.Close(fd)
		return err
	}
	return unix.Close(fd)
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		data = data[n:]
	}
	return nil
}
