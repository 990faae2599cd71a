package seltest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/templates"
)

// policyVersion is the binary policy version tests build: the newest
// that Debian 12's secilc and setools both know.
const policyVersion = "33"

// Mini returns the CIL files of the small test base: mini-base.cil, which
// declares what modules and both template flavours name, and
// mini-refpolicy.cil, which adds what the refpolicy-flavour templates name
// beyond it.
func Mini() []string {
	dir := filepath.Join(testutil.RepoRoot(), "testdata", "policy")
	return []string{filepath.Join(dir, "mini-base.cil"), filepath.Join(dir, "mini-refpolicy.cil")}
}

// FedoraTemplates returns the test stand-ins for container-selinux's udica
// templates, testdata/policy/fedora-templates/*.cil, to compile
// Fedora-flavour modules against Mini or Fedora41: udica's file and block
// names, with block container declaring process and socket, the types a
// module names, and every other block empty. They grant nothing, so a
// policy compiled with them holds only the base's rules and the module's.
func FedoraTemplates(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "policy", "fedora-templates", "*.cil"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Fedora template stand-ins under testdata/policy/fedora-templates (%v)", err)
	}
	return files
}

// Fedora41 returns Fedora 41's declarations (every type, attribute,
// class and role of its policy, without rules), from the shared data
// beside the repository, followed by the template stand-ins. A module
// that compiles against them names only what Fedora 41 has. When the
// shared data is absent, the test is skipped, or failed under
// CONFINE_REQUIRE_TOOLS=1 (testutil.Shared).
func Fedora41(t testing.TB) []string {
	t.Helper()
	return append([]string{testutil.Shared(t, "policy/fedora-41/declarations.cil")}, FedoraTemplates(t)...)
}

// RefpolicyTemplates writes confine's refpolicy-flavour templates into a
// temporary directory and returns the template files' paths (not
// templates.DebianEnginesFile, which names types only Debian's full
// policy has).
func RefpolicyTemplates(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	if _, err := confine.WriteTemplates(dir); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range templates.Files() {
		files = append(files, filepath.Join(dir, name))
	}
	return files
}

// MiniPolicy returns what a module of the flavour compiles against on
// the mini base: Mini, then the flavour's templates (for Fedora, the
// stand-ins of FedoraTemplates).
func MiniPolicy(t testing.TB, flavor templates.Flavor) []string {
	t.Helper()
	switch flavor {
	case templates.Fedora:
		return slices.Concat(Mini(), FedoraTemplates(t))
	case templates.Refpolicy:
		return slices.Concat(Mini(), RefpolicyTemplates(t))
	}
	t.Fatalf("no mini policy for flavour %v", flavor)
	return nil
}

// Compile compiles the CIL files with secilc into a binary policy in a
// temporary directory and returns its path. A failure fails the test with
// secilc's output.
func Compile(t testing.TB, files ...string) string {
	t.Helper()
	policy, out, err := secilc(t, false, files)
	if err != nil {
		t.Fatalf("secilc %s: %v\n%s", strings.Join(baseNames(files), " "), err, out)
	}
	return policy
}

// CompileFails compiles the CIL files, fails the test if secilc accepts
// them, and returns secilc's output otherwise, for tests of what must not
// compile.
func CompileFails(t testing.TB, files ...string) string {
	t.Helper()
	_, out, err := secilc(t, false, files)
	if err == nil {
		t.Fatalf("secilc %s succeeded, want a failure", strings.Join(baseNames(files), " "))
	}
	return string(out)
}

// Violations compiles the CIL files and returns where the allow
// statements that break a neverallow rule are, as "FILE:LINE" with the
// file's base name, sorted; none when the files compile. A compile that
// fails for any other reason fails the test.
func Violations(t testing.TB, files ...string) []string {
	t.Helper()
	_, out, err := secilc(t, false, files)
	if err == nil {
		return nil
	}
	var places []string
	for line := range strings.Lines(string(out)) {
		// "    allow at FILE:LINE", under each "neverallow check failed"
		if place, ok := strings.CutPrefix(strings.TrimSpace(line), "allow at "); ok {
			places = append(places, filepath.Base(place))
		}
	}
	if len(places) == 0 || !bytes.Contains(out, []byte("neverallow check failed")) {
		t.Fatalf("secilc %s: %v\n%s", strings.Join(baseNames(files), " "), err, out)
	}
	slices.Sort(places)
	return slices.Compact(places)
}

