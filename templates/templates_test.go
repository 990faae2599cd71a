package templates_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/templates"
)

func TestParseFlavor(t *testing.T) {
	tests := []struct {
		in   string
		want templates.Flavor
		err  error
	}{
		{"fedora", templates.Fedora, nil},
		{"refpolicy", templates.Refpolicy, nil},
		{"Fedora", 0, templates.ErrUnknownFlavor},
		{"rhel", 0, templates.ErrUnknownFlavor},
		{"", 0, templates.ErrUnknownFlavor},
	}
	for _, tt := range tests {
		got, err := templates.ParseFlavor(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParseFlavor(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("ParseFlavor(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestDir(t *testing.T) {
	tests := []struct {
		f    templates.Flavor
		want string
	}{
		{templates.Fedora, "/usr/share/udica/templates"},
		{templates.Refpolicy, "/usr/share/confine/templates"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := tt.f.Dir(); got != tt.want {
			t.Errorf("%v.Dir() = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestFile(t *testing.T) {
	tests := []struct {
		block, want string
		err         error
	}{
		{"container", "base_container.cil", nil},
		{"net_container", "net_container.cil", nil},
		{"restricted_net_container", "net_container.cil", nil},
		{"home_rw_container", "home_container.cil", nil},
		{"log_container", "log_container.cil", nil},
		{"tmp_rw_container", "tmp_container.cil", nil},
		{"config_rw_container", "config_container.cil", nil},
		{"tty_container", "tty_container.cil", nil},
		{"x_container", "x_container.cil", nil},
		{"virt_container", "virt_container.cil", nil},
		{"base_container", "", templates.ErrUnknownBlock},
		{"home_manage_container", "", templates.ErrUnknownBlock},
		{"", "", templates.ErrUnknownBlock},
	}
	for _, tt := range tests {
		got, err := templates.File(tt.block)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("File(%q) = %q, %v; want %q, %v", tt.block, got, err, tt.want, tt.err)
		}
	}
}

// refpolicyFS returns confine's template files, as Files and Data give
// them.
func refpolicyFS(t *testing.T) fs.FS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range templates.Files() {
		data, err := templates.Data(name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return fsys
}

var blockDecl = regexp.MustCompile(`(?m)^\(block ([a-z_]+)$`)

// definedBlocks maps each block defined in the CIL files of fsys to its
// file.
func definedBlocks(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	names, err := fs.Glob(fsys, "*.cil")
	if err != nil || len(names) == 0 {
		t.Fatalf("no CIL files: %v", err)
	}
	blocks := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		found := blockDecl.FindAllSubmatch(data, -1)
		if len(found) == 0 {
			t.Errorf("%s defines no block", name)
		}
		for _, m := range found {
			if prev, ok := blocks[string(m[1])]; ok {
				t.Errorf("block %s defined in %s and %s", m[1], prev, name)
			}
			blocks[string(m[1])] = name
		}
	}
	return blocks
}

// TestBlocksMatchFiles checks File and Blocks against the blocks each
// template file defines, for confine's templates and for the Fedora
// stand-ins, which have udica's file and block names as the real
// container-selinux templates do.
func TestBlocksMatchFiles(t *testing.T) {
	sets := map[string]fs.FS{
		"refpolicy":        refpolicyFS(t),
		"fedora stand-ins": os.DirFS(filepath.Join(testutil.RepoRoot(), "testdata", "policy", "fedora-templates")),
	}
	for name, fsys := range sets {
		t.Run(name, func(t *testing.T) {
			defined := definedBlocks(t, fsys)
			if got, want := slices.Sorted(maps.Keys(defined)), slices.Sorted(slices.Values(templates.Blocks())); !slices.Equal(got, want) {
				t.Errorf("files define %q, Blocks() = %q", got, want)
			}
			for block, file := range defined {
				if got, err := templates.File(block); got != file || err != nil {
					t.Errorf("File(%s) = %q, %v; %s defines it", block, got, err, file)
				}
			}
			files, err := fs.Glob(fsys, "*.cil")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(files, templates.Files()) {
				t.Errorf("the files are %q, Files() = %q", files, templates.Files())
			}
		})
	}
}

// TestBlocksAreAbstract checks that every refpolicy template block is
// abstract, so that loading the templates adds no domain of their own,
// and keeps its rules in an optional named after it, except container,
// whose declarations every module needs.
func TestBlocksAreAbstract(t *testing.T) {
	for block, file := range definedBlocks(t, refpolicyFS(t)) {
		data, err := templates.Data(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("(blockabstract "+block+")")) {
			t.Errorf("%s: block %s is not abstract", file, block)
		}
		optional := bytes.Contains(data, []byte("(optional "+block+"_policy\n"))
		if optional != (block != "container") {
			t.Errorf("%s: block %s has an optional body: %v", file, block, optional)
		}
	}
}

// inheritAll returns a module that inherits every template block.
func inheritAll(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "(block %s\n", name)
	for _, block := range templates.Blocks() {
		fmt.Fprintf(&b, "    (blockinherit %s)\n", block)
	}
	b.WriteString(")\n")
	return b.String()
}

func writeCIL(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkNothingDropped compiles base alone, base with the templates, and
// base with the templates and a module inheriting every block, and fails
// if the templates or the module make secilc drop an optional block.
func checkNothingDropped(t *testing.T, base, tmpl []string) {
	t.Helper()
	without := seltest.DisabledOptionals(t, base...)
	with := seltest.DisabledOptionals(t, slices.Concat(base, tmpl)...)
	all := seltest.DisabledOptionals(t, slices.Concat(base, tmpl, []string{writeCIL(t, "all.cil", inheritAll("all"))})...)
	if added, removed := seltest.Delta(without, with); len(added)+len(removed) > 0 {
		t.Errorf("the templates alone change what secilc drops: +%q -%q", added, removed)
	}
	if added, _ := seltest.Delta(with, all); len(added) > 0 {
		t.Errorf("secilc drops template bodies a module inherits:\n%s", strings.Join(added, "\n"))
	}
}

func TestNothingDroppedOnMini(t *testing.T) {
	checkNothingDropped(t, seltest.Mini(), seltest.RefpolicyTemplates(t))
}

// TestFedoraStandInsDropNothing compiles the Fedora template stand-ins,
// alone and with a module inheriting every block, on the mini base and on
// Fedora 41's declarations: they must compile there and make secilc drop
// nothing. Today they name nothing outside their blocks; this keeps any
// name a stand-in comes to use one that both bases declare.
func TestFedoraStandInsDropNothing(t *testing.T) {
	t.Run("mini", func(t *testing.T) {
		checkNothingDropped(t, seltest.Mini(), seltest.FedoraTemplates(t))
	})
	// Fedora 41's declarations hold every type and attribute of its
	// policy: a stand-in naming one that Fedora lacks fails to compile,
	// or has its optional body dropped.
	t.Run("fedora-41", func(t *testing.T) {
		decl := testutil.Shared(t, "policy/fedora-41/declarations.cil")
		// secilc refuses a policy without a single allow rule.
		rule := writeCIL(t, "rule.cil", "(allow kernel_t self (process (fork)))\n")
		checkNothingDropped(t, []string{decl, rule}, seltest.FedoraTemplates(t))
	})
}

// TestGrantsOnMini records in a golden file what each refpolicy block
// grants beyond container, rule by rule and attribute by attribute, as
// secilc resolves it: one probe module per block, one compile, one
// sesearch, one seinfo.
func TestGrantsOnMini(t *testing.T) {
	blocks := slices.Sorted(slices.Values(templates.Blocks()))
	var mod strings.Builder
	for _, block := range blocks {
		fmt.Fprintf(&mod, "(block probe_%s (blockinherit container)", block)
		if block != "container" {
			fmt.Fprintf(&mod, " (blockinherit %s)", block)
		}
		mod.WriteString(")\n")
	}
	policy := seltest.Compile(t, append(seltest.MiniPolicy(t, templates.Refpolicy), writeCIL(t, "probes.cil", mod.String()))...)
	rules := seltest.Sesearch(t, policy, "-A")
	attrs := seltest.Attributes(t, policy)
	probeRules := func(block string) []string {
		var lines []string
		for _, r := range rules {
			if strings.Contains(r, "probe_"+block+".") {
				lines = append(lines, strings.ReplaceAll(r, "probe_"+block+".", "NAME."))
			}
		}
		for _, typ := range []string{"process", "socket"} {
			for _, a := range attrs["probe_"+block+"."+typ] {
				lines = append(lines, "typeattribute NAME."+typ+" "+a+";")
			}
		}
		slices.Sort(lines)
		return lines
	}
	base := probeRules("container")
	var out strings.Builder
	fmt.Fprintf(&out, "container:\n")
	for _, r := range base {
		fmt.Fprintf(&out, "\t%s\n", r)
	}
	for _, block := range blocks {
		if block == "container" {
			continue
		}
		added, removed := seltest.Delta(base, probeRules(block))
		if len(added) == 0 {
			t.Errorf("%s adds nothing to container", block)
		}
		fmt.Fprintf(&out, "\n%s (beyond container):\n", block)
		for _, r := range added {
			fmt.Fprintf(&out, "\t+ %s\n", r)
		}
		for _, r := range removed {
			fmt.Fprintf(&out, "\t- %s\n", r) // a merged rule replaces container's
		}
	}
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "templates", "grants-mini.golden"), []byte(out.String()))
}

// TestOnRefpolicy compiles the templates into Debian's reference policy
// with refpolicy's container module: the templates alone and a module
// inheriting every block make secilc drop nothing, and the usual module
// for a container publishing port 80 adds exactly its port rule.
func TestOnRefpolicy(t *testing.T) {
	ref := seltest.Refpolicy(t)

	without := seltest.DisabledOptionals(t, ref.Base...)
	if added, removed := seltest.Delta(without, ref.Disabled); len(added)+len(removed) > 0 {
		t.Errorf("the templates alone change what secilc drops: +%q -%q", added, removed)
	}

	web := writeCIL(t, "web.cil", `(block web
    (blockinherit container)
    (blockinherit restricted_net_container)
    (allow process http_port_t (tcp_socket (name_bind))))
`)
	baseline := writeCIL(t, "web.cil", `(block web
    (blockinherit container)
    (blockinherit restricted_net_container))
`)
	// Compile fails the test if secilc drops any template body.
	policy := ref.Compile(t, web, writeCIL(t, "all.cil", inheritAll("all")))
	before := seltest.Allowed(t, ref.Compile(t, baseline), "web.process")
	after := seltest.Allowed(t, policy, "web.process")

	added, removed := seltest.Delta(before, after)
	// restricted_net_container lets the container connect to HTTP ports,
	// so the binary policy merges the two rules into one.
	wantAdded := []string{"allow web.process http_port_t:tcp_socket { name_bind name_connect };"}
	wantRemoved := []string{"allow web.process http_port_t:tcp_socket name_connect;"}
	if !slices.Equal(added, wantAdded) || !slices.Equal(removed, wantRemoved) {
		t.Errorf("the port rule changes web.process's rules by\n+%q\n-%q\nwant\n+%q\n-%q", added, removed, wantAdded, wantRemoved)
	}

	domain := seltest.Sesearch(t, policy, "-A", "-s", "web.process", "-t", "container_file_t", "-c", "file", "-p", "entrypoint")
	if len(domain) == 0 {
		t.Error("engines cannot start web.process: no entrypoint on container_file_t")
	}
}

// TestDebianEnginesOnRefpolicy checks that debian_engines.cil, which the
// reference base compiles with the templates, passes the policy's
// neverallow rules there and gives the engine's domain its rules: the
// root shell's transition into it, and what crun does.
func TestDebianEnginesOnRefpolicy(t *testing.T) {
	ref := seltest.Refpolicy(t)
	if !slices.ContainsFunc(ref.Templates, func(f string) bool { return filepath.Base(f) == templates.DebianEnginesFile }) {
		t.Fatalf("the reference base does not compile %s", templates.DebianEnginesFile)
	}
	rules := seltest.Allowed(t, ref.Policy, "container_engine_t")
	for _, want := range []string{
		"allow container_engine_t sysctl_t:dir read;",
		"allow container_engine_t unconfined_t:fd use;",
	} {
		if !slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(r, strings.TrimSuffix(want, ";")) }) {
			t.Errorf("container_engine_t lacks %q", want)
		}
	}
	shell := seltest.Sesearch(t, ref.Policy, "-T", "-s", "unconfined_t", "-t", "container_engine_exec_t", "-c", "process")
	if !slices.Contains(shell, "type_transition unconfined_t container_engine_exec_t:process container_engine_t;") {
		t.Errorf("no transition from a root shell into the engine's domain: %q", shell)
	}
}
