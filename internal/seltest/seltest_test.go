package seltest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/templates"
)

func writeCIL(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const webModule = `(block web
    (blockinherit container)
    (blockinherit restricted_net_container)
    (allow process http_port_t (tcp_socket (name_bind))))
`

func TestDelta(t *testing.T) {
	tests := []struct {
		before, after  []string
		added, removed []string
	}{
		{nil, nil, nil, nil},
		{[]string{"a", "b"}, []string{"a", "b"}, nil, nil},
		{[]string{"a"}, []string{"a", "b"}, []string{"b"}, nil},
		{[]string{"a", "b"}, []string{"b"}, nil, []string{"a"}},
		{[]string{"a", "c"}, []string{"b", "c", "d"}, []string{"b", "d"}, []string{"a"}},
		// Multisets: a line logged twice is not the line logged once.
		{[]string{"a", "a"}, []string{"a"}, nil, []string{"a"}},
		{[]string{"a"}, []string{"a", "a", "b"}, []string{"a", "b"}, nil},
	}
	for _, tt := range tests {
		added, removed := seltest.Delta(tt.before, tt.after)
		if !slices.Equal(added, tt.added) || !slices.Equal(removed, tt.removed) {
			t.Errorf("Delta(%q, %q) = %q, %q; want %q, %q", tt.before, tt.after, added, removed, tt.added, tt.removed)
		}
	}
}

// TestCompileMini compiles a module against the mini base and finds its
// rule, merged with the one restricted_net_container grants on the same
// port type.
func TestCompileMini(t *testing.T) {
	files := append(seltest.MiniPolicy(t, templates.Refpolicy), writeCIL(t, "web.cil", webModule))
	policy := seltest.Compile(t, files...)
	rules := seltest.Allowed(t, policy, "web.process")
	want := "allow web.process http_port_t:tcp_socket { name_bind name_connect };"
	if !slices.Contains(rules, want) {
		t.Errorf("no %q in:\n%s", want, strings.Join(rules, "\n"))
	}
	if !slices.IsSorted(rules) {
		t.Errorf("rules are not sorted:\n%s", strings.Join(rules, "\n"))
	}
}

func TestCompileFailsWithSecilcOutput(t *testing.T) {
	tests := []struct{ name, module, want string }{
		{"unknown type", "(block bad (blockinherit container) (allow process no_such_t (file (read))))", "Failed to resolve allow statement"},
		{"unknown block", "(block bad (blockinherit no_such_container))", "Failed to resolve blockinherit statement"},
		{"capability2 in capability", "(block bad (blockinherit container) (allow process self (capability (syslog))))", "Failed to resolve permission syslog"},
		{"unbalanced", "(block bad (blockinherit container)", "Open parenthesis without matching close"},
	}
	for _, flavor := range []templates.Flavor{templates.Refpolicy, templates.Fedora} {
		base := seltest.MiniPolicy(t, flavor)
		for _, tt := range tests {
			t.Run(flavor.String()+"/"+tt.name, func(t *testing.T) {
				out := seltest.CompileFails(t, append(base, writeCIL(t, "bad.cil", tt.module))...)
				if !strings.Contains(out, tt.want) {
					t.Errorf("secilc output lacks %q:\n%s", tt.want, out)
				}
			})
		}
	}
}

// TestFedora41 compiles against Fedora 41's names: a module naming what
// Fedora has compiles, with its rule on Fedora's http_port_t, and one
// naming a type Fedora 41 dropped does not. The template stand-ins grant
// nothing, so web.process has the module's rule alone.
func TestFedora41(t *testing.T) {
	base := seltest.Fedora41(t)
	policy := seltest.Compile(t, append(base, writeCIL(t, "web.cil", webModule))...)
	want := []string{"allow web.process http_port_t:tcp_socket name_bind;"}
	if rules := seltest.Allowed(t, policy, "web.process"); !slices.Equal(rules, want) {
		t.Errorf("web.process has the rules\n%s\nwant\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"))
	}
	// udica's own test expectations still name sge_spool_t.
	old := writeCIL(t, "old.cil", "(block old (blockinherit container) (allow process sge_spool_t (dir (read))))")
	if out := seltest.CompileFails(t, append(base, old)...); !strings.Contains(out, "Failed to resolve allow statement at "+old) {
		t.Errorf("secilc output does not point at the unknown type's rule:\n%s", out)
	}
}

