package engine

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/confine-policy/confine/pkg/inspect"
)

// inspector is the command that inspects a container of one engine, less
// the ID.
type inspector struct {
	engine inspect.Engine
	argv   []string
}

// inspectors are the engines Inspect asks when the caller does not choose:
// udica's order, then nerdctl for containerd without the CRI plugin.
var inspectors = []inspector{
	{inspect.Podman, []string{"podman", "inspect"}},
	{inspect.Docker, []string{"docker", "inspect"}},
	{inspect.CRIO, []string{"crictl", "inspect"}},
	{inspect.Containerd, []string{"nerdctl", "inspect", "--mode=native"}},
}

// inspectorFor returns the command that inspects e's containers.
func inspectorFor(e inspect.Engine) (inspector, bool) {
	for _, in := range inspectors {
		if in.engine == e {
			return in, true
		}
	}
	return inspector{}, false
}

const (
	// maxOutput is the most standard output kept, as much as
	// inspect.Parse reads.
	maxOutput = 64 << 20
	// maxStderr is the most standard error kept; only its start is shown.
	maxStderr = 64 << 10
	// maxReason bounds, in bytes, the standard error shown for one engine.
	maxReason = 300
	// waitDelay is how long a command may keep its output open once it
	// has exited or been killed: a child it left behind cannot hold
	// Inspect up.
	waitDelay = time.Second
)

// commandTimeout is Timeout, but for tests.
var commandTimeout = Timeout

// job is an inspector found on PATH.
type job struct {
	inspector
	path string
}

// outcome is what one engine's command did.
type outcome struct {
	engine inspect.Engine
	argv   []string
	path   string
	known  bool   // it exited 0 and printed a container
	output []byte // its standard output, when known
	// reason says why it does not know the container, when !known and
	// !stopped: its exit status, or what it printed, then its stderr.
	reason string
	// stopped is set when the command was killed because the caller's
	// context ended.
	stopped bool
}

// lookPath returns where name is on PATH. A name found only through a
// relative PATH entry, which os/exec refuses to run, counts as not there.
func lookPath(name string) (string, bool) {
	path, err := exec.LookPath(name)
	return path, err == nil
}

// notInstalled says which of asked were looked for on PATH.
func notInstalled(asked []inspector) string {
	if len(asked) == 1 {
		in := asked[0]
		if in.argv[0] != string(in.engine) {
			return fmt.Sprintf("%s (for %s) is not on PATH", in.argv[0], in.engine)
		}
		return in.argv[0] + " is not on PATH"
	}
	names := make([]string, len(asked))
	for i, in := range asked {
		names[i] = in.argv[0]
	}
	return "none of " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1] + " is on PATH"
}

// run runs j's command for id and says whether it knows the container.
func run(ctx context.Context, j job, id string) outcome {
	argv := append(slices.Clone(j.argv), id)
	o := outcome{engine: j.engine, argv: argv, path: j.path}

	runCtx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, j.path)
	cmd.Args = argv
	cmd.WaitDelay = waitDelay
	stdout := &capped{max: maxOutput}
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()

	var status string
	switch {
	case err != nil && ctx.Err() != nil:
		o.stopped = true
		return o
	case err != nil && runCtx.Err() != nil:
		status = "timed out after " + commandTimeout.String()
	case err != nil:
		status = err.Error()
	case stdout.over:
		status = fmt.Sprintf("printed more than %d MiB", maxOutput>>20)
	case isEmpty(stdout.buf.Bytes()):
		status = "printed nothing"
		if t := bytes.TrimSpace(stdout.buf.Bytes()); string(t) == "null" {
			status = "printed null"
		} else if len(t) > 0 {
			status = "printed []"
		}
	default:
		o.known = true
		o.output = stdout.buf.Bytes()
		return o
	}
	o.reason = status
	if msg := summarize(stderr.buf.String()); msg != "" {
		o.reason += ": " + msg
	}
	return o
}

// isEmpty reports whether inspect output holds no container: nothing, an
// empty JSON array or null.
func isEmpty(out []byte) bool {
	t := bytes.TrimSpace(out)
	if len(t) >= 2 && t[0] == '[' && t[len(t)-1] == ']' {
		return len(bytes.TrimSpace(t[1:len(t)-1])) == 0
	}
	return len(t) == 0 || string(t) == "null"
}

// summarize returns stderr on one line: each line trimmed, blank lines
// dropped, the rest joined with "; ", control characters removed, and cut
// to maxReason bytes.
func summarize(stderr string) string {
	stderr = strings.ToValidUTF8(stderr, "\uFFFD")
	var lines []string
	for line := range strings.SplitSeq(stderr, "\n") {
		line = strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return ' '
			case unicode.IsControl(r):
				return -1
			}
			return r
		}, line)
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	s := strings.Join(lines, "; ")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// capped keeps the first max bytes written to it and notes whether there
// were more. It never fails a write, so that the command is not stopped by
// a broken pipe.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); len(p) > room {
		c.over = true
		c.buf.Write(p[:max(room, 0)])
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

// checkID returns an error when id cannot be passed to an engine as a
// container ID.
func checkID(id string) error {
	var why string
	switch {
	case id == "":
		why = "empty"
	case strings.HasPrefix(id, "-"):
		why = `starts with "-"`
	case strings.ContainsFunc(id, unicode.IsControl):
		why = "holds control characters"
	case !utf8.ValidString(id):
		why = "not UTF-8"
	default:
		return nil
	}
	return fmt.Errorf("container %q: %w: %s", id, ErrInvalidID, why)
}

// commandLine joins argv as a POSIX shell command line.
func commandLine(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

// shellQuote returns s as one shell word: unchanged when it holds only
// characters no shell treats specially, else single-quoted.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
