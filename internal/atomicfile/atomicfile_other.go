//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd

package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
)

// begin writes nothing here and returns an error wrapping
// errors.ErrUnsupported: WriteAll's guarantees rest on Unix calls such as
// openat and readlinkat.
func begin(path string, _ []byte, _ fs.FileMode) (*pending, error) {
	return nil, fmt.Errorf("writing %s: %w on %s", path, errors.ErrUnsupported, runtime.GOOS)
}

// A pending write is never made on this system; commit and abort are
// never reached.
type pending struct{}

func (*pending) commit(bool) error     { return errors.ErrUnsupported }
func (*pending) sameDir(*pending) bool { return false }
func (*pending) abort()                {}
