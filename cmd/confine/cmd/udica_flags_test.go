package cmd_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
)

// The README's table of udica's flags sits between these lines.
const (
	udicaFlagsStart = "<!-- udica-flags: cmd/confine/cmd/udica_flags_test.go reads this table -->"
	udicaFlagsEnd   = "<!-- end of udica-flags -->"
)

// udicaFlag is how TestUdicaFlags runs one of udica's spellings. In
// args, FLAG is the spelling, ROOT the Fedora 41 host root, STORE a copy
// of Debian's policy store with the container module, FIXTURE the inspect
// output (which is standard input unless the args name it) and TESTDATA
// the repository's testdata directory.
type udicaFlag struct {
	args string
	// missing is a flag confine does not have yet: the README says "not
	// yet", and confine refuses it with exit status 2 and message.
	missing bool
	// status and message are the exit status and the words standard error
	// must hold when confine is to fail: for a missing flag, and for -i,
	// whose container no engine knows.
	status  int
	message string
	version bool // prints confine's version, and nothing else
	loads   bool // installs the module with semodule, as udica -l does
	ansible bool // writes udica's playbook, variables and archive instead of web.cil
}

var udicaFlags = map[string]udicaFlag{
	"ContainerName":         {args: "--root ROOT web"},
	"-V":                    {args: "--root ROOT FLAG web", version: true},
	"--version":             {args: "--root ROOT FLAG web", version: true},
	"-i":                    {args: "--root ROOT FLAG confine-udica-flags-no-such-container web", status: 3, message: "container confine-udica-flags-no-such-container"},
	"--container-id":        {args: "--root ROOT FLAG confine-udica-flags-no-such-container web", status: 3, message: "container confine-udica-flags-no-such-container"},
	"-j":                    {args: "--root ROOT FLAG FIXTURE web"},
	"--json":                {args: "--root ROOT FLAG FIXTURE web"},
	"--full-network-access": {args: "--root ROOT FLAG web"},
	"--tty-access":          {args: "--root ROOT FLAG web"},
	"--X-access":            {args: "--root ROOT FLAG web"},
	"--virt-access":         {args: "--root ROOT FLAG web"},
	"-s":                    {args: "--root ROOT FLAG db web"},
	"--stream-connect":      {args: "--root ROOT FLAG db web"},
	"-l":                    {args: "--root STORE FLAG web", loads: true},
	"--load-modules":        {args: "--root STORE FLAG web", loads: true},
	"-c":                    {args: "--root ROOT FLAG CAP_NET_BIND_SERVICE web"},
	"--caps":                {args: "--root ROOT FLAG CAP_NET_BIND_SERVICE web"},
	"--devices":             {args: "--root ROOT FLAG /dev/fuse web"},
	// The Fedora root has no template files for the archive; confine's
	// own refpolicy ones are everywhere.
	"-d":                 {args: "--root ROOT --flavor refpolicy FLAG web", ansible: true},
	"--ansible":          {args: "--root ROOT --flavor refpolicy FLAG web", ansible: true},
	"-a":                 {args: "--root ROOT FLAG TESTDATA/audit/enforcing-guest.log web"},
	"--append-rules":     {args: "--root ROOT FLAG TESTDATA/audit/enforcing-guest.log web"},
	"-e":                 {args: "--root ROOT FLAG docker web"},
	"--container-engine": {args: "--root ROOT FLAG docker web"},
	// udica takes any argument spelled confined_user for its other mode,
	// whose last argument is a user name: confine sees two NAMEs.
	"confined_user": {args: "--root ROOT FLAG web", missing: true, status: 2, message: "accepts at most 1 arg(s), received 2"},
}

// udicaEngines are the values udica's -e accepts, each with an inspect
// fixture of that engine.
var udicaEngines = map[string]string{
	"podman":     "podman-4.3-web.json",
	"CRI-O":      "crio-1.30-redis.json",
	"CRIO":       "crio-1.30-redis.json",
	"docker":     "docker-20.10-web.json",
	"containerd": "nerdctl-1.7-web.json",
}

