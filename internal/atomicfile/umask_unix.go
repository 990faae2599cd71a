//go:build unix

package atomicfile

import (
	"io/fs"
	"syscall"
)

// processUmask is read once, while the program starts on one goroutine:
// reading the umask means setting it, and a file created meanwhile by
// another goroutine would get the wrong mode.
var processUmask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

func umask() fs.FileMode { return processUmask }
