package cmd_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/templates"
)

// The example host of the README's first command: a root directory that
// --root reads, made from our own CIL (see testdata/example-host.cil).
var (
	exampleHost       = filepath.Join(testutil.RepoRoot(), "testdata", "example-host")
	exampleHostCIL    = filepath.Join(testutil.RepoRoot(), "testdata", "example-host.cil")
	exampleHostPolicy = filepath.Join(exampleHost, "etc", "selinux", "example", "policy", "policy.33")
	// exampleHostGolden holds what the README's first command prints.
	exampleHostGolden = filepath.Join(testutil.RepoRoot(), "testdata", "example-host.golden")
)

// TestExampleHost keeps the example host current: its templates must be
// this confine's refpolicy templates, every one and nothing else, and its
// binary policy what secilc makes of the base, those templates and
// example-host.cil. With -update, it rewrites the templates and the
// policy instead.
func TestExampleHost(t *testing.T) {
	dir := filepath.Join(exampleHost, filepath.FromSlash(templates.Refpolicy.Dir()))
	var tmpls []string
	for _, name := range templates.Files() {
		want, err := templates.Data(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		tmpls = append(tmpls, path)
		if testutil.Updating() {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not confine's %s: run go test ./cmd/confine/cmd -run TestExampleHost -update", path, name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(templates.Files(), e.Name()) {
			t.Errorf("%s: %s is not one of confine's templates", dir, e.Name())
		}
	}

	policy := seltest.Compile(t, slices.Concat(seltest.Mini(), tmpls, []string{exampleHostCIL})...)
	got, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	if testutil.Updating() {
		if err := os.WriteFile(exampleHostPolicy, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(exampleHostPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what secilc makes of the example host's CIL: run go test ./cmd/confine/cmd -run TestExampleHost -update", exampleHostPolicy)
	}
}

// readmeFirstCommand returns the first command of the README's section
// "Build, and run it on an example": the line that builds confine and
// runs it on the example host.
func readmeFirstCommand(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(readme))
	in := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "## Build, and run it on an example":
			in = true
		case in && strings.HasPrefix(line, "## "):
			t.Fatal(`README.md: the section "Build, and run it on an example" has no command`)
		case in && strings.HasPrefix(line, "    "):
			return strings.TrimSpace(line)
		}
	}
	t.Fatal(`README.md has no section "Build, and run it on an example"`)
	return ""
}

// TestReadmeFirstCommand runs the README's first command as a fresh clone
// would (the build, confine on the example host, then showing the
// module), confine in-process, and compares what it prints with
// testdata/example-host.golden.
func TestReadmeFirstCommand(t *testing.T) {
	line := readmeFirstCommand(t)
	steps := strings.Split(line, " && ")
	if len(steps) != 3 {
		t.Fatalf("README.md's first command %q: want three steps joined by &&: go build -o confine ./cmd/confine, ./confine ..., cat FILE", line)
	}
	build := strings.Fields(steps[0])
	if len(build) < 2 || build[0] != "go" || build[1] != "build" || !strings.Contains(steps[0], " -o confine ") || !strings.HasSuffix(steps[0], " ./cmd/confine") {
		t.Errorf("README.md's first command builds with %q, want go build ... -o confine ./cmd/confine", steps[0])
	}
	args := strings.Fields(steps[1])
	if args[0] != "./confine" {
		t.Fatalf("README.md's first command runs %q, want ./confine ...", steps[1])
	}
	file, ok := strings.CutPrefix(steps[2], "cat ")
	if !ok || strings.ContainsAny(file, " /") {
		t.Fatalf("README.md's first command ends with %q, want cat FILE, the module confine wrote", steps[2])
	}
	if !slices.Contains(args, "--root") || !strings.Contains(steps[1], "testdata/example-host") {
		t.Errorf("README.md's first command %q does not run on the example host (--root testdata/example-host)", steps[1])
	}

	// A fresh clone's working directory: testdata, and nothing confine
	// wrote before.
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(testutil.RepoRoot(), "testdata"), filepath.Join(work, "testdata")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	var got result
	got.status, got.stdout, got.stderr = run(args[1:], strings.NewReader(""))
	if got.status != 0 {
		t.Fatalf("%s: %s", steps[1], got)
	}
	module, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%s wrote no %s: %v", steps[1], file, err)
	}
	transcript := "$ " + strings.Join(steps[1:], " && ") + "\n" + got.String() + "-- " + file + " --\n" + string(module)
	testutil.Golden(t, exampleHostGolden, []byte(transcript))
}
