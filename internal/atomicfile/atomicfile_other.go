//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
)

// Write is not implemented on this system, for its guarantees rest on
// Unix calls such as openat and readlinkat: it writes nothing and returns
// an error wrapping errors.ErrUnsupported.
func Write(path string, data []byte, perm fs.FileMode) error {
	_, err := Stage(path, data, perm)
	return err
}

// A Pending write is never made on this system.
type Pending struct{}

// Stage writes nothing here and returns an error wrapping
// errors.ErrUnsupported, as Write does.
func Stage(path string, _ []byte, _ fs.FileMode) (*Pending, error) {
	return nil, fmt.Errorf("writing %s: %w on %s", path, errors.ErrUnsupported, runtime.GOOS)
}

// Commit and Abort are never reached: Stage returns no Pending here.
func (*Pending) Commit() error { return errors.ErrUnsupported }
func (*Pending) Abort()        {}
