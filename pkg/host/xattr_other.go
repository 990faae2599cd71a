//go:build !linux

package host

import "errors"

// Only Linux has SELinux: elsewhere every label comes from file_contexts.
func selinuxEnabled() bool { return false }

func readXattr(string, bool) (string, error) { return "", errors.ErrUnsupported }

// xattrReason has nothing to add where no attribute is ever read.
func xattrReason(error) string { return "" }
