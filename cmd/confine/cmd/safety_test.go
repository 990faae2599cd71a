package cmd_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
)

// storeRoot returns a Fedora 41 root whose module store holds a module of
// the host's own, mysql (compressed, as libsemanage stores it), and a
// module confine wrote earlier, web (plain, as a store with
// bzip-blocksize=0 keeps it).
func storeRoot(t *testing.T) string {
	t.Helper()
	root := hosttest.FedoraRoot(t)
	bzip2 := testutil.Tool(t, "bzip2")
	modules := filepath.Join(root, "var", "lib", "selinux", "targeted", "active", "modules")
	for _, m := range []struct{ prio, name, lang, cil string }{
		{"100", "mysql", "pp", "(type mysqld_t)\n(roletype object_r mysqld_t)\n"},
		{"400", "web", "cil", "; SELinux policy module for container web, written by confine.\n(block web\n    (blockinherit container)\n)\n"},
	} {
		dir := filepath.Join(modules, m.prio, m.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "cil")
		if err := os.WriteFile(path, []byte(m.cil), 0o644); err != nil {
			t.Fatal(err)
		}
		if m.lang == "pp" {
			if out, err := exec.Command(bzip2, path).CombinedOutput(); err != nil {
				t.Fatalf("bzip2: %v\n%s", err, out)
			}
			if err := os.Rename(path+".bz2", path); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "lang_ext"), []byte(m.lang), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// edited writes a copy of an inspect fixture changed by edit, for cases
// that need containers no engine run here produced, and returns its path.
func edited(t *testing.T, fixture string, edit func([]map[string]any) []map[string]any) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var containers []map[string]any
	if err := json.Unmarshal(data, &containers); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(edit(containers))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "edited.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// renamed is a fixture's first containers, renamed.
func renamed(t *testing.T, fixture string, names ...string) string {
	t.Helper()
	return edited(t, fixture, func(containers []map[string]any) []map[string]any {
		if len(containers) < len(names) {
			t.Fatalf("%s holds %d containers, fewer than %d", fixture, len(containers), len(names))
		}
		containers = containers[:len(names)]
		for i, name := range names {
			containers[i]["Name"] = "/" + name
		}
		return containers
	})
}

// TestModuleNames checks NAME, -o FILE and names taken from containers
// against a host whose store holds its own mysql module and confine's
// web: transcripts in testdata/cmd/names.
func TestModuleNames(t *testing.T) {
	root := storeRoot(t)
	multi := renamed(t, "docker-20.10-multi.json", "mysql", "my-app.prod-1", "web")
	for _, tc := range []struct{ name, args, stdin string }{
		{"host-module", "--root ROOT mysql", "testdata/inspect/docker-20.10-web.json"},
		{"confine-module", "--root ROOT web", "testdata/inspect/docker-20.10-web.json"},
		{"template-block", "--root ROOT container", "testdata/inspect/docker-20.10-web.json"},
		{"template-file", "--root ROOT base_container", "testdata/inspect/docker-20.10-web.json"},
		{"policy-type", "--root ROOT http_port_t", "testdata/inspect/docker-20.10-web.json"},
		{"output-file", "--root ROOT -o mysql.cil db", "testdata/inspect/docker-20.10-web.json"},
		{"too-long", "--root ROOT " + strings.Repeat("n", 300), "testdata/inspect/docker-20.10-web.json"},
		{"derived", "--root ROOT", multi},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transcript, modules := generated(t, root, tc.args, tc.stdin)
			transcript = strings.ReplaceAll(transcript, multi, "MULTI")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "names", tc.name+".golden"), []byte(transcript))
			compileModules(t, modules)
		})
	}
}

// standIns writes stand-in podman and docker executables into a directory
// that becomes the whole PATH: each logs its arguments and the engine
// address variables it sees to LOG, then prints inspect output from
// fixtures or fails as an engine does.
func standIns(t *testing.T, podman, docker string) (log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls.log")
	fixtures := filepath.Join(testutil.RepoRoot(), "testdata", "inspect")
	for name, fixture := range map[string]string{"podman": podman, "docker": docker} {
		body := "echo \"$0 $* DOCKER_HOST=$DOCKER_HOST CONTAINER_HOST=$CONTAINER_HOST\" >> " + log + "\n"
		if fixture == "" {
			body += "echo \"Error: no such container $2\" >&2\nexit 125\n"
		} else {
			body += "exec /bin/cat " + filepath.Join(fixtures, fixture) + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	t.Setenv("DOCKER_HOST", "unix:///run/test-docker.sock")
	t.Setenv("CONTAINER_HOST", "unix:///run/test-podman.sock")
	return log
}

// TestEngineChoice runs confine -i with stand-in engines: -e runs only the
// engine named, and without it the engine used is said when several know
// the container. The log shows every command confine ran, with the
// environment the engines saw.
func TestEngineChoice(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	for _, tc := range []struct {
		name, args     string
		podman, docker string // fixtures the stand-ins print; "" fails
	}{
		{"engine-docker", "--root ROOT -i web -e docker web", "podman-4.3-web.json", "docker-20.10-web.json"},
		{"engine-podman", "--root ROOT -i web -e podman web", "podman-4.3-web.json", "docker-20.10-web.json"},
		{"both-know", "--root ROOT -i web web", "podman-4.3-web.json", "docker-20.10-web.json"},
		{"docker-only", "--root ROOT -i web web", "", "docker-20.10-web.json"},
		{"nobody-knows", "--root ROOT -i web web", "", ""},
		{"engine-oci", "--root ROOT -i web -e oci web", "podman-4.3-web.json", "docker-20.10-web.json"},
		// Two IDs, two inspects, two containers: here the stand-in gives
		// the same one twice, which cannot make two modules.
		{"two-ids", "--root ROOT -i web,db -e docker --out-dir modules", "", "docker-20.10-web.json"},
		{"two-ids-one-name", "--root ROOT -i web -i db -e docker web", "", "docker-20.10-web.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := standIns(t, tc.podman, tc.docker)
			transcript, _ := generated(t, root, tc.args, "")
			calls, err := os.ReadFile(log)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			// The engines run at once, so their lines come in any order.
			lines := strings.SplitAfter(string(calls), "\n")
			slices.Sort(lines)
			transcript += "-- engine calls --\n" + strings.Join(lines, "")
			transcript = strings.ReplaceAll(transcript, filepath.Dir(log), "BIN")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "engines", tc.name+".golden"), []byte(transcript))
		})
	}
}

