package cmd_test

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/templates"
)

// generated runs confine in a fresh working directory and returns the
// whole transcript: the command, its exit status, standard output and
// error, and every file it left in the directory. It also returns the
// modules it wrote, by name.
func generated(t *testing.T, root, args, stdin string) (string, map[string]string) {
	t.Helper()
	work := t.TempDir()
	t.Chdir(work)
	var in io.Reader = strings.NewReader("")
	if stdin != "" {
		path := stdin
		if !filepath.IsAbs(path) {
			path = filepath.Join(testutil.RepoRoot(), path)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	argv := strings.Fields(strings.ReplaceAll(args, "ROOT", root))
	var got result
	got.status, got.stdout, got.stderr = run(argv, in)
	transcript := "$ confine " + args
	if stdin != "" {
		transcript += " < " + stdin
	}
	transcript += "\n" + got.String()
	modules := map[string]string{}
	err := filepath.WalkDir(work, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(work, path)
		transcript += "-- file " + name + " --\n" + string(data)
		modules[filepath.Base(name)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.status == 0 && strings.Contains(args, "-o -") {
		modules["stdout.cil"] = got.stdout
	}
	return strings.ReplaceAll(transcript, root, "ROOT"), modules
}

// TestGenerateFixtures runs confine on every inspect fixture, for the
// Fedora 41 host, and compares the whole transcript with
// testdata/cmd/generate/fixtures/NAME.golden. Every module written must
// compile against Fedora 41's declarations with the Fedora template
// stand-ins, and against the small base with confine's refpolicy
// templates.
func TestGenerateFixtures(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	paths, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures (%v)", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		if strings.HasPrefix(name, "bad-") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			transcript, modules := generated(t, root, "--root ROOT", "testdata/inspect/"+name+".json")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "generate", "fixtures", name+".golden"), []byte(transcript))
			compileModules(t, modules)
		})
	}
}

// TestGenerateCommand checks flags and failures against golden transcripts
// in testdata/cmd/generate.
func TestGenerateCommand(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	for _, tc := range []struct{ name, args, stdin string }{
		{"name", "--root ROOT web", "testdata/inspect/docker-20.10-web.json"},
		{"generate-subcommand", "generate --root ROOT -j testdata/inspect/podman-4.3-web.json web", ""},
		{"caps-none", "--root ROOT -c none web", "testdata/inspect/docker-20.10-caps.json"},
		{"caps-flag", "--root ROOT -c CAP_SYS_ADMIN,syslog,Bpf web", "testdata/inspect/docker-20.10-default.json"},
		{"caps-bad", "--root ROOT -c SYS_ADMIN,fly web", "testdata/inspect/docker-20.10-default.json"},
		{"devices-flag", "--root ROOT --devices /dev/fuse,/dev/sda web", "testdata/inspect/docker-20.10-default.json"},
		{"devices-relative", "--root ROOT --devices dev/fuse web", "testdata/inspect/docker-20.10-default.json"},
		{"all-flags", "--root ROOT --full-network-access --tty-access --X-access --virt-access -s db -s cache web", "testdata/inspect/podman-4.3-web.json"},
		{"stdout", "--root ROOT -o - web", "testdata/inspect/podman-4.3-web.json"},
		{"output-file", "--root ROOT -o mod.cil web", "testdata/inspect/podman-4.3-web.json"},
		{"refpolicy", "--root ROOT --flavor refpolicy web", "testdata/inspect/podman-4.3-web.json"},
		{"flavor-bad", "--root ROOT --flavor debian web", "testdata/inspect/podman-4.3-web.json"},
		{"several-named", "--root ROOT web", "testdata/inspect/docker-20.10-multi.json"},
		{"several-output", "--root ROOT -o x.cil", "testdata/inspect/docker-20.10-multi.json"},
		{"out-dir", "--root ROOT --out-dir modules/all", "testdata/inspect/docker-20.10-multi.json"},
		{"selinuxprofile", "--root ROOT --format selinuxprofile web", "testdata/inspect/podman-4.3-web.json"},
		{"selinuxprofile-several", "--root ROOT --format selinuxprofile --spo-denied drop --out-dir k8s", "testdata/inspect/docker-20.10-multi.json"},
		{"selinuxprofile-stdout", "--root ROOT --format selinuxprofile -o - web", "testdata/inspect/docker-20.10-default.json"},
		{"format-bad", "--root ROOT --format yaml web", "testdata/inspect/docker-20.10-default.json"},
		{"out-dir-and-output", "--root ROOT --out-dir modules -o x.cil web", "testdata/inspect/docker-20.10-web.json"},
		{"name-injection", "--root ROOT web)(allow", "testdata/inspect/docker-20.10-web.json"},
		{"stream-injection", "--root ROOT -s db.process web", "testdata/inspect/docker-20.10-web.json"},
		{"bad-json", "--root ROOT web", "testdata/inspect/bad-truncated.json"},
		{"missing-json", "--root ROOT -j testdata/no-such.json web", ""},
		{"root-and-policy", "--root ROOT --policy /x web", "testdata/inspect/docker-20.10-web.json"},
		{"no-policy", "--root ROOT/nowhere web", "testdata/inspect/docker-20.10-web.json"},
		{"terminal", "--root ROOT web", "/dev/null"},
		{"confined-user", "--root ROOT confined_user", "testdata/inspect/docker-20.10-web.json"},
		{"store-without-load", "--root ROOT --store targeted web", "testdata/inspect/podman-4.3-web.json"},
		{"append-rules", "--root ROOT -a testdata/audit/enforcing-guest.log web", "testdata/inspect/docker-20.10-default.json"},
		{"append-rules-other-domain", "--root ROOT -a testdata/audit/hand-written.log other", "testdata/inspect/docker-20.10-default.json"},
		{"append-rules-no-denial", "--root ROOT --append-rules testdata/inspect/docker-20.10-web.json web", "testdata/inspect/docker-20.10-default.json"},
		{"append-rules-missing", "--root ROOT -a testdata/no-such.log web", "testdata/inspect/docker-20.10-default.json"},
		{"append-rules-stdin", "--root ROOT -a - web", "testdata/inspect/docker-20.10-default.json"},
		{"load-no-templates", "--root ROOT -l web", "testdata/inspect/docker-20.10-default.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin := tc.stdin
			args := tc.args
			if strings.Contains(args, "testdata/") {
				args = strings.ReplaceAll(args, "testdata/", filepath.Join(testutil.RepoRoot(), "testdata")+"/")
			}
			transcript, modules := generated(t, root, args, stdin)
			transcript = strings.ReplaceAll(transcript, filepath.Join(testutil.RepoRoot(), "testdata")+"/", "testdata/")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "generate", tc.name+".golden"), []byte(transcript))
			if !strings.Contains(tc.args, "--format selinuxprofile") { // pkg/spo checks those
				compileModules(t, modules)
			}
		})
	}
}

