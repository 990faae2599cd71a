package cmd_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/cmd/confine/cmd"
	"github.com/confine-policy/confine/internal/testutil"
)

// run runs confine in-process with args and stdin.
func run(args []string, stdin io.Reader) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = cmd.Main(args, stdin, &out, &errOut)
	return status, out.String(), errOut.String()
}

// TestInspectFixtures runs `confine inspect` on every inspect fixture, fed
// on standard input, and checks that it prints the model pkg/inspect's
// golden file holds and nothing else, or for bad-*.json nothing on standard
// output, the golden error on standard error, and exit status 3.
func TestInspectFixtures(t *testing.T) {
	if testutil.Updating() {
		t.Skip("the fixtures' golden files are pkg/inspect's to update")
	}
	paths, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures (%v)", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			golden, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			want := result{0, string(golden), ""}
			if strings.HasPrefix(name, "bad-") {
				want = result{3, "", "confine: " + string(golden)}
			}
			var got result
			got.status, got.stdout, got.stderr = run([]string{"inspect"}, f)
			if got != want {
				t.Errorf("confine inspect < %s:\n%s", filepath.Base(path), testutil.Diff([]byte(want.String()), []byte(got.String())))
			}
		})
	}
}

type result struct {
	status         int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit status %d\n-- stdout --\n%s-- stderr --\n%s", r.status, r.stdout, r.stderr)
}

// TestInspectCommand checks the command line: files and standard input,
// --engine, and every way to get it wrong, each against a golden
// transcript in testdata/cmd/inspect.
func TestInspectCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  string
		stdin string // a file to read standard input from; "" for none
	}{
		{"file", "inspect -j testdata/inspect/docker-20.10-web.json", ""},
		{"stdin-dash", "inspect -j -", "testdata/inspect/podman-4.3-web.json"},
		{"several", "inspect", "testdata/inspect/crio-1.31-multi.json"},
		{"engine-crio", "inspect --engine CRI-O -j testdata/inspect/crio-1.30-redis.json", ""},
		{"engine-override", "inspect -e DOCKER", "testdata/inspect/podman-4.3-web.json"},
		{"engine-unknown", "inspect --engine rkt", "testdata/inspect/docker-20.10-web.json"},
		{"engine-mismatch", "inspect --engine oci -j testdata/inspect/docker-20.10-web.json", ""},
		{"bad-file", "inspect -j testdata/inspect/bad-second-container.json", ""},
		{"missing-file", "inspect -j testdata/inspect/no-such-file.json", ""},
		// /dev/null is a character device, as a terminal is.
		{"terminal", "inspect", "/dev/null"},
		{"extra-argument", "inspect web", "testdata/inspect/docker-20.10-web.json"},
		{"unknown-flag", "inspect --colour", "testdata/inspect/docker-20.10-web.json"},
	}
	t.Chdir(testutil.RepoRoot())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdin io.Reader = strings.NewReader("")
			if tt.stdin != "" {
				f, err := os.Open(tt.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				stdin = f
			}
			var got result
			got.status, got.stdout, got.stderr = run(strings.Fields(tt.args), stdin)
			transcript := fmt.Sprintf("$ confine %s", tt.args)
			if tt.stdin != "" {
				transcript += " < " + tt.stdin
			}
			testutil.Golden(t, filepath.Join("testdata", "cmd", "inspect", tt.name+".golden"), []byte(transcript+"\n"+got.String()))
		})
	}
}
