package policy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
)

// BenchmarkGenerate measures what one confine run does in-process for a
// container with 20 mounts and 10 published ports, on a Fedora 41 host:
// parse the inspect JSON, read file_contexts and the binary policy, find
// the types under every mount and the type of every port, and write the
// CIL text. udica takes 0.4-1.8 s for 20 mounts.
func BenchmarkGenerate(b *testing.B) {
	root := hosttest.FedoraRoot(b)
	input, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "podman-4.3-big.json"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		containers, err := inspect.Parse(bytes.NewReader(input), "")
		if err != nil {
			b.Fatal(err)
		}
		m, err := policy.Generate(containers[0], host.Open(host.Options{Root: root}), policy.Options{Name: "big"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.CIL(); err != nil {
			b.Fatal(err)
		}
	}
}
