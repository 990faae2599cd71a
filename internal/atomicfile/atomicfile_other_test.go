//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd

package atomicfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/atomicfile"
)

// TestWriteUnsupported checks that WriteAll says it cannot work here and
// writes nothing.
func write(path string, data []byte, perm fs.FileMode) error {
	return atomicfile.WriteAll([]atomicfile.File{{Path: path, Data: data, Perm: perm}})
}

func TestWriteUnsupported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web.cil")
	if err := write(path, []byte("new"), 0o644); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Write: %v, want an error wrapping errors.ErrUnsupported", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Write created %s: %v", path, err)
	}
}
