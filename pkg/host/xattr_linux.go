//go:build linux

package host

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/opencontainers/selinux/go-selinux"
)

func selinuxEnabled() bool { return selinux.GetEnabled() }

func readXattr(path string, follow bool) (string, error) {
	if follow {
		return selinux.FileLabel(path)
	}
	return selinux.LfileLabel(path)
}

// reason says briefly why a live label could not be read.
func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, syscall.ENODATA):
		return "no security.selinux attribute"
	case errors.Is(err, syscall.ENOTSUP):
		return "file system without labels"
	}
	return err.Error()
}
