//go:build !linux

package host

import (
	"errors"
	"io/fs"
)

// Only Linux has SELinux: elsewhere every label comes from file_contexts.
func selinuxEnabled() bool { return false }

func readXattr(string, bool) (string, error) { return "", errors.ErrUnsupported }

// reason says briefly why a live label could not be read.
func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}
