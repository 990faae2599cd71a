// Package atomicfile writes files whole or not at all: a reader, or a
// semodule run, never sees a half-written module, whatever fails.
//
// It is safe for root to use in directories other users can write, such as
// /tmp: a symlink is followed only where Linux's fs.protected_symlinks rule
// allows it, whatever that sysctl says, and the path is walked with
// directory file descriptors, so a link swapped in after the check is
// replaced rather than followed. It is implemented on Linux, macOS and
// the BSDs; elsewhere WriteAll returns an error.
package atomicfile

import (
	"errors"
	"io/fs"
)

var (
	// ErrUnsafeLink is wrapped by the error WriteAll returns when the path
	// leads through a symlink that another user could have planted: one in
	// a sticky world-writable directory, owned neither by the caller nor by
	// the directory's owner.
	ErrUnsafeLink = errors.New("refusing to follow symlink")
)

// A File is one file for WriteAll to write: Data at Path.
type File struct {
	Path string
	Data []byte
	Perm fs.FileMode
}

// WriteAll writes each file's data to a temporary file beside its path,
// flushes it to disk and, once all are ready, renames each over its path,
// so that every path holds either its old content or all of its data:
// whatever fails before the first rename leaves every path as it was.
//
// A new file gets mode Perm (before the umask); a replaced one keeps its
// permission bits and, where the caller may set them, its owner and
// group, unless another user could have planted it (as below for links):
// then it is replaced as if new, for its owner could rewrite the result.
// As with a shell redirection, a file the caller may not write is
// refused, though the caller may write the directory.
//
// A symlink, at the end of path or in a directory on the way, is followed
// only where Linux's fs.protected_symlinks rule would allow it: unless it is
// owned by the caller (the effective uid) or by the directory's owner, one
// in a sticky world-writable directory such as /tmp is refused with an error
// wrapping ErrUnsafeLink, and nothing is written. A followed link is kept;
// the file it leads to is replaced.
//
// Something at path that is not a regular file, such as /dev/stdout or a
// FIFO, is written to as it is: renaming over it would replace the device
// or pipe with a file. A directory is an error.
//
// Errors name path, never the temporary file.
func WriteAll(files []File) error {
	var staged []*pending
	defer func() {
		for _, p := range staged {
			p.abort()
		}
	}()
	for _, f := range files {
		p, err := begin(f.Path, f.Data, f.Perm)
		if err != nil {
			return err
		}
		staged = append(staged, p)
	}
	for i, p := range staged {
		// A directory is synced once, after the last rename into it:
		// the staged files of one directory are usually side by side.
		last := i+1 == len(staged) || !p.sameDir(staged[i+1])
		if err := p.commit(last); err != nil {
			return err
		}
	}
	return nil
}