// DisabledOptionals compiles the CIL files with secilc -v -v, which logs
// each optional block it drops because a name in it does not resolve,
// and returns those lines ("Disabling optional 'NAME' at FILE:LINE", the
// file without its directory), sorted. secilc logs a drop once per resolution pass, so the same block
// may appear more than once; compare the lists of two compiles, not a list
// with zero. A failed compile fails the test.
func DisabledOptionals(t testing.TB, files ...string) []string {
	t.Helper()
	_, lines := compileVerbose(t, files)
	return lines
}

// compileVerbose compiles with secilc -v -v and returns the policy's path
// and the optional blocks secilc dropped.
func compileVerbose(t testing.TB, files []string) (string, []string) {
	t.Helper()
	policy, out, err := secilc(t, true, files)
	if err != nil {
		t.Fatalf("secilc -v -v %s: %v\n%s", strings.Join(baseNames(files), " "), err, errorLines(out))
	}
	return policy, disabledLines(out)
}

func secilc(t testing.TB, verbose bool, files []string) (policy string, out []byte, err error) {
	t.Helper()
	bin := testutil.Tool(t, "secilc")
	policy = filepath.Join(t.TempDir(), "policy."+policyVersion)
	args := []string{"-c", policyVersion, "-o", policy, "-f", os.DevNull}
	if verbose {
		args = append(args, "-v", "-v")
	}
	out, err = exec.Command(bin, append(args, files...)...).CombinedOutput()
	return policy, out, err
}

func disabledLines(log []byte) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Disabling optional ") {
			continue
		}
		// Name the file without its directory, so that compiles of the
		// same files from different places compare equal.
		if i := strings.LastIndex(line, " at "); i >= 0 {
			line = line[:i+len(" at ")] + filepath.Base(line[i+len(" at "):])
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines
}

// errorLines drops the progress lines of a verbose secilc log, which run
// to tens of thousands on a full policy, keeping what explains a failure.
func errorLines(log []byte) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Disabling optional ") || strings.HasPrefix(line, "Failed to resolve ") {
			continue // expected in any policy with optional blocks
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func baseNames(files []string) []string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	if len(names) > 6 {
		names = append(names[:6:6], "...")
	}
	return names
}

// Sesearch runs sesearch with args on the policy and returns its rule
// lines, trimmed and sorted, so that two runs compare line by line.
func Sesearch(t testing.TB, policy string, args ...string) []string {
	t.Helper()
	return setools(t, "sesearch", policy, args)
}

// Attributes returns the attributes of every type of the policy, each
// list sorted, from one seinfo run. secilc leaves out of a binary policy
// the attributes no rule names.
func Attributes(t testing.TB, policy string) map[string][]string {
	t.Helper()
	attrs := map[string][]string{}
	for _, line := range setools(t, "seinfo", policy, []string{"-x", "-t"}) {
		// type NAME, ATTR, ATTR;
		fields := strings.Split(strings.TrimSuffix(line, ";"), ", ")
		name, ok := strings.CutPrefix(fields[0], "type ")
		if !ok {
			continue // the "Types: N" heading
		}
		slices.Sort(fields[1:])
		attrs[name] = fields[1:]
	}
	return attrs
}

// setools runs a setools command on the policy and returns its output
// lines, trimmed, without blank ones, sorted.
func setools(t testing.TB, tool, policy string, args []string) []string {
	t.Helper()
	bin := testutil.Tool(t, tool)
	// seinfo wants the policy first, sesearch takes it anywhere.
	cmd := exec.Command(bin, append([]string{policy}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s %s: %v\n%s", tool, policy, strings.Join(args, " "), err, stderr.Bytes())
	}
	var lines []string
	for line := range strings.Lines(string(out)) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	slices.Sort(lines)
	return lines
}

// Allowed returns the allow rules whose source is the type itself, not an
// attribute it belongs to (sesearch -A -ds -s TYPE), normalized as
// Sesearch does. Rules with the same source, target and class are merged
// in a binary policy, so a module's rule may show up with permissions the
// base policy grants too; compare with a baseline (Delta).
func Allowed(t testing.TB, policy, typ string) []string {
	t.Helper()
	return Sesearch(t, policy, "-A", "-ds", "-s", typ)
}

// Delta compares two sorted lists, such as the rules of a baseline policy
// and of the same policy with a module, as multisets: added holds the
// lines only after has, or has more often; removed those only before has.
func Delta(before, after []string) (added, removed []string) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || i < len(before) && before[i] < after[j]:
			removed = append(removed, before[i])
			i++
		case i == len(before) || after[j] < before[i]:
			added = append(added, after[j])
			j++
		default:
			i++
			j++
		}
	}
	return added, removed
}
