package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web.cil")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new" {
		t.Fatalf("after Write: %q, %v; want \"new\"", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only web.cil: %v", len(entries), entries)
	}
}

// TestWriteFailureLeavesNothing makes the rename fail (the target is a
// non-empty directory) and checks that the old content stays and no
// temporary file is left behind.
func TestWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web.cil")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(path, []byte("new"), 0o644); err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !entries[0].IsDir() {
		t.Errorf("after a failed Write the directory holds %v, want only the old web.cil", entries)
	}
	if err := atomicfile.Write(filepath.Join(dir, "missing", "web.cil"), nil, 0o644); err == nil {
		t.Error("Write into a missing directory succeeded")
	}
}

// TestWriteSpecial checks that a symlink is followed and kept, and that a
// device is written to, never replaced by a file (confine -o /dev/null).
func TestWriteSpecial(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.cil")
	link := filepath.Join(dir, "web.cil")
	if err := os.Symlink("real.cil", link); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v, %v", fi, err)
	}
	if got, err := os.ReadFile(target); err != nil || string(got) != "new" {
		t.Errorf("the symlink's target holds %q, %v", got, err)
	}

	if err := atomicfile.Write(os.DevNull, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v, %v", os.DevNull, fi, err)
	}
}