// udicaRow is a row of the README's table: udica's spellings in its first
// column, and whether its second says confine does not have it yet.
type udicaRow struct {
	spellings []string
	notYet    bool
	line      string
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// readmeUdicaFlags returns the rows of the README's table of udica's
// flags.
func readmeUdicaFlags(t *testing.T) []udicaRow {
	t.Helper()
	table := testutil.ReadmeSection(t, udicaFlagsStart, udicaFlagsEnd)
	var rows []udicaRow
	n := 0
	for line := range strings.Lines(table) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") {
			t.Errorf("README.md: %q, between the udica-flags markers, is no table row", line)
			continue
		}
		n++
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Errorf("README.md: the udica-flags row %q has %d cells, want 3 (udica, confine, difference)", line, len(cells))
			continue
		}
		if n <= 2 { // the header and the line under it
			continue
		}
		row := udicaRow{line: line, notYet: strings.HasPrefix(strings.ToLower(strings.TrimSpace(cells[1])), "not yet")}
		for _, m := range codeSpan.FindAllStringSubmatch(cells[0], -1) {
			if f := strings.Fields(m[1]); len(f) > 0 {
				row.spellings = append(row.spellings, f[0])
			}
		}
		if len(row.spellings) == 0 {
			t.Errorf("README.md: the udica-flags row %q names no flag in `code`", line)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.Fatal("README.md: the udica-flags table has no row")
	}
	return rows
}

// TestUdicaFlags runs confine with each of udica's flags, spelled as
// udica spells it and as the README's udica-flags table lists it, on a
// docker inspect fixture for the Fedora 41 host (-l for a copy of
// Debian's store with the container module, into which it installs: the
// Fedora root has no templates to install): each is accepted, and prints
// udica's lines, or fails as the README says, with the exit status
// udica's scripts know. A flag confine lacks is one the README says it
// lacks, and the day it lands, this test and the README change together.
func TestUdicaFlags(t *testing.T) {
	rows := readmeUdicaFlags(t)
	root := hosttest.FedoraRoot(t)
	testdata := filepath.Join(testutil.RepoRoot(), "testdata")
	fixture := filepath.Join(testdata, "inspect", "docker-20.10-web.json")
	// One store for -l and --load-modules: the second installs web
	// again, as udica's scripts would on a rerun.
	store := seltest.ContainerStore(t)

	listed := map[string]bool{}
	for _, row := range rows {
		for _, spelling := range row.spellings {
			if listed[spelling] {
				t.Errorf("README.md: the udica-flags table lists %s twice", spelling)
			}
			listed[spelling] = true
			tc, ok := udicaFlags[spelling]
			switch {
			case !ok:
				t.Errorf("README.md's udica-flags table lists %s, which TestUdicaFlags does not run: add it to udicaFlags", spelling)
				continue
			case tc.missing && !row.notYet:
				t.Errorf("confine lacks %s, but README.md's udica-flags row does not say \"not yet\": %s", spelling, row.line)
			case !tc.missing && row.notYet:
				t.Errorf("README.md's udica-flags row says confine lacks %s, but udicaFlags runs it: %s", spelling, row.line)
			}
			t.Run(spelling, func(t *testing.T) {
				t.Chdir(t.TempDir())
				args := strings.NewReplacer("FLAG", spelling, "ROOT", root, "STORE", store, "FIXTURE", fixture, "TESTDATA", testdata).Replace(tc.args)
				in := strings.NewReader("")
				if !strings.Contains(tc.args, "FIXTURE") {
					data, err := os.ReadFile(fixture)
					if err != nil {
						t.Fatal(err)
					}
					in = strings.NewReader(string(data))
				}
				status, stdout, stderr := run(strings.Fields(args), in)
				t.Logf("confine %s: exit status %d\n%s%s", args, status, stdout, stderr)
				checkUdicaRun(t, tc, status, stdout, stderr)
				if tc.loads && status == 0 && !slices.Contains(seltest.Listed(t, store), "web") {
					t.Errorf("confine %s: semodule -l does not list web", spelling)
				}
			})
		}
	}
	for spelling := range udicaFlags {
		if !listed[spelling] {
			t.Errorf("udicaFlags runs %s, which README.md's udica-flags table does not list", spelling)
		}
	}

	// udica's -e takes these values, spelled so, each on its engine's
	// inspect output.
	for value, file := range udicaEngines {
		t.Run("-e "+value, func(t *testing.T) {
			t.Chdir(t.TempDir())
			args := []string{"--root", root, "-e", value, "-j", filepath.Join(testdata, "inspect", file), "web"}
			status, stdout, stderr := run(args, strings.NewReader(""))
			checkUdicaRun(t, udicaFlag{}, status, stdout, stderr)
		})
	}
}

