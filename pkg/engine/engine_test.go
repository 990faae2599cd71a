package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/engine"
	"github.com/confine-policy/confine/pkg/inspect"
)

// The tests run real processes: stand-in engines, shell scripts written to
// a temporary directory that is all of PATH, so that no real podman,
// docker, crictl or nerdctl on this machine can answer. Each stand-in logs
// its arguments and the DOCKER_HOST and CONTAINER_HOST it saw to
// log/NAME.log, then does what its body says.

// canned is the inspect output of the stand-in name for a container it
// knows: enough to tell whose output a Result holds.
func canned(name string) string {
	return fmt.Sprintf(`[{"Id":"0123abcd","Name":"/web","StandIn":"%s"}]`, name)
}

// Bodies of stand-ins.
func knows(name string) string {
	return "printf '%s\\n' '" + canned(name) + "'\n"
}

func knowsAfter(delay, name string) string {
	return "/bin/sleep " + delay + "\n" + knows(name)
}

func fails(status int, stderr ...string) string {
	var b strings.Builder
	for _, line := range stderr {
		b.WriteString("printf '%s\\n' " + shellWord(line) + " >&2\n")
	}
	b.WriteString("exit " + strconv.Itoa(status) + "\n")
	return b.String()
}

func prints(stdout string) string {
	return "printf '%s' " + shellWord(stdout) + "\n"
}

// waitFor waits until the stand-in other has started.
func waitFor(other string) string {
	return "while [ ! -e @DIR@/log/" + other + ".log ]; do /bin/sleep 0.05; done\n"
}

// hangs leaves a child holding the output pipe, as a stuck engine might,
// and waits for it; the child's pid goes to DIR/hang.pid so that the test
// can stop it.
const hangs = "/bin/sleep 20 &\necho $! >> @DIR@/hang.pid\nwait\n"

func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const unset = "<unset>"

// install writes the stand-ins to dir/bin, makes dir/bin all of PATH and
// creates dir/log. A body of "" writes a file that is not executable.
func install(t *testing.T, standIns map[string]string) string {
	t.Helper()
	testutil.File(t, "/bin/sh") // the stand-ins' interpreter
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	for _, d := range []string{bin, filepath.Join(dir, "log")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range standIns {
		mode := os.FileMode(0o755)
		if body == "" {
			mode = 0o644
		}
		log := shellWord(filepath.Join(dir, "log", name+".log"))
		script := "#!/bin/sh\n{\n" +
			"  echo run\n" +
			"  for a in \"$@\"; do printf 'arg=%s\\n' \"$a\"; done\n" +
			"  printf 'DOCKER_HOST=%s\\n' \"${DOCKER_HOST-" + unset + "}\"\n" +
			"  printf 'CONTAINER_HOST=%s\\n' \"${CONTAINER_HOST-" + unset + "}\"\n" +
			"} >> " + log + "\n" +
			strings.ReplaceAll(body, "@DIR@", shellWord(dir))
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), mode); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Cleanup(func() { stopHung(t, dir) })
	return dir
}

// stopHung kills the children that hanging stand-ins left behind.
func stopHung(t *testing.T, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "hang.pid"))
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil {
			if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Logf("stopping stand-in child %d: %v", pid, err)
			}
			_ = p.Release()
		}
	}
}

// invocation is what a stand-in logged of one run.
type invocation struct {
	args []string
	env  map[string]string
}

// runs returns the stand-in name's runs, from its log.
func runs(t *testing.T, dir, name string) []invocation {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "log", name+".log"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []invocation
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "run" {
			out = append(out, invocation{env: map[string]string{}})
			continue
		}
		if len(out) == 0 {
			t.Fatalf("%s log: %q before any run", name, line)
		}
		cur := &out[len(out)-1]
		k, v, _ := strings.Cut(line, "=")
		if k == "arg" {
			cur.args = append(cur.args, v)
		} else {
			cur.env[k] = v
		}
	}
	return out
}

