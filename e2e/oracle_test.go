package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// hostFileContexts is the file_contexts of the host's policy, which the
// oracle labels paths with as restorecon would.
const hostFileContexts = "/etc/selinux/default/contexts/files/file_contexts"

// A labelled path is one path a mount holds, as the oracle found and
// labelled it: its class, its type ("-" for none) and its path.
type labelled struct {
	class, typ, path string
}

var oracle struct {
	mu     sync.Mutex
	labels map[string][]labelled // by mount source
}

// mountLabels returns, for each source, every path the mount of it holds
// with its label, from testdata/labels.py: python walks the tree and
// libselinux's selabel_lookup labels each path for its file type, so
// nothing of confine's decides what a mount holds.
func mountLabels(t testing.TB, sources []string) map[string][]labelled {
	t.Helper()
	oracle.mu.Lock()
	defer oracle.mu.Unlock()
	if oracle.labels == nil {
		oracle.labels = map[string][]labelled{}
	}
	var ask []string
	for _, s := range sources {
		if _, ok := oracle.labels[s]; !ok && !slices.Contains(ask, s) {
			ask = append(ask, s)
		}
	}
	if len(ask) > 0 {
		py := testutil.Tool(t, "/usr/bin/python3")
		testutil.File(t, hostFileContexts)
		cmd := exec.Command(py, filepath.Join(testutil.RepoRoot(), "e2e", "testdata", "labels.py"), hostFileContexts)
		cmd.Stdin = strings.NewReader(strings.Join(ask, "\n") + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("labels.py: %v\n%s", err, stderr.Bytes())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			if len(f) != 4 {
				t.Fatalf("labels.py printed %q", sc.Text())
			}
			oracle.labels[f[0]] = append(oracle.labels[f[0]], labelled{f[1], f[2], f[3]})
		}
		for _, s := range ask {
			if len(oracle.labels[s]) == 0 {
				t.Fatalf("labels.py said nothing of %s, which a scenario mounts", s)
			}
		}
	}
	got := make(map[string][]labelled, len(sources))
	for _, s := range sources {
		got[s] = oracle.labels[s]
	}
	return got
}

// udicaTypes counts the types udica's rule gives a mount of source: the
// type of every file_contexts entry (the policy's, the local ones and the
// home directories') whose pattern starts with the source's text, and the
// source's own label. It is udica's rule restated for the figures CI
// prints, not a judge of confine's.
func udicaTypes(t testing.TB, source, own string) int {
	t.Helper()
	types := map[string]bool{}
	if own != "-" && own != "" {
		types[own] = true
	}
	for _, suffix := range []string{"", ".local", ".homedirs"} {
		data, err := os.ReadFile(hostFileContexts + suffix)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) < 2 || !strings.HasPrefix(f[0], source) {
				continue
			}
			ctx := strings.Split(f[len(f)-1], ":")
			if len(ctx) >= 3 {
				types[ctx[2]] = true
			}
		}
	}
	return len(types)
}

// mountFigures are the per-mount numbers CI prints: the types a mount
// holds, the secret ones among them, the types confine grants it, and
// the types udica's rule would.
type mountFigures struct {
	source                          string
	present, secret, granted, udica int
}

var figures struct {
	mu   sync.Mutex
	rows map[string]mountFigures
}

func recordFigures(f mountFigures) {
	figures.mu.Lock()
	defer figures.mu.Unlock()
	if figures.rows == nil {
		figures.rows = map[string]mountFigures{}
	}
	figures.rows[f.source] = f
}

// figureLines returns the per-mount lines for the summary, by source.
func figureLines() []string {
	figures.mu.Lock()
	defer figures.mu.Unlock()
	var lines []string
	for _, f := range figures.rows {
		lines = append(lines, fmt.Sprintf("e2e mount %-32s %2d types present (%d secret), %2d granted; udica's rule: %d", f.source, f.present, f.secret, f.granted, f.udica))
	}
	slices.Sort(lines)
	return lines
}
