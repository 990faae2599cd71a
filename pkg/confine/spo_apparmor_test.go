package confine_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/spo"
)

// TestAppArmorProfiles checks the stream of several containers' resources
// and the kinds of its errors.
func TestAppArmorProfiles(t *testing.T) {
	multi, err := confine.Read(context.Background(), confine.Source{File: filepath.Join(fixtures, "docker-20.10-multi.json")})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := confine.GenerateProfiles(multi.Containers, confine.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stream, warnings, err := ps.AppArmorProfiles(spo.AppArmorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(stream), "\n---\n"); n != len(ps.Profiles)-1 {
		t.Errorf("%d separators in the stream of %d resources:\n%s", n, len(ps.Profiles), stream)
	}
	for _, p := range ps.Profiles {
		if !strings.Contains(string(stream), "\nmetadata:\n  name: "+p.Name+"\n") {
			t.Errorf("no resource named %s in:\n%s", p.Name, stream)
		}
		if !strings.Contains(strings.Join(warnings, "\n"), "AppArmorProfile "+p.Name+": ") {
			t.Errorf("no warning names AppArmorProfile %s", p.Name)
		}
	}
	if _, _, err := ps.AppArmorProfiles(spo.AppArmorOptions{Name: "web"}); !errors.Is(err, confine.ErrUsage) {
		t.Errorf("one name for %d resources: got %v, want a usage error", len(ps.Profiles), err)
	}

	for _, tc := range []struct {
		name string
		c    inspect.Container
		kind error
	}{
		{"a name Kubernetes refuses", inspect.Container{Name: "Web_1", Engine: inspect.Docker}, confine.ErrUsage},
		{"a path SPO refuses", inspect.Container{Name: "web", Engine: inspect.Docker,
			Mounts: []inspect.Mount{{Source: "/srv", Destination: "/srv:ro", Type: inspect.Bind}}}, confine.ErrInput},
	} {
		ps, err := confine.GenerateProfiles([]inspect.Container{tc.c}, confine.ProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ps.AppArmorProfiles(spo.AppArmorOptions{}); !errors.Is(err, tc.kind) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.kind)
		}
	}
}