var (
	allowTarget = regexp.MustCompile(`\(allow process ([^ ]+) `)
	declared    = regexp.MustCompile(`\((?:type|typeattribute|typealias) ([^ )]+)\)`)
)

// compileModules compiles each module against Fedora 41's declarations
// (so that every name in it exists there) and against the small base with
// confine's refpolicy templates, declaring there the types the module
// grants access to that the small base does not know. The domains of
// --stream-connect get a module of their own.
func compileModules(t *testing.T, modules map[string]string) {
	t.Helper()
	if len(modules) == 0 {
		return
	}
	dir := t.TempDir()
	fedora := seltest.Fedora41(t)
	mini := seltest.MiniPolicy(t, templates.Refpolicy)
	known := map[string]bool{"process": true}
	for _, f := range mini {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range declared.FindAllStringSubmatch(string(data), -1) {
			known[m[1]] = true
		}
	}
	for name, text := range modules {
		path := filepath.Join(dir, name)
		var types, domains strings.Builder
		seen := maps.Clone(known)
		for _, m := range allowTarget.FindAllStringSubmatch(text, -1) {
			typ := m[1]
			if domain, _, ok := strings.Cut(typ, "."); ok {
				typ = domain
				if !seen[typ] {
					fmt.Fprintf(&domains, "(block %s (blockinherit container))\n", domain)
				}
			} else if !seen[typ] {
				fmt.Fprintf(&types, "(type %s)\n(roletype object_r %s)\n", typ, typ)
			}
			seen[typ] = true
		}
		typesPath := filepath.Join(dir, "types-"+name)
		domainsPath := filepath.Join(dir, "domains-"+name)
		for p, data := range map[string]string{path: text, typesPath: types.String(), domainsPath: domains.String()} {
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		seltest.Compile(t, slices.Concat(fedora, []string{domainsPath, path})...)
		seltest.Compile(t, slices.Concat(mini, []string{typesPath, domainsPath, path})...)
	}
}

// TestAnsibleFleet writes one playbook and one archive for every
// container of an input with -d --out-dir, and no module file beside
// them.
func TestAnsibleFleet(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	t.Chdir(t.TempDir())
	fixture := filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "docker-20.10-multi.json")
	status, _, stderr := run([]string{"--root", root, "--flavor", "refpolicy", "-d", "--out-dir", "fleet", "-j", fixture}, strings.NewReader(""))
	if status != 0 {
		t.Fatalf("exit status %d\n%s", status, stderr)
	}
	entries, err := os.ReadDir("fleet")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"containers-policy.tar.gz", "deploy-module.yml", "variables-deploy-module.yml"}; !slices.Equal(names, want) {
		t.Errorf("fleet holds %q, want %q", names, want)
	}
	vars, err := os.ReadFile(filepath.Join("fleet", "variables-deploy-module.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(vars), "\nfinal_policy: capsdrop.cil devices.cil hostnet.cil") {
		t.Errorf("the variables do not name every module:\n%s", vars)
	}
}