// TestDisabledOptionals shows an optional block whose names do not
// resolve: secilc drops it without an error, and only its verbose log
// tells.
func TestDisabledOptionals(t *testing.T) {
	base := seltest.MiniPolicy(t, templates.Refpolicy)
	before := seltest.DisabledOptionals(t, base...)
	mod := writeCIL(t, "quiet.cil", `(block quiet
    (blockinherit container)
    (optional quiet_needs_a_missing_type
        (allow process no_such_t (file (read)))))
`)
	after := seltest.DisabledOptionals(t, append(base, mod)...)
	added, removed := seltest.Delta(before, after)
	if len(added) == 0 || len(removed) != 0 {
		t.Fatalf("disabled optionals: added %q, removed %q; want the module's optional added", added, removed)
	}
	for _, line := range added {
		if line != "Disabling optional 'quiet_needs_a_missing_type' at quiet.cil:3" {
			t.Errorf("unexpected line %q", line)
		}
	}
}

func TestSesearchFailure(t *testing.T) {
	testutil.Tool(t, "sesearch")
	ft := &fatalTB{TB: t}
	if ft.run(func() { seltest.Sesearch(ft, filepath.Join(t.TempDir(), "missing.33"), "-A") }) {
		t.Fatal("Sesearch on a missing policy did not fail the test")
	}
}

// fatalTB records a test's fatal failure instead of ending the real test,
// so that the tests can check what fails a test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fatalTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }

// run calls fn and reports whether it returned without a fatal failure.
func (f *fatalTB) run(fn func()) bool {
	done := make(chan bool)
	go func() {
		ok := false
		defer func() { done <- ok }()
		fn()
		ok = true
	}()
	return <-done
}

// TestRefpolicy assembles the real reference policy, then checks that a
// module compiles against it and that Ref.Compile fails a test whose
// module has an optional block secilc drops.
func TestRefpolicy(t *testing.T) {
	start := time.Now()
	ref := seltest.Refpolicy(t)
	t.Logf("reference policy ready in %v: %d base files, %d templates", time.Since(start), len(ref.Base), len(ref.Templates))

	names := map[string]bool{}
	for _, f := range ref.Base {
		names[filepath.Base(f)] = true
	}
	for _, want := range []string{"base.cil", "container.cil", "apache.cil"} {
		if !names[want] {
			t.Errorf("base lacks %s", want)
		}
	}
	if len(ref.Templates) == 0 {
		t.Error("no templates")
	}
	if len(ref.Disabled) == 0 {
		t.Error("no disabled optionals logged; Debian's policy has many, so the log was not read")
	}
	if fi, err := os.Stat(ref.Policy); err != nil || fi.Size() < 1<<20 {
		t.Errorf("policy %s: %v, want a file of megabytes", ref.Policy, err)
	}
	if again := seltest.Refpolicy(t); again != ref {
		t.Error("a second call assembled the policy again")
	}

	quiet := writeCIL(t, "quiet.cil", `(block quiet
    (blockinherit container)
    (optional quiet_needs_a_missing_type
        (allow process no_such_t (file (read)))))
`)
	ft := &fatalTB{TB: t}
	if ft.run(func() { ref.Compile(ft, quiet) }) {
		t.Error("Ref.Compile accepted a module whose optional block secilc drops")
	} else if !strings.Contains(ft.msg, "quiet_needs_a_missing_type") {
		t.Errorf("Ref.Compile failed without naming the dropped optional:\n%s", ft.msg)
	}
}

func TestViolations(t *testing.T) {
	base := seltest.MiniPolicy(t, templates.Refpolicy)
	rules := writeCIL(t, "rules.cil", `(typeattribute confined)
(neverallow confined self (capability (sys_module)))
(block ok (blockinherit container)
    (allow process self (capability (chown))))
(block bad (blockinherit container) (typeattributeset confined (process))
    (allow process self (capability (sys_module)))
    (allow process self (capability (chown))))
`)
	if got, want := seltest.Violations(t, append(base, rules)...), []string{"rules.cil:6"}; !slices.Equal(got, want) {
		t.Errorf("Violations = %q, want %q", got, want)
	}
	fine := writeCIL(t, "fine.cil", "(block ok (blockinherit container) (allow process self (capability (chown))))\n")
	if got := seltest.Violations(t, append(base, fine)...); got != nil {
		t.Errorf("Violations of a policy that compiles = %q, want none", got)
	}
}
