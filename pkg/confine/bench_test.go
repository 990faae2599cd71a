package confine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
)

// fleet returns the inspect output of n containers like podman-4.3-big's
// (20 bind mounts, 10 published ports), each named bigNNN.
func fleet(b *testing.B, n int) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "podman-4.3-big.json"))
	if err != nil {
		b.Fatal(err)
	}
	var one []map[string]any
	if err := json.Unmarshal(data, &one); err != nil {
		b.Fatal(err)
	}
	all := make([]map[string]any, n)
	for i := range all {
		c := map[string]any{}
		for k, v := range one[0] {
			c[k] = v
		}
		c["Name"], c["Id"] = fmt.Sprintf("big%03d", i), fmt.Sprintf("%064x", i)
		all[i] = c
	}
	out, err := json.Marshal(all)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkFleet measures what `docker inspect $(docker ps -q) | confine
// --out-dir DIR` does in-process for 500 containers of 20 mounts each on
// a Fedora 41 host: read the input, read the host's facts once, generate
// every module and write them all. The target is under 1 s; udica takes
// about 0.8 s for one such container.
func BenchmarkFleet(b *testing.B) {
	root := hosttest.FedoraRoot(b)
	input := fleet(b, 500)
	for b.Loop() {
		cs, err := confine.Read(b.Context(), confine.Source{Reader: bytes.NewReader(input)})
		if err != nil {
			b.Fatal(err)
		}
		ms, err := confine.Generate(cs.Containers, confine.Options{OutDir: b.TempDir(), Host: host.Options{Root: root}})
		if err != nil {
			b.Fatal(err)
		}
		if err := ms.Write(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFleetGenerateOnly(b *testing.B) {
	root := hosttest.FedoraRoot(b)
	input := fleet(b, 500)
	for b.Loop() {
		cs, err := confine.Read(b.Context(), confine.Source{Reader: bytes.NewReader(input)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := confine.Generate(cs.Containers, confine.Options{OutDir: b.TempDir(), Host: host.Options{Root: root}}); err != nil {
			b.Fatal(err)
		}
	}
}
