package apparmor_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/aaproof"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
)

// A golden case is one inspect fixture, and the options its profiles are
// made with: each profile is written to testdata/apparmor/DIR/NAME, a
// profile file as confine apparmor writes it, and the warnings to
// DIR/warnings.golden.
type golden struct {
	dir, fixture string
	opts         apparmor.Options
}

// goldens are every inspect fixture of testdata/inspect that holds
// containers, with the default options, and the options on one of them.
func goldens(t *testing.T) []golden {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no inspect fixtures: %v", err)
	}
	var cases []golden
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if !strings.HasPrefix(name, "bad-") {
			cases = append(cases, golden{dir: name, fixture: p})
		}
	}
	web := filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "docker-20.10-web.json")
	return append(cases,
		golden{dir: "options/full-network", fixture: web, opts: apparmor.Options{FullNetwork: true}},
		golden{dir: "options/name", fixture: web, opts: apparmor.Options{Name: "web.v2"}},
	)
}

func containers(t *testing.T, path string) []inspect.Container {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := inspect.Parse(bytes.NewReader(data), "")
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cs
}

func goldenDir(dir string) string {
	return filepath.Join(testutil.RepoRoot(), "testdata", "apparmor", filepath.FromSlash(dir))
}

func TestGolden(t *testing.T) {
	for _, g := range goldens(t) {
		t.Run(g.dir, func(t *testing.T) {
			var warnings []string
			for _, c := range containers(t, g.fixture) {
				opts := g.opts
				if c.Name == "" {
					opts.Name = "unnamed" // a bare OCI config names no container
				}
				p, err := apparmor.Generate(c, opts)
				if err != nil {
					t.Fatalf("container %s: %v", c.Name, err)
				}
				text, err := p.Text()
				if err != nil {
					t.Fatal(err)
				}
				testutil.Golden(t, filepath.Join(goldenDir(g.dir), p.Name), text)
				warnings = append(warnings, p.Warnings...)
			}
			path := filepath.Join(goldenDir(g.dir), "warnings.golden")
			if len(warnings) == 0 {
				if _, err := os.Stat(path); err == nil {
					t.Errorf("%s exists, but no profile has a warning (remove it)", path)
				}
				return
			}
			testutil.Golden(t, path, []byte(strings.Join(warnings, "\n")+"\n"))
		})
	}
}

// goldenProfiles returns every golden profile file.
func goldenProfiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(goldenDir(""), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "warnings.golden" {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden profiles: %v", err)
	}
	return files
}

// TestCompile compiles every golden profile with AppArmor's own parser,
// with the includes of this host's /etc/apparmor.d, as loading them
// would (-Q: do not load, -K: no cache; no kernel support needed).
func TestCompile(t *testing.T) {
	parser := testutil.Tool(t, "apparmor_parser")
	testutil.File(t, "/etc/apparmor.d/abstractions/base")
	files := goldenProfiles(t)
	for _, f := range files {
		out, err := exec.Command(parser, "-Q", "-K", "-q", f).CombinedOutput()
		if err != nil {
			t.Errorf("apparmor_parser -Q -K %s: %v\n%s", f, err, out)
		}
	}
	t.Logf("%d golden profiles compiled", len(files))
}

