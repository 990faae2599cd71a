package inspect_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/pkg/inspect"
)

// BenchmarkParseLargest parses the largest fixture that parses, with the
// engine detected, as `confine inspect` does.
func BenchmarkParseLargest(b *testing.B) {
	var largest []byte
	name := ""
	for _, path := range fixtures(b) {
		if strings.HasPrefix(filepath.Base(path), "bad-") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(data) > len(largest) {
			largest, name = data, filepath.Base(path)
		}
	}
	b.Logf("%s, %d bytes", name, len(largest))
	b.SetBytes(int64(len(largest)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inspect.Parse(bytes.NewReader(largest), ""); err != nil {
			b.Fatal(err)
		}
	}
}
