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
	return fmt.Errorf("writing %s: %w on %s", path, errors.ErrUnsupported, runtime.GOOS)
}
