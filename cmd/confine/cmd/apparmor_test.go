package cmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/spoproof"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestAppArmorCommand checks confine apparmor's flags and failures
// against golden transcripts in testdata/cmd/apparmor. Every profile it
// writes must compile with AppArmor's parser.
func TestAppArmorCommand(t *testing.T) {
	testdata := filepath.Join(testutil.RepoRoot(), "testdata") + "/"
	for _, tc := range []struct{ name, args, stdin string }{
		{"name", "apparmor web", "testdata/inspect/docker-20.10-web.json"},
		{"json-flag", "apparmor -j testdata/inspect/podman-4.3-web.json web", ""},
		{"several", "apparmor", "testdata/inspect/docker-20.10-multi.json"},
		{"several-named", "apparmor web", "testdata/inspect/docker-20.10-multi.json"},
		{"several-output", "apparmor -o x", "testdata/inspect/docker-20.10-multi.json"},
		{"stdout", "apparmor -o - web", "testdata/inspect/podman-4.3-web.json"},
		{"output-file", "apparmor -o prof web", "testdata/inspect/podman-4.3-web.json"},
		{"full-network", "apparmor --full-network-access web", "testdata/inspect/podman-4.3-web.json"},
		{"profile-dir", "apparmor --profile-dir /etc/apparmor.d/local-containers web", "testdata/inspect/podman-4.3-web.json"},
		{"apparmorprofile-profile-dir", "apparmor --format apparmorprofile --profile-dir /etc/apparmor.d/local-containers web", "testdata/inspect/podman-4.3-web.json"},
		{"warnings", "apparmor", "testdata/inspect/podman-4.3-privileged.json"},
		{"name-injection", "apparmor web{", "testdata/inspect/docker-20.10-web.json"},
		{"name-reserved", "apparmor docker-default", "testdata/inspect/docker-20.10-web.json"},
		{"no-name", "apparmor", "testdata/inspect/oci-podman-4.3-web.json"},
		{"load-and-output", "apparmor -l -o x web", "testdata/inspect/docker-20.10-web.json"},
		{"json-and-id", "apparmor -j x -i y web", ""},
		{"bad-json", "apparmor web", "testdata/inspect/bad-truncated.json"},
		{"terminal", "apparmor web", "/dev/null"},
		{"apparmorprofile", "apparmor --format apparmorprofile web", "testdata/inspect/docker-20.10-web.json"},
		{"apparmorprofile-several", "apparmor --format apparmorprofile", "testdata/inspect/docker-20.10-multi.json"},
		{"apparmorprofile-output", "apparmor --format apparmorprofile -o k8s/lab.yaml", "testdata/inspect/docker-20.10-multi.json"},
		{"apparmorprofile-stdout", "apparmor --format apparmorprofile -o - web", "testdata/inspect/podman-4.3-web.json"},
		{"apparmorprofile-bad-name", "apparmor --format apparmorprofile Web_1", "testdata/inspect/docker-20.10-web.json"},
		{"apparmorprofile-load", "apparmor --format apparmorprofile -l web", "testdata/inspect/docker-20.10-web.json"},
		{"format-bad", "apparmor --format yaml web", "testdata/inspect/docker-20.10-web.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := strings.ReplaceAll(tc.args, "testdata/", testdata)
			transcript, profiles := generated(t, "/no-root", args, tc.stdin)
			transcript = strings.ReplaceAll(transcript, testdata, "testdata/")
			testutil.Golden(t, filepath.Join(testdata, "cmd", "apparmor", tc.name+".golden"), []byte(transcript))
			compileProfiles(t, profiles)
		})
	}
}

