package check_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/check"
	"github.com/confine-policy/confine/templates"
)

// refpolicyTemplates are confine's templates as Run takes them.
func refpolicyTemplates(t *testing.T, replace ...check.File) []check.File {
	t.Helper()
	var files []check.File
	for _, name := range templates.Files() {
		data, err := templates.Data(name)
		if err != nil {
			t.Fatal(err)
		}
		f := check.File{Name: name, CIL: data}
		if i := slices.IndexFunc(replace, func(r check.File) bool { return r.Name == name }); i >= 0 {
			f = replace[i]
		}
		files = append(files, f)
	}
	return files
}

// TestRun checks modules against a copy of Debian's store with the
// container module in it, each with one kind of problem, and one with
// none, in one run: each problem is reported at the module's own line,
// and the good module passes.
func TestRun(t *testing.T) {
	testutil.Tool(t, "secilc")
	root := seltest.ContainerStore(t)
	// A stand-in for a template whose rules name a type this policy
	// lacks, as a host whose policy has no X server module would.
	xStandIn := check.File{Name: "x_container.cil", CIL: []byte(`(block x_container
    (blockabstract x_container)
    (optional x_container_policy
        (allow process confine_test_xserver_t (unix_stream_socket (connectto)))
    )
)
`)}
	mods := []check.File{
		{Name: "dir/unknown.cil", CIL: []byte("(block unknown\n    (blockinherit container)\n    (allow process confine_test_missing_t (file (read)))\n)\n")},
		{Name: "syslog.cil", CIL: []byte("(block syslog\n    (blockinherit container)\n\n    (allow process process (capability (chown syslog)))\n)\n")},
		{Name: "dropped.cil", CIL: []byte("(block dropped\n    (blockinherit container)\n    (blockinherit x_container)\n)\n")},
		{Name: "forbidden.cil", CIL: []byte("(block forbidden\n    (blockinherit container)\n    (allow process shadow_t (file (read)))\n)\n")},
		{Name: "good.cil", CIL: []byte("(block good\n    (blockinherit container)\n    (blockinherit restricted_net_container)\n    (allow process http_port_t (tcp_socket (name_bind)))\n)\n")},
	}
	rep, err := check.Run(context.Background(), mods, refpolicyTemplates(t, xStandIn), check.Options{Root: root, Store: seltest.Store})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"dir/unknown.cil:3: unknown type confine_test_missing_t",
		"syslog.cil:4: permission syslog is not in class capability (it is in cap2_userns, capability2)",
		"dropped.cil:3: the rules of template x_container are dropped: its optional block x_container_policy (x_container.cil:3) names something the policy lacks, so the container will not get them",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no problem %q", w)
		}
	}
	forbids := slices.IndexFunc(got, func(p string) bool {
		return strings.HasPrefix(p, "forbidden.cil:3: base.cil:") && strings.Contains(p, " forbids it: (neverallow ") && strings.Contains(p, "shadow_t (file (read")
	})
	if forbids < 0 {
		t.Error("no problem for the rule a neverallow forbids at forbidden.cil:3")
	}
	if rep.Failed("good.cil") {
		t.Error("good.cil has a problem")
	}
	if len(got) != len(want)+1 {
		t.Errorf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want)+1)
	}
}

// TestRunErrors checks what keeps every module from being judged.
func TestRunErrors(t *testing.T) {
	testutil.Tool(t, "secilc")
	root := seltest.CopyStore(t)
	good := []check.File{{Name: "good.cil", CIL: []byte("(block good (blockinherit container))\n")}}
	broken := check.File{Name: "base_container.cil", CIL: []byte("(block container (type process) (allow process confine_test_missing_t (file (read))))\n")}
	_, err := check.Run(context.Background(), good, []check.File{broken}, check.Options{Root: root, Store: seltest.Store})
	if !errors.Is(err, check.ErrBase) || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "base_container.cil:1") {
		t.Errorf("a template that does not compile: %v, want ErrBase in one line naming base_container.cil:1", err)
	}
	twice := []check.File{good[0], {Name: "other/good.cil", CIL: good[0].CIL}}
	if _, err := check.Run(context.Background(), twice, nil, check.Options{Root: root, Store: seltest.Store}); !errors.Is(err, check.ErrBadName) {
		t.Errorf("two files named good.cil: %v, want ErrBadName", err)
	}
	if _, err := check.Run(context.Background(), good, nil, check.Options{Root: t.TempDir(), Store: seltest.Store}); err == nil {
		t.Error("no store: no error")
	}
}