// TestRefused gives Generate paths and names that would change a rule
// if written as they are: each must be refused, with nothing written.
func TestRefused(t *testing.T) {
	mount := func(dest string) inspect.Container {
		return inspect.Container{Name: "web", Engine: inspect.Docker, Mounts: []inspect.Mount{{Source: "/srv/www", Destination: dest, ReadOnly: true, Type: inspect.Bind}}}
	}
	device := func(p string) inspect.Container {
		return inspect.Container{Name: "web", Engine: inspect.Docker, Devices: []inspect.Device{{HostPath: "/dev/fuse", ContainerPath: p, Permissions: "rw"}}}
	}
	tests := []struct {
		name string
		c    inspect.Container
		opts apparmor.Options
		want error
	}{
		{"comma and newline end the rule", mount("/www,\n  /** rwlkmix,\n  /x"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a brace closes the profile", mount("/www}\nprofile evil {"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a quote ends the path", mount(`/www" rw, "/x`), apparmor.Options{}, apparmor.ErrBadPath},
		{"a glob widens the deny to nothing", mount("/w*w"), apparmor.Options{}, apparmor.ErrBadPath},
		{"brackets", mount("/www[0-9]"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a variable", mount("/@{HOME}"), apparmor.Options{}, apparmor.ErrBadPath},
		{"an escape", mount(`/www\,`), apparmor.Options{}, apparmor.ErrBadPath},
		{"a comment", mount("/www # x"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a NUL", mount("/www\x00"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a tab", mount("/www\tx"), apparmor.Options{}, apparmor.ErrBadPath},
		{"relative", mount("www"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a device path with a comma", device("/dev/fuse,\n  capability,"), apparmor.Options{}, apparmor.ErrBadPath},
		{"a name that opens a block", mount("/www"), apparmor.Options{Name: "web {"}, apparmor.ErrBadName},
		{"a name with a newline", mount("/www"), apparmor.Options{Name: "web\ncapability,"}, apparmor.ErrBadName},
		{"unconfined", mount("/www"), apparmor.Options{Name: "unconfined"}, apparmor.ErrBadName},
		{"docker's own", mount("/www"), apparmor.Options{Name: "docker-default"}, apparmor.ErrBadName},
		{"podman's own", mount("/www"), apparmor.Options{Name: "containers-default-0.50.1"}, apparmor.ErrBadName},
		{"a container name that is not a profile name", inspect.Container{Name: "/-web"}, apparmor.Options{}, apparmor.ErrBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := apparmor.Generate(tt.c, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got profile %v and error %v, want %v", p, err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error is not one line: %q", err)
			}
		})
	}
}

// TestQuoted checks that a path with a space is written quoted, whole,
// and that AppArmor's parser reads the rule as one path.
func TestQuoted(t *testing.T) {
	c := inspect.Container{Name: "web", Engine: inspect.Podman, Mounts: []inspect.Mount{
		{Source: "/srv/my site", Destination: "/var/www/my site/", ReadOnly: true, Type: inspect.Bind},
		{Source: "/srv/up", Destination: "/up//load", Type: inspect.Bind},
	}}
	p, err := apparmor.Generate(c, apparmor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`  audit deny "/var/www/my site{,/**}" wl,`, "  /up/load{,/**} rwlk,"} {
		if !strings.Contains(string(text), want+"\n") {
			t.Errorf("the profile lacks the line %q:\n%s", want, text)
		}
	}
	file := filepath.Join(t.TempDir(), "web")
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	parser := testutil.Tool(t, "apparmor_parser")
	if out, err := exec.Command(parser, "-Q", "-K", "-q", file).CombinedOutput(); err != nil {
		t.Errorf("apparmor_parser: %v\n%s", err, out)
	}
}

// TestComments checks that a host path, which goes into a comment as it
// is, cannot end its comment line and start a rule.
func TestComments(t *testing.T) {
	c := inspect.Container{Name: "web", Engine: inspect.Docker, Mounts: []inspect.Mount{
		{Source: "/srv/www\n  capability sys_admin,\n#", Destination: "/www", Type: inspect.Bind},
	}}
	p, err := apparmor.Generate(c, apparmor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.Text()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(strings.Split(string(text), "\n"), "  capability sys_admin,") {
		t.Errorf("the source's newline started a rule:\n%s", text)
	}
	if !strings.Contains(string(text), `  # mount /srv/www\n  capability sys_admin,\n# -> /www (rw)`+"\n") {
		t.Errorf("the comment does not show the source escaped:\n%s", text)
	}
}

// TestValidate checks that the writer refuses rules of the model that
// no generator should make, so a caller building a profile by hand
// cannot write one that means something else.
func TestValidate(t *testing.T) {
	for _, r := range []apparmor.Rule{
		apparmor.FileRule{Pattern: "/www, /** rwlkmix", Perms: "r"},
		apparmor.FileRule{Pattern: "/www}", Perms: "r"},
		apparmor.FileRule{Pattern: "/www", Perms: "rwq"},
		apparmor.FileRule{Pattern: "www", Perms: "r"},
		apparmor.FileRule{Pattern: "/a b", Perms: "r"},
		apparmor.FileRule{Pattern: "/www", Perms: "r", Qualifier: "owner"},
		apparmor.CapabilityRule{Name: "frobnicate"},
		apparmor.NetworkRule{Family: "bluetooth"},
		apparmor.NetworkRule{Type: "stream"},
	} {
		p := &apparmor.Profile{Name: "web", Sections: []apparmor.Section{{Rules: []apparmor.Rule{r}}}}
		if _, err := p.Text(); !errors.Is(err, apparmor.ErrBadRule) {
			t.Errorf("%s: got %v, want ErrBadRule", r.Text(), err)
		}
	}
}

// TestNested checks the warning for a read-write mount below a
// read-only one, which AppArmor's deny makes read-only too.
func TestNested(t *testing.T) {
	c := inspect.Container{Name: "web", Engine: inspect.Docker, Mounts: []inspect.Mount{
		{Source: "/srv/www", Destination: "/www", ReadOnly: true, Type: inspect.Bind},
		{Source: "/srv/up", Destination: "/www/uploads", Type: inspect.Bind},
		{Source: "/srv/wwwx", Destination: "/wwwx", Type: inspect.Bind},
	}}
	p, err := apparmor.Generate(c, apparmor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mount /srv/up -> /www/uploads (rw) lies below mount /srv/www -> /www (ro): in AppArmor a deny wins, so it cannot be written either; mount it outside /www"}
	if !slices.Equal(p.Warnings, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", p.Warnings, want)
	}
}

// TestProve proves the profile of every docker and podman fixture's
// containers with internal/aaproof, which reads the profile with
// AppArmor's own parser and python3-apparmor, and the engine's raw
// inspect JSON with its own reader, never with this package's code or
// pkg/inspect. Each read-only mount is then flipped to read-write in the
// profile, its deny replaced by the rule a read-write mount gets, and
// the proof must fail at that mount.
func TestProve(t *testing.T) {
	var proved, caught int
	for _, g := range goldens(t) {
		base := filepath.Base(g.fixture)
		if !strings.HasPrefix(base, "docker-") && !strings.HasPrefix(base, "podman-") || g.opts.FullNetwork {
			// The proof reads docker's and podman's inspect output, and
			// --full-network-access grants more than the container needs,
			// on purpose.
			continue
		}
		data, err := os.ReadFile(g.fixture)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range containers(t, g.fixture) {
			p, err := apparmor.Generate(c, g.opts)
			if err != nil {
				t.Fatal(err)
			}
			text, err := p.Text()
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), p.Name)
			if err := os.WriteFile(file, text, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, f := range aaproof.Prove(t, file, data, i) {
				t.Errorf("%s, container %s: %s", g.dir, c.Name, f)
			}
			proved++
			for _, m := range c.Mounts {
				if !m.ReadOnly {
					continue
				}
				tree, err := apparmor.Tree(m.Destination)
				if err != nil {
					t.Fatal(err)
				}
				deny := "  audit deny " + tree + " wl,\n"
				if !strings.Contains(string(text), deny) {
					t.Fatalf("%s: the profile has no line %q", p.Name, deny)
				}
				// The rule the mount would have if it were read-write.
				flipped := strings.Replace(string(text), deny, "  "+tree+" rwlk,\n", 1)
				broken := filepath.Join(t.TempDir(), p.Name)
				if err := os.WriteFile(broken, []byte(flipped), 0o644); err != nil {
					t.Fatal(err)
				}
				failures := aaproof.Prove(t, broken, data, i)
				if !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, m.Destination) }) {
					t.Errorf("%s: with read-only %s flipped to read-write, the proof still passes: %q", p.Name, m.Destination, failures)
				}
				caught++
			}
		}
	}
	t.Logf("%d profiles proved; %d read-only mounts flipped to read-write, each caught", proved, caught)
}