var allKnow = map[string]string{
	"podman":  knows("podman"),
	"docker":  knows("docker"),
	"crictl":  knows("crictl"),
	"nerdctl": knows("nerdctl"),
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name     string
		standIns map[string]string
		env      map[string]string // DOCKER_HOST, CONTAINER_HOST; others unset
		id       string            // "web" when empty and !emptyID
		emptyID  bool
		only     inspect.Engine
		timeout  time.Duration // of the caller's context; 0 for none
		repeat   int           // times to run Inspect; 1 when 0

		// The result wanted: either an engine, or an error.
		engine    inspect.Engine
		argv      []string
		stdoutOf  string // the stand-in whose canned output Output holds
		also      []inspect.Engine
		err       error  // errors.Is target
		errText   string // the whole message, when set
		errHas    []string
		maxErrLen int

		ran    map[string][]string // stand-in → the arguments of its one run
		notRan []string
	}{
		{
			name:     "-e docker with podman and docker knowing the ID runs docker only",
			standIns: map[string]string{"podman": knows("podman"), "docker": knows("docker")},
			only:     inspect.Docker,
			engine:   inspect.Docker, argv: []string{"docker", "inspect", "web"}, stdoutOf: "docker",
			ran:    map[string][]string{"docker": {"inspect", "web"}},
			notRan: []string{"podman"},
		},
		{
			name:     "-e podman",
			standIns: map[string]string{"podman": knows("podman"), "docker": knows("docker")},
			only:     inspect.Podman,
			engine:   inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			ran:    map[string][]string{"podman": {"inspect", "web"}},
			notRan: []string{"docker"},
		},
		{
			name:     "without -e podman wins over docker, which also knows the ID",
			standIns: map[string]string{"podman": knows("podman"), "docker": knows("docker")},
			engine:   inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker},
			ran:  map[string][]string{"podman": {"inspect", "web"}, "docker": {"inspect", "web"}},
		},
		{
			name: "podman wins even when docker answers first",
			standIns: map[string]string{
				"podman": knowsAfter("0.3", "podman"),
				"docker": knows("docker"),
			},
			repeat: 3,
			engine: inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker},
		},
		{
			name: "podman wins when it answers first",
			standIns: map[string]string{
				"podman": knows("podman"),
				"docker": knowsAfter("0.3", "docker"),
			},
			repeat: 3,
			engine: inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker},
		},
		{
			// Each waits for the other to have started: run one after
			// the other, they would hang until the deadline.
			name: "the engines run concurrently",
			standIns: map[string]string{
				"podman": waitFor("docker") + knows("podman"),
				"docker": waitFor("podman") + knows("docker"),
			},
			timeout: 10 * time.Second,
			engine:  inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker},
		},
		{
			name:     "all four know the ID",
			standIns: allKnow,
			engine:   inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker, inspect.CRIO, inspect.Containerd},
			ran: map[string][]string{
				"podman":  {"inspect", "web"},
				"docker":  {"inspect", "web"},
				"crictl":  {"inspect", "web"},
				"nerdctl": {"inspect", "--mode=native", "web"},
			},
		},
		{
			name: "the first that knows the ID in order wins",
			standIns: map[string]string{
				"podman":  fails(125, "Error: no such container web"),
				"docker":  fails(1, "Error: No such object: web"),
				"crictl":  knows("crictl"),
				"nerdctl": knows("nerdctl"),
			},
			engine: inspect.CRIO, argv: []string{"crictl", "inspect", "web"}, stdoutOf: "crictl",
			also: []inspect.Engine{inspect.Containerd},
		},
		{
			name: "an ID nobody knows gives each engine's status and stderr",
			standIns: map[string]string{
				"podman": fails(125, "Error: no such container web"),
				"docker": prints("[]\n") + fails(1, "", "Error: No such object: web", ""),
				"crictl": fails(1, `time="2024-05-01T10:00:00Z" level=fatal msg="getting the status of the container"`,
					"  rpc error: code = NotFound desc = could not find container \"web\"  "),
				"nerdctl": fails(1),
			},
			err: engine.ErrNotFound,
			errText: `container web not found (` +
				`podman: exit status 125: Error: no such container web; ` +
				`docker: exit status 1: Error: No such object: web; ` +
				`crictl: exit status 1: time="2024-05-01T10:00:00Z" level=fatal msg="getting the status of the container"; rpc error: code = NotFound desc = could not find container "web"; ` +
				`nerdctl: exit status 1)`,
		},
		{
			name:     "-e docker and docker does not know the ID",
			standIns: map[string]string{"podman": knows("podman"), "docker": fails(1, "Error: No such object: web")},
			only:     inspect.Docker,
			err:      engine.ErrNotFound,
			errText:  "container web not found (docker: exit status 1: Error: No such object: web)",
			notRan:   []string{"podman"},
		},
		{
			name: "[] and empty output count as not knowing the ID",
			standIns: map[string]string{
				"podman":  prints("[]\n"),
				"docker":  prints(" [\n]\n"),
				"crictl":  prints("\n"),
				"nerdctl": prints("null") + fails(0, "warning: nothing"),
			},
			err: engine.ErrNotFound,
			errText: "container web not found (podman: printed []; docker: printed []; " +
				"crictl: printed nothing; nerdctl: printed null: warning: nothing)",
		},
		{
			name:     "[] from podman leaves docker's answer",
			standIns: map[string]string{"podman": prints("[]"), "docker": knows("docker")},
			engine:   inspect.Docker, argv: []string{"docker", "inspect", "web"}, stdoutOf: "docker",
		},
		{
			name:     "killed by a signal",
			standIns: map[string]string{"podman": "kill -9 $$\n"},
			err:      engine.ErrNotFound,
			errText:  "container web not found (podman: signal: killed)",
		},
		{
			name:      "long stderr is cut",
			standIns:  map[string]string{"podman": fails(125, strings.Repeat("é", 400))},
			err:       engine.ErrNotFound,
			errHas:    []string{"podman: exit status 125: éé", "é..."},
			maxErrLen: 400,
		},
		{
			name:     "control characters in stderr are dropped",
			standIns: map[string]string{"podman": fails(2, "\x1b[31mError\x1b[0m:\tboom\r")},
			err:      engine.ErrNotFound,
			errText:  "container web not found (podman: exit status 2: [31mError[0m: boom)",
		},
		{
			name:    "no engine installed",
			err:     engine.ErrNoEngine,
			errText: "container web: engine not installed: none of podman, docker, crictl or nerdctl is on PATH",
		},
		{
			name:     "a podman that is not executable is not installed",
			standIns: map[string]string{"podman": ""},
			err:      engine.ErrNoEngine,
			notRan:   []string{"podman"},
		},
		{
			name:     "-e docker with only podman installed",
			standIns: map[string]string{"podman": knows("podman")},
			only:     inspect.Docker,
			err:      engine.ErrNoEngine,
			errText:  "container web: engine not installed: docker is not on PATH",
			notRan:   []string{"podman"},
		},
		{
			name:     "-e crio with only nerdctl installed",
			standIns: map[string]string{"nerdctl": knows("nerdctl")},
			only:     inspect.CRIO,
			err:      engine.ErrNoEngine,
			errText:  "container web: engine not installed: crictl (for crio) is not on PATH",
			notRan:   []string{"nerdctl"},
		},
		{
			name:     "-e crio runs crictl inspect",
			standIns: allKnow,
			only:     inspect.CRIO,
			engine:   inspect.CRIO, argv: []string{"crictl", "inspect", "web"}, stdoutOf: "crictl",
			ran:    map[string][]string{"crictl": {"inspect", "web"}},
			notRan: []string{"podman", "docker", "nerdctl"},
		},
		{
			name:     "-e CRI-O, udica's spelling",
			standIns: allKnow,
			only:     "CRI-O",
			engine:   inspect.CRIO, argv: []string{"crictl", "inspect", "web"}, stdoutOf: "crictl",
			notRan: []string{"podman", "docker", "nerdctl"},
		},
		{
			name:     "-e containerd runs nerdctl inspect --mode=native",
			standIns: allKnow,
			only:     inspect.Containerd,
			engine:   inspect.Containerd, argv: []string{"nerdctl", "inspect", "--mode=native", "web"}, stdoutOf: "nerdctl",
			ran:    map[string][]string{"nerdctl": {"inspect", "--mode=native", "web"}},
			notRan: []string{"podman", "docker", "crictl"},
		},
		{
			name:     "-e oci has no inspector",
			standIns: allKnow,
			only:     inspect.OCI,
			err:      engine.ErrNoInspector,
			errText:  "container web: oci: no command inspects a container by ID",
			notRan:   []string{"podman", "docker", "crictl", "nerdctl"},
		},
		{
			name:     "an unknown engine",
			standIns: allKnow,
			only:     "rkt",
			err:      inspect.ErrUnknownEngine,
			errHas:   []string{"container web: ", `"rkt"`},
			notRan:   []string{"podman", "docker", "crictl", "nerdctl"},
		},
		{
			name:     "DOCKER_HOST and CONTAINER_HOST reach the engines",
			standIns: map[string]string{"podman": knows("podman"), "docker": knows("docker")},
			env: map[string]string{
				"DOCKER_HOST":    "tcp://192.0.2.1:2376",
				"CONTAINER_HOST": "ssh://core@192.0.2.2/run/podman/podman.sock",
			},
			engine: inspect.Podman, argv: []string{"podman", "inspect", "web"}, stdoutOf: "podman",
			also: []inspect.Engine{inspect.Docker},
			ran:  map[string][]string{"podman": {"inspect", "web"}, "docker": {"inspect", "web"}},
		},
		{
			name:     "DOCKER_HOST reaches docker with -e docker",
			standIns: map[string]string{"docker": knows("docker")},
			env:      map[string]string{"DOCKER_HOST": "unix:///run/user/1000/docker.sock"},
			only:     inspect.Docker,
			engine:   inspect.Docker, argv: []string{"docker", "inspect", "web"}, stdoutOf: "docker",
			ran: map[string][]string{"docker": {"inspect", "web"}},
		},
		{
			name:     "a hanging engine is stopped at the context's deadline",
			standIns: map[string]string{"podman": hangs, "docker": knows("docker")},
			// Long enough for docker's stand-in to answer on a busy
			// machine: only podman may be stopped.
			timeout: 2 * time.Second,
			err:     context.DeadlineExceeded,
			errText: "container web: context deadline exceeded (stopped: podman inspect web)",
			ran:     map[string][]string{"podman": {"inspect", "web"}, "docker": {"inspect", "web"}},
		},
		{
			name:     "an ID that looks like a flag",
			standIns: allKnow,
			id:       "--format={{.State.Pid}}",
			err:      engine.ErrInvalidID,
			errText:  `container "--format={{.State.Pid}}": invalid ID: starts with "-"`,
			notRan:   []string{"podman", "docker", "crictl", "nerdctl"},
		},
		{
			name:     "an empty ID",
			standIns: allKnow,
			emptyID:  true,
			err:      engine.ErrInvalidID,
			errText:  `container "": invalid ID: empty`,
			notRan:   []string{"podman", "docker", "crictl", "nerdctl"},
		},
		{
			name:     "an ID with a newline",
			standIns: allKnow,
			id:       "web\nx",
			err:      engine.ErrInvalidID,
			errText:  `container "web\nx": invalid ID: holds control characters`,
		},
		{
			name:     "an ID with a space is passed as one argument",
			standIns: map[string]string{"podman": knows("podman")},
			id:       "my web",
			engine:   inspect.Podman, argv: []string{"podman", "inspect", "my web"}, stdoutOf: "podman",
			ran: map[string][]string{"podman": {"inspect", "my web"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := install(t, tt.standIns)
			for _, k := range []string{"DOCKER_HOST", "CONTAINER_HOST"} {
				t.Setenv(k, "")
				if v, ok := tt.env[k]; ok {
					t.Setenv(k, v)
				} else if err := os.Unsetenv(k); err != nil {
					t.Fatal(err)
				}
			}
			id := tt.id
			if id == "" && !tt.emptyID {
				id = "web"
			}
			repeat := max(tt.repeat, 1)
			for range repeat {
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				res, err := engine.Inspect(ctx, id, tt.only)
				elapsed := time.Since(start)
				if tt.timeout > 0 && elapsed > tt.timeout+3*time.Second {
					t.Errorf("Inspect took %v with a deadline of %v", elapsed, tt.timeout)
				}
				checkResult(t, res, err, dir, tt.engine, tt.argv, tt.stdoutOf, tt.also)
				if tt.err != nil {
					checkError(t, err, tt.err, tt.errText, tt.errHas, tt.maxErrLen)
				}
			}

			for name, args := range tt.ran {
				got := runs(t, dir, name)
				if len(got) != repeat {
					t.Errorf("%s ran %d times, want %d", name, len(got), repeat)
					continue
				}
				for _, inv := range got {
					if !slices.Equal(inv.args, args) {
						t.Errorf("%s ran with arguments %q, want %q", name, inv.args, args)
					}
					for _, k := range []string{"DOCKER_HOST", "CONTAINER_HOST"} {
						want, ok := tt.env[k]
						if !ok {
							want = unset
						}
						if inv.env[k] != want {
							t.Errorf("%s saw %s=%q, want %q", name, k, inv.env[k], want)
						}
					}
				}
			}
			for _, name := range tt.notRan {
				if got := runs(t, dir, name); len(got) > 0 {
					t.Errorf("%s ran %d times, with %q; want it not run", name, len(got), got[0].args)
				}
			}
		})
	}
}