// compileProfiles compiles each profile written with AppArmor's parser;
// of a stream of AppArmorProfiles, what SPO's daemon makes of each
// resource (as internal/spoproof renders it).
func compileProfiles(t *testing.T, profiles map[string]string) {
	t.Helper()
	if len(profiles) == 0 {
		return
	}
	parser := testutil.Tool(t, "apparmor_parser")
	dir := t.TempDir()
	files := map[string]string{}
	for name, text := range profiles {
		if !strings.HasPrefix(text, "apiVersion: ") {
			files[name] = text
			continue
		}
		docs, err := spoproof.Decode([]byte(text))
		if err != nil || len(docs) == 0 {
			t.Fatalf("%s: %d AppArmorProfiles, %v", name, len(docs), err)
		}
		for _, d := range docs {
			rendered, err := spoproof.Render(d)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			files[name+"/"+d.Metadata.Name] = string(rendered)
		}
	}
	for name, text := range files {
		file := filepath.Join(dir, strings.ReplaceAll(strings.TrimSuffix(name, ".cil"), "/", "_"))
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(parser, "-Q", "-K", "-q", file).CombinedOutput(); err != nil {
			t.Errorf("apparmor_parser -Q -K %s: %v\n%s", name, err, out)
		}
	}
}

// TestAppArmorRefusedPath gives confine apparmor a mount destination
// that would inject a rule: exit status 3, one line, no file.
func TestAppArmorRefusedPath(t *testing.T) {
	input := edited(t, "docker-20.10-web.json", func(cs []map[string]any) []map[string]any {
		mounts := cs[0]["Mounts"].([]any)
		mounts[0].(map[string]any)["Destination"] = "/data,\n  capability sys_admin,\n  /x"
		return cs
	})
	work := t.TempDir()
	t.Chdir(work)
	status, stdout, stderr := run([]string{"apparmor", "-j", input, "web"}, strings.NewReader(""))
	if status != 3 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "path not safe in a profile") {
		t.Errorf("got status %d, stdout %q, stderr %q; want 3 and one line saying the path is not safe", status, stdout, stderr)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

// TestAppArmorProfileRefusedPath gives confine apparmor --format
// apparmorprofile a mount destination AppArmor takes but SPO's paths do
// not: exit status 3, one line, no file.
func TestAppArmorProfileRefusedPath(t *testing.T) {
	input := edited(t, "docker-20.10-web.json", func(cs []map[string]any) []map[string]any {
		mounts := cs[0]["Mounts"].([]any)
		mounts[0].(map[string]any)["Destination"] = "/data:ro"
		return cs
	})
	work := t.TempDir()
	t.Chdir(work)
	status, stdout, stderr := run([]string{"apparmor", "--format", "apparmorprofile", "-j", input, "web"}, strings.NewReader(""))
	if status != 3 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `SPO's paths hold only`) || !strings.Contains(stderr, `"/data:ro"`) {
		t.Errorf("got status %d, stdout %q, stderr %q; want 3 and one line saying SPO takes no such path", status, stdout, stderr)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

// TestAppArmorLoad runs -l on this host. Where the kernel has no
// AppArmor, as on CI's machines, apparmor_parser -r fails: exit status
// 4 with the parser's message, and no profile left anywhere. A profile
// file of the name that confine did not write is left alone, exit 2.
func TestAppArmorLoad(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
		t.Skip("this kernel has AppArmor: loading would succeed (the enforcing guest of e2e/vm tests that)")
	}
	testutil.Tool(t, "apparmor_parser")
	input := filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "docker-20.10-web.json")
	work := t.TempDir()
	t.Chdir(work)
	dir := filepath.Join(t.TempDir(), "containers")
	status, stdout, stderr := run([]string{"apparmor", "-j", input, "-l", "--profile-dir", dir, "web"}, strings.NewReader(""))
	if status != 4 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "apparmor_parser -r -W") {
		t.Errorf("got status %d, stdout %q, stderr %q; want 4 and the parser's message on one line", status, stdout, stderr)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s was left behind", dir)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("files left in the working directory: %v", entries)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	own := "profile web {}\n"
	if err := os.WriteFile(filepath.Join(dir, "web"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = run([]string{"apparmor", "-j", input, "-l", "--profile-dir", dir, "web"}, strings.NewReader(""))
	if status != 2 || !strings.Contains(stderr, "is not confine's") {
		t.Errorf("over the host's own profile: got status %d, stderr %q; want 2", status, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "web")); string(data) != own {
		t.Errorf("the host's profile was changed to:\n%s", data)
	}
}
