package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/templates"
)

// TestCheck runs confine check on the module of every container the
// engines made, at once, against a copy of Debian's store with the
// container module: every module the e2e generates would load and keep
// every rule it says.
func TestCheck(t *testing.T) {
	root := seltest.ContainerStore(t)
	dir := t.TempDir()
	var files []string
	for _, mc := range containers(t) {
		generate(t, host.Open(host.Options{}), mc, dir)
		files = append(files, filepath.Join(dir, "confine", mc.name+".cil"))
	}
	start := time.Now()
	rep, err := confine.Check(context.Background(), files, confine.CheckOptions{Root: root, Store: seltest.Store, Flavor: templates.Refpolicy})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("confine check: %s", p)
	}
	t.Logf("confine check passed %d modules in %s", len(files), time.Since(start).Round(time.Second))
}