func checkResult(t *testing.T, res *engine.Result, err error, dir string, wantEngine inspect.Engine, argv []string, stdoutOf string, also []inspect.Engine) {
	t.Helper()
	if wantEngine == "" {
		if err == nil {
			t.Fatalf("Inspect = %s's result (%s), want an error", res.Engine, res.Command())
		}
		if res != nil {
			t.Errorf("Inspect returned a result with its error %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if res.Engine != wantEngine {
		t.Errorf("Engine = %q, want %q", res.Engine, wantEngine)
	}
	if !slices.Equal(res.Argv, argv) {
		t.Errorf("Argv = %q, want %q", res.Argv, argv)
	}
	if want := filepath.Join(dir, "bin", argv[0]); res.Path != want {
		t.Errorf("Path = %q, want %q", res.Path, want)
	}
	if want := canned(stdoutOf) + "\n"; string(res.Output) != want {
		t.Errorf("Output = %q, want %q", res.Output, want)
	}
	if !slices.Equal(res.AlsoKnownBy, also) {
		t.Errorf("AlsoKnownBy = %q, want %q", res.AlsoKnownBy, also)
	}
}

func checkError(t *testing.T, err, target error, text string, has []string, maxLen int) {
	t.Helper()
	if err == nil {
		return // reported by checkResult
	}
	if !errors.Is(err, target) {
		t.Errorf("error %q is not %q", err, target)
	}
	msg := err.Error()
	if text != "" && msg != text {
		t.Errorf("error:\n got %s\nwant %s", msg, text)
	}
	for _, s := range has {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	if maxLen > 0 && len(msg) > maxLen {
		t.Errorf("error is %d bytes long, want at most %d: %s", len(msg), maxLen, msg)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error %q is not one line", msg)
	}
}

// A command that outlives its own timeout counts as not knowing the ID,
// and leaves the answer to the next engine.
func TestInspectCommandTimeout(t *testing.T) {
	// Long enough for a shell script to start on a busy machine, where
	// the tests of other packages run beside this one.
	t.Cleanup(engine.SetCommandTimeout(2 * time.Second))
	dir := install(t, map[string]string{
		"podman": "printf 'Error: still trying\\n' >&2\n" + hangs,
		"docker": knows("docker"),
		"crictl": knows("crictl"),
	})
	start := time.Now()
	res, err := engine.Inspect(t.Context(), "web", "")
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Inspect took %v with commands timing out after 2s", elapsed)
	}
	checkResult(t, res, err, dir, inspect.Docker, []string{"docker", "inspect", "web"}, "docker", []inspect.Engine{inspect.CRIO})

	res, err = engine.Inspect(t.Context(), "web", inspect.Podman)
	checkResult(t, res, err, dir, "", nil, "", nil)
	checkError(t, err, engine.ErrNotFound, "container web not found (podman: timed out after 2s: Error: still trying)", nil, 0)
}

// A context that has ended before Inspect is called runs nothing.
func TestInspectEndedContext(t *testing.T) {
	dir := install(t, allKnow)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := engine.Inspect(ctx, "web", "")
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("Inspect = %v, %v; want context.Canceled", res, err)
	}
	if want := "container web: context canceled"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	for name := range allKnow {
		if got := runs(t, dir, name); len(got) > 0 {
			t.Errorf("%s ran", name)
		}
	}
}

func TestResultCommand(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"podman", "inspect", "web"}, "podman inspect web"},
		{[]string{"nerdctl", "inspect", "--mode=native", "0123abcd"}, "nerdctl inspect --mode=native 0123abcd"},
		{[]string{"docker", "inspect", "my web"}, "docker inspect 'my web'"},
		{[]string{"docker", "inspect", "it's"}, `docker inspect 'it'\''s'`},
		{[]string{"docker", "inspect", "$(reboot)"}, "docker inspect '$(reboot)'"},
		{[]string{"docker", "inspect", ""}, "docker inspect ''"},
		{nil, ""},
	}
	for _, tt := range tests {
		r := &engine.Result{Argv: tt.argv}
		if got := r.Command(); got != tt.want {
			t.Errorf("Command() for %q = %q, want %q", tt.argv, got, tt.want)
		}
	}
	var r *engine.Result
	if got := r.Command(); got != "" {
		t.Errorf("nil Result's Command() = %q, want \"\"", got)
	}
}
