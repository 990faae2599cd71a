package aaproof

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// python is the interpreter Debian's python3-apparmor is installed for.
const python = "/usr/bin/python3"

// missingLibrary is the script's exit status when python3-apparmor cannot
// be imported.
const missingLibrary = 3

//go:embed proof/*.py
var script embed.FS

// Result is what one proof found.
type Result struct {
	// Failures says what the profile grants that the container does not
	// need, or lacks that it needs, one line each; none when proved.
	Failures []string `json:"failures"`
	// Decisions counts the accesses, capabilities and socket types the
	// proof decided.
	Decisions int `json:"decisions"`
	// Rules counts the rules of the profile, its includes expanded.
	Rules int `json:"rules"`
}

// Prove proves the AppArmor profile in the file profilePath for the
// container at index of the engine's inspect output, and returns the
// failures: none when the profile grants what the container needs and
// nothing more.
func Prove(t testing.TB, profilePath string, inspectJSON []byte, index int) []string {
	t.Helper()
	return Check(t, profilePath, inspectJSON, index).Failures
}

// Check is Prove with the figures: how many decisions the proof made, on
// how many rules. Inspect output it cannot read, or the script's own
// error, fails the test.
func Check(t testing.TB, profilePath string, inspectJSON []byte, index int) Result {
	t.Helper()
	py := testutil.Tool(t, python)
	parser := testutil.Tool(t, "apparmor_parser")
	profile, err := filepath.Abs(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := script.ReadDir("proof")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := script.ReadFile("proof/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// -E and -s: no PYTHON* variable and no user site-packages change
	// what the proof imports; -B: no bytecode beside the script.
	cmd := exec.Command(py, "-E", "-s", "-B", filepath.Join(dir, "prove.py"), parser, profile, strconv.Itoa(index))
	cmd.Stdin = bytes.NewReader(inspectJSON)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == missingLibrary {
		testutil.Missing(t, "%s", strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		t.Fatalf("aaproof: proving %s: %v\n%s", profilePath, err, stderr.Bytes())
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("aaproof: proving %s: the script printed %q: %v", profilePath, out, err)
	}
	return r
}
