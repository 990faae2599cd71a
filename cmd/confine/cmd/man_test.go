package cmd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/confine-policy/confine/internal/testutil"
)

// manGoldens is where the pages' golden files are, one NAME.8 per page.
var manGoldens = filepath.Join(testutil.RepoRoot(), "testdata", "man")

// noSourceDate unsets SOURCE_DATE_EPOCH for the test, so that the pages
// carry their fallback date (a test binary records no commit), as the
// golden files do. Unset, not empty: groff reads it too.
func noSourceDate(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	os.Unsetenv("SOURCE_DATE_EPOCH")
}

// runMain runs confine in-process, as main does.
func runMain(args ...string) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = Main(args, strings.NewReader(""), &out, &errOut)
	return status, out.String(), errOut.String()
}

// undocumented returns what a page or --help would leave out for every
// command from root down, hidden ones too: a Short, Long or Example
// missing, a Long without the exit statuses it must end with, or a flag
// shown without a usage.
func undocumented(root *cobra.Command) []string {
	var bad []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		name := c.CommandPath()
		for field, text := range map[string]string{"Short": c.Short, "Long": c.Long, "Example": c.Example} {
			if strings.TrimSpace(text) == "" {
				bad = append(bad, fmt.Sprintf("%s has no %s", name, field))
			}
		}
		if !strings.Contains(c.Long, "Exit status:\n") {
			bad = append(bad, fmt.Sprintf("%s: its Long does not end with its exit statuses (+ \"\\n\\n\" + exitStatusHelp, or its own list written as exitStatusHelp is)", name))
		} else if _, _, err := splitExitStatus(c.Long); err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", name, err))
		}
		c.InitDefaultHelpFlag() // as cobra does before printing help
		check := func(f *pflag.Flag) {
			if !f.Hidden && f.Deprecated == "" && strings.TrimSpace(f.Usage) == "" {
				bad = append(bad, fmt.Sprintf("%s: flag --%s has no usage", name, f.Name))
			}
		}
		c.LocalFlags().VisitAll(check)
		c.InheritedFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	slices.Sort(bad)
	return bad
}

// TestManDocumented checks that every command has what its page and
// --help print: a Short, a Long that ends with its exit statuses, an
// Example, and a usage for every flag, its own and inherited.
func TestManDocumented(t *testing.T) {
	for _, v := range undocumented(newRoot(&streams{})) {
		t.Error(v)
	}
}

// TestManDocumentedCatches adds an undocumented command and flags to the
// tree and checks that undocumented says so.
func TestManDocumentedCatches(t *testing.T) {
	root := newRoot(&streams{})
	root.PersistentFlags().Bool("quiet", false, "")
	bare := &cobra.Command{Use: "bare", Long: "bare does things.", Run: func(*cobra.Command, []string) {}}
	bare.Flags().String("bare-flag", "", " ")
	root.AddCommand(bare)
	got := undocumented(root)
	for _, want := range []string{
		"confine bare has no Short",
		"confine bare has no Example",
		"confine bare: its Long does not end with its exit statuses",
		"confine bare: flag --bare-flag has no usage",
		"confine: flag --quiet has no usage",
		"confine generate: flag --quiet has no usage", // inherited
	} {
		if !slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, want) }) {
			t.Errorf("undocumented = %q, want one starting %q", got, want)
		}
	}
}

// TestManExamples checks that every confine command line in an Example
// is one the current flags and arguments accept.
func TestManExamples(t *testing.T) {
	for _, c := range manCommands(newRoot(&streams{})) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#") {
				continue
			}
			for _, part := range strings.Split(line, "|") {
				args := strings.Fields(part)
				if len(args) == 0 || args[0] != "confine" {
					continue
				}
				// A tree of its own for each line, as a process has.
				root := newRoot(&streams{})
				cmd, rest, err := root.Find(args[1:])
				if err == nil {
					err = cmd.ParseFlags(rest)
				}
				if err == nil {
					err = cmd.ValidateArgs(cmd.Flags().Args())
				}
				if err != nil {
					t.Errorf("%s's Example: %q: %v", c.CommandPath(), strings.TrimSpace(part), err)
				}
			}
		}
	}
}