// checkUdicaRun checks what confine did, run as tc says, in the current
// directory.
func checkUdicaRun(t *testing.T, tc udicaFlag, status int, stdout, stderr string) {
	t.Helper()
	_, err := os.Stat("web.cil")
	wrote := err == nil
	switch {
	case tc.version:
		if status != 0 || stderr != "" || !strings.HasPrefix(stdout, "confine ") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("exit status %d, stdout %q, stderr %q; want status 0 and one line of version", status, stdout, stderr)
		}
		if wrote {
			t.Error("printing the version wrote web.cil")
		}
		return
	case tc.status != 0:
		if status != tc.status || !strings.Contains(stderr, tc.message) {
			t.Errorf("exit status %d, stderr %q; want status %d and %q", status, stderr, tc.status, tc.message)
		}
		if !tc.missing && regexp.MustCompile(`unknown (shorthand )?flag`).MatchString(stderr) {
			t.Errorf("confine does not know the flag: %s", stderr)
		}
		if wrote || stdout != "" {
			t.Errorf("a failed run printed %q, or wrote web.cil (%v)", stdout, wrote)
		}
		return
	}
	if status != 0 {
		t.Fatalf("exit status %d, want 0\n%s", status, stderr)
	}
	if tc.ansible {
		// udica's files, and its lines; web.cil is in the archive.
		for _, f := range []string{"deploy-module.yml", "variables-deploy-module.yml", "web-policy.tar.gz"} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("-d: %v", err)
			}
		}
		vars, _ := os.ReadFile("variables-deploy-module.yml")
		if !strings.HasPrefix(string(vars), "archive: web-policy.tar.gz\npolicy: web.cil ") || !strings.HasSuffix(string(vars), "\nfinal_policy: web.cil") {
			t.Errorf("variables-deploy-module.yml is not udica's three lines:\n%s", vars)
		}
		if wrote {
			t.Error("-d left web.cil beside the archive")
		}
		for _, w := range []string{"\nPolicy web created!\n", "\nAnsible playbook and archive with confine policies generated! \nPlease run ansible play to deploy the policy.\n"} {
			if !strings.Contains(stdout, w) {
				t.Errorf("standard output lacks %q:\n%s", w, stdout)
			}
		}
		return
	}
	if !wrote {
		t.Error("no web.cil in the working directory")
	}
	// udica's lines, and with -l nothing between the first and the last,
	// where confine says what it installed.
	want := []string{
		"\nPolicy web created!\n",
		"\nRestart the container with: \"--security-opt label=type:web.process\" parameter\n",
	}
	if !tc.loads {
		want = append(want, "\nPlease load these modules using: \n# semodule -i web.cil ")
	} else if strings.Contains(stdout, "Please load these modules using:") {
		t.Errorf("with -l, confine says to load the modules itself:\n%s", stdout)
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("standard output lacks udica's %q:\n%s", w, stdout)
		}
	}
}