// TestBadInput checks the exit status rule on inputs that are the user's
// to fix: a device that is not there is a warning, not a failure; a
// policy or file_contexts that is not one is the host's policy failing
// to read, 4, in every command.
func TestBadInput(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	garbage := filepath.Join(t.TempDir(), "garbage")
	random := make([]byte, 30<<10)
	if _, err := rand.NewChaCha8([32]byte{7}).Read(random); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(garbage, random, 0o644); err != nil {
		t.Fatal(err)
	}
	badRoot := hosttest.FedoraRoot(t)
	if err := os.WriteFile(filepath.Join(badRoot, "etc", "selinux", "targeted", "contexts", "files", "file_contexts"), random, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, args, stdin string }{
		{"missing-device", "--root ROOT --devices /dev/confine-no-such-device,/dev/null web", "testdata/inspect/docker-20.10-default.json"},
		{"not-a-device", "--root ROOT --devices /etc/selinux/config web", "testdata/inspect/docker-20.10-default.json"},
		{"garbage-policy", "--policy " + garbage + " web", "testdata/inspect/docker-20.10-web.json"},
		{"garbage-file-contexts", "--root " + badRoot + " web", "testdata/inspect/docker-20.10-web.json"},
		{"port-garbage-policy", "port --policy " + garbage + " 80/tcp", ""},
		{"label-garbage-file-contexts", "label --root " + badRoot + " /srv", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transcript, modules := generated(t, root, tc.args, tc.stdin)
			transcript = strings.ReplaceAll(strings.ReplaceAll(transcript, garbage, "GARBAGE"), badRoot, "BADROOT")
			testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "badinput", tc.name+".golden"), []byte(transcript))
			compileModules(t, modules)
		})
	}
}

// TestPlantedSymlink plants, as another user, a symlink named after the
// module in a sticky world-writable directory, and runs confine there as
// root: it must refuse, with exit status 4, naming the link and its
// target, and leave both as they were. A link the caller owns is
// followed.
func TestPlantedSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "planting a link as another user needs root")
	}
	root := hosttest.FedoraRoot(t)
	for _, tc := range []struct {
		name  string
		owner int // of the link
		want  int // exit status
	}{
		{"planted", 4242, 4},
		{"own", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shared := filepath.Join(t.TempDir(), "tmp")
			if err := os.Mkdir(shared, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(shared, os.ModeSticky|0o777); err != nil {
				t.Fatal(err)
			}
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(shared, "v.cil")
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(link, tc.owner, tc.owner); err != nil {
				t.Fatal(err)
			}
			t.Chdir(shared)
			f, err := os.Open(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", "docker-20.10-web.json"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			status, _, stderr := run([]string{"--root", root, "v"}, f)
			got, _ := os.ReadFile(victim)
			target, _ := os.Readlink(link)
			if status != tc.want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", status, tc.want, stderr)
			}
			if target != victim {
				t.Errorf("the link now points to %q, want %q", target, victim)
			}
			if tc.want == 0 {
				if !bytes.HasPrefix(got, []byte("; SELinux policy module")) {
					t.Errorf("the caller's own link was not followed: the target holds %q", got)
				}
				return
			}
			if string(got) != "precious\n" {
				t.Errorf("the victim was overwritten: %q", got)
			}
			for _, want := range []string{link, victim, "uid 4242"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("the error does not name %s:\n%s", want, stderr)
				}
			}
			if entries, _ := os.ReadDir(shared); len(entries) != 1 {
				t.Errorf("the directory holds %d entries, want only the link", len(entries))
			}
		})
	}
}

// withDockerSocket is a docker fixture whose container also mounts the
// docker socket, as CI runners are made: no engine here has a daemon
// socket at that path to mount.
func withDockerSocket(t *testing.T, fixture string) string {
	t.Helper()
	return edited(t, fixture, func(containers []map[string]any) []map[string]any {
		mounts, _ := containers[0]["Mounts"].([]any)
		containers[0]["Mounts"] = append(mounts, map[string]any{
			"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock",
			"Mode": "", "RW": true, "Propagation": "rprivate",
		})
		return containers
	})
}

// TestEngineSocket checks a mount of the docker socket on Fedora: only
// the socket's own type, as a socket, and connecting to the daemon's
// domain, with the warning that the container now drives the engine.
func TestEngineSocket(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	input := withDockerSocket(t, "docker-20.10-default.json")
	transcript, modules := generated(t, root, "--root ROOT ci", input)
	transcript = strings.ReplaceAll(transcript, input, "INPUT")
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "cmd", "generate", "docker-socket.golden"), []byte(transcript))
	compileModules(t, modules)
}
