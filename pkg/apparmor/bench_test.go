package apparmor_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
)

// BenchmarkGenerate measures what confine apparmor does in-process for a
// container with 20 mounts and 10 published ports: parse the inspect
// JSON, build the profile and write its text. The target is under 2 ms.
func BenchmarkGenerate(b *testing.B) {
	input, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "podman-4.3-big.json"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		containers, err := inspect.Parse(bytes.NewReader(input), "")
		if err != nil {
			b.Fatal(err)
		}
		p, err := apparmor.Generate(containers[0], apparmor.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Text(); err != nil {
			b.Fatal(err)
		}
	}
}
