package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/confine-policy/confine/pkg/inspect"
)

// Errors returned by Inspect, each wrapped in the container ID and the
// details (which engines were asked and what each said); test for them with
// errors.Is. Inspect also returns inspect.ErrUnknownEngine, for an engine
// name ParseEngine does not know, and the context's error when it ends.
var (
	// ErrNotFound is returned when none of the engines asked knows the
	// container. Each
	// one ran and exited non-zero, printed nothing, "[]" or "null", or
	// was stopped after Timeout; the message says which, with its
	// standard error. An engine that cannot reach its daemon fails the
	// same way, so the message, not the error, tells the two apart.
	ErrNotFound = errors.New("not found")
	// ErrNoEngine is returned when none of the engines asked is installed
	// (on PATH).
	ErrNoEngine = errors.New("engine not installed")
	// ErrNoInspector is returned when the engine given has no command
	// that inspects a container by ID. Only OCI is such an engine: a bare OCI runtime
	// config.json is read from a file.
	ErrNoInspector = errors.New("no command inspects a container by ID")
	// ErrInvalidID is returned when the ID is empty, starts with "-" (the
	// engine would take it for a flag) or holds control characters.
	ErrInvalidID = errors.New("invalid ID")
)

// Timeout bounds each engine command; a command still running after it is
// killed and counts as not knowing the container.
const Timeout = 30 * time.Second

// Result is the inspect output of the engine that knows a container.
type Result struct {
	// Engine is the engine whose command answered. crictl inspect
	// answers for CRIO, whose command it is, although crictl may be
	// talking to containerd's CRI plugin: when the caller did not choose
	// the engine, it should let inspect.Parse detect it from Output
	// rather than pass Engine on.
	Engine inspect.Engine
	// Argv is the command that ran, as a user would type it: the
	// executable's name, then its arguments, the last being the ID.
	Argv []string
	// Path is the executable Argv[0] was found at on PATH.
	Path string
	// Output is the command's standard output: inspect JSON holding the
	// container.
	Output []byte
	// AlsoKnownBy lists, in the order Inspect asks them, the other
	// engines that know the container too: it is empty when only one
	// engine knows it, and always empty when the caller chose the engine.
	AlsoKnownBy []inspect.Engine
}

// Command returns Argv as one line that a POSIX shell would run as the
// same command: arguments with characters special to the shell are
// single-quoted. For messages such as "used podman's (podman inspect web)".
func (r *Result) Command() string {
	if r == nil {
		return ""
	}
	return commandLine(r.Argv)
}

// Inspect runs inspect for the container id and returns the output of the
// engine that knows it.
//
// With only set (spelled as inspect.ParseEngine accepts), it runs that
// engine's command alone: docker inspect for Docker, podman inspect for
// Podman, crictl inspect for CRIO and nerdctl inspect --mode=native for
// Containerd; OCI gives ErrNoInspector. With only "", it runs the commands
// of podman, docker, crictl and nerdctl that are on PATH, concurrently, and
// uses the first in that order that knows the container; the answer does
// not depend on which finishes first.
//
// Each command runs with ctx, bounded by Timeout. When ctx ends while a
// command runs, Inspect returns an error that wraps ctx.Err(), since an
// engine earlier in the order might have known the container.
func Inspect(ctx context.Context, id string, only inspect.Engine) (*Result, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	asked := inspectors
	if only != "" {
		e, err := inspect.ParseEngine(string(only))
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", id, err)
		}
		in, ok := inspectorFor(e)
		if !ok {
			return nil, fmt.Errorf("container %s: %s: %w", id, e, ErrNoInspector)
		}
		asked = []inspector{in}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("container %s: %w", id, err)
	}

	var jobs []job
	for _, in := range asked {
		if path, ok := lookPath(in.argv[0]); ok {
			jobs = append(jobs, job{in, path})
		}
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("container %s: %w: %s", id, ErrNoEngine, notInstalled(asked))
	}

	outcomes := make([]outcome, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { outcomes[i] = run(ctx, j, id) })
	}
	wg.Wait()
	return choose(ctx, id, outcomes)
}

// choose returns the result of the first outcome that knows the container,
// the outcomes being in the order the engines are asked.
func choose(ctx context.Context, id string, outcomes []outcome) (*Result, error) {
	var stopped, reasons []string
	var res *Result
	for _, o := range outcomes {
		switch {
		case o.stopped:
			stopped = append(stopped, commandLine(o.argv))
		case !o.known:
			reasons = append(reasons, o.argv[0]+": "+o.reason)
		case res == nil:
			res = &Result{Engine: o.engine, Argv: o.argv, Path: o.path, Output: o.output}
		default:
			res.AlsoKnownBy = append(res.AlsoKnownBy, o.engine)
		}
	}
	if len(stopped) > 0 {
		err := ctx.Err()
		if err == nil {
			// Not reached: an outcome is stopped only once ctx has ended.
			err = context.Canceled
		}
		return nil, fmt.Errorf("container %s: %w (stopped: %s)", id, err, strings.Join(stopped, "; "))
	}
	if res == nil {
		return nil, fmt.Errorf("container %s %w (%s)", id, ErrNotFound, strings.Join(reasons, "; "))
	}
	return res, nil
}