// TestManPages writes every page with confine man --write, compares each
// whole with its golden file in testdata/man, and checks that confine man
// prints confine.8.
func TestManPages(t *testing.T) {
	noSourceDate(t)
	dir := filepath.Join(t.TempDir(), "man8")
	status, stdout, stderr := runMain("man", "--write", dir)
	if status != 0 || stderr != "" {
		t.Fatalf("confine man --write: exit status %d, stderr %q", status, stderr)
	}
	var want, names []string
	for _, c := range manCommands(newRoot(&streams{})) {
		names = append(names, manName(c)+".8")
		want = append(want, filepath.Join(dir, manName(c)+".8"))
	}
	if got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"); !slices.Equal(got, want) {
		t.Errorf("confine man --write printed %q, want %q", got, want)
	}
	for _, name := range []string{"confine.8", "confine-generate.8", "confine-inspect.8", "confine-label.8", "confine-port.8", "confine-templates.8", "confine-version.8", "confine-man.8"} {
		if !slices.Contains(names, name) {
			t.Errorf("no page %s among %q", name, names)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(names) {
		t.Errorf("%s holds %d files, want the %d pages", dir, len(entries), len(names))
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		testutil.Golden(t, filepath.Join(manGoldens, name), got)
	}
	// A page whose command is gone leaves no golden file behind.
	goldens, _ := filepath.Glob(filepath.Join(manGoldens, "*.8"))
	for _, g := range goldens {
		if !slices.Contains(names, filepath.Base(g)) {
			if testutil.Updating() {
				if err := os.Remove(g); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("%s is the page of no command (run with -update to remove it)", g)
		}
	}

	status, stdout, stderr = runMain("man")
	root, _ := os.ReadFile(filepath.Join(dir, "confine.8"))
	if status != 0 || stderr != "" || stdout != string(root) {
		t.Errorf("confine man: exit status %d, stderr %q, and standard output is not confine.8", status, stderr)
	}
}

// TestManDate checks that SOURCE_DATE_EPOCH dates the pages, in UTC, and
// that a malformed one is a usage error.
func TestManDate(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1706745599") // 2024-01-31T23:59:59Z
	status, stdout, stderr := runMain("man")
	if first, _, _ := strings.Cut(stdout, "\n"); status != 0 || stderr != "" || first != `.TH "CONFINE" "8" "Jan 2024" "confine" "System Manager's Manual"` {
		t.Errorf("confine man with SOURCE_DATE_EPOCH: exit status %d, stderr %q, first line %q", status, stderr, first)
	}
	for _, bad := range []string{"yesterday", "-1"} {
		t.Setenv("SOURCE_DATE_EPOCH", bad)
		if status, stdout, stderr := runMain("man"); status != 2 || stdout != "" || !strings.Contains(stderr, "SOURCE_DATE_EPOCH") {
			t.Errorf("SOURCE_DATE_EPOCH=%s: exit status %d, stdout %d bytes, stderr %q; want 2 and the variable named", bad, status, len(stdout), stderr)
		}
	}
}

// TestManWrite checks that a page that cannot be written leaves no page
// written, and ends with exit status 4.
func TestManWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "confine-port.8"), 0o755); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := runMain("man", "--write", dir)
	if status != 4 || stdout != "" || !strings.Contains(stderr, "confine-port.8") {
		t.Errorf("confine man --write over a directory: exit status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after a failed write the directory holds %v, want only the directory in the way", entries)
	}
	if status, _, _ := runMain("man", "extra"); status != 2 {
		t.Errorf("confine man extra: exit status %d, want 2", status)
	}
}

// TestManRender renders every page as man does, and fails on any warning
// of man or groff; then checks, in the text man shows, that each page says
// what --help says: the description, every flag's usage, the exit
// statuses and the examples, none of it lost to the markup.
func TestManRender(t *testing.T) {
	man := testutil.Tool(t, "man")
	groff := testutil.Tool(t, "groff")
	noSourceDate(t)
	dir := t.TempDir()
	if status, _, stderr := runMain("man", "--write", dir); status != 0 {
		t.Fatalf("confine man --write: exit status %d: %s", status, stderr)
	}
	space := regexp.MustCompile(`\s+`)
	flat := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, " ")) }
	for _, c := range manCommands(newRoot(&streams{})) {
		page := filepath.Join(dir, manName(c)+".8")
		var text string
		for _, width := range []string{"80", "1000"} {
			cmd := exec.Command(man, "--warnings", "-l", page)
			cmd.Env = append(os.Environ(), "MANWIDTH="+width, "MANPAGER=cat", "LC_ALL=C.UTF-8")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Errorf("man --warnings -l %s (MANWIDTH=%s): %v\n%s", filepath.Base(page), width, err, stderr.String())
			}
			text = stdout.String()
		}
		if out, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", page).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("groff -ww %s: %v\n%s", filepath.Base(page), err, out)
		}

		text = flat(text)
		description, statuses, err := splitExitStatus(c.Long)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, para := range strings.Split(description, "\n\n") {
			want = append(want, flat(para))
		}
		for _, st := range statuses {
			want = append(want, fmt.Sprintf("%d %s", st.code, flat(st.text)))
		}
		c.InitDefaultHelpFlag()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			_, usage := pflag.UnquoteUsage(f)
			want = append(want, flat(usage))
		})
		for _, line := range strings.Split(c.Example, "\n") {
			want = append(want, flat(line))
		}
		want = append(want, "SEE ALSO", "semodule(8), udica(8)")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not say %q", filepath.Base(page), w)
			}
		}
	}
}
