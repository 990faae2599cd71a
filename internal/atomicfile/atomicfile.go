// Package atomicfile writes files whole or not at all: a reader, or a
// semodule run, never sees a half-written module, whatever fails.
//
// It is safe for root to use in directories other users can write, such as
// /tmp: a symlink is followed only where Linux's fs.protected_symlinks rule
// allows it, whatever that sysctl says, and the path is walked with
// directory file descriptors, so a link swapped in after the check is
// replaced rather than followed. It is implemented on Linux, macOS and
// the BSDs; elsewhere Write returns an error.
package atomicfile

import "errors"

var (
	// ErrUnsafeLink is wrapped by the error Write returns when the path
	// leads through a symlink that another user could have planted: one in
	// a sticky world-writable directory, owned neither by the caller nor by
	// the directory's owner.
	ErrUnsafeLink = errors.New("refusing to follow symlink")
)
