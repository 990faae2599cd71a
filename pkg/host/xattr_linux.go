//go:build linux

package host

import (
	"errors"
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

// xattrReason names the errors only reading an attribute gives.
func xattrReason(err error) string {
	switch {
	case errors.Is(err, syscall.ENODATA):
		return "no security.selinux attribute"
	case errors.Is(err, syscall.ENOTSUP):
		return "file system without labels"
	}
	return ""
}
