// Package aaload installs AppArmor profiles on a host and loads them into
// its kernel with AppArmor's own parser, all of them or none.
//
// Load first compiles every profile with apparmor_parser -Q -K, which
// touches neither the kernel nor the profile directory; only when all
// compile does it write them into the directory, all or nothing, and
// replace them in the kernel with apparmor_parser -r -W. If the kernel
// refuses one, the files are put back as they were and the profiles that
// were new are unloaded again. A profile file confine did not write, or a
// loaded profile of the same name without one, is never replaced.
package aaload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/pkg/apparmor"
)

// Errors wrapped by what Load returns.
var (
	// ErrParser is wrapped when apparmor_parser refuses a profile, or the
	// kernel does; the message is the parser's own.
	ErrParser = errors.New("apparmor_parser failed")
	// ErrNotOurs is wrapped when the profile directory holds a file of a
	// profile's name that confine did not write, or the kernel has a
	// profile of that name loaded from elsewhere: loading would replace
	// the host's own.
	ErrNotOurs = errors.New("a profile of that name is not confine's")
	// ErrNotLoaded is wrapped when the parser reported success but the
	// kernel does not list a profile afterwards.
	ErrNotLoaded = errors.New("profile not loaded")
)

// DefaultDir is where profiles are installed unless Options say
// otherwise: the directory docker and the other tools that write
// container profiles use.
const DefaultDir = "/etc/apparmor.d/containers"

// kernelProfiles lists the profiles the kernel has loaded, one
// "NAME (MODE)" per line.
const kernelProfiles = "/sys/kernel/security/apparmor/profiles"

// Options say where profiles go and which parser loads them.
type Options struct {
	// Dir is the directory the profile files are written to; "" for
	// DefaultDir.
	Dir string
	// Parser is the program to run; "" for apparmor_parser on PATH.
	Parser string
}

// A Profile is one profile to install, in a file named after it.
type Profile struct {
	Name string
	Text []byte
}

// A Result says what Load did.
type Result struct {
	// Paths are the profile files written, in order.
	Paths []string
	// Command is the apparmor_parser command that loaded them.
	Command []string
}

// Load installs profiles into the directory opts names and loads them
// into the kernel, all of them or none (see the package comment).
func Load(ctx context.Context, profiles []Profile, opts Options) (*Result, error) {
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	parser := opts.Parser
	if parser == "" {
		parser = "apparmor_parser"
	}
	loaded, _ := os.ReadFile(kernelProfiles) // absent: nothing is loaded
	res := &Result{}
	var files []atomicfile.File
	old := map[string][]byte{} // what each path held before, if anything
	for _, p := range profiles {
		if err := apparmor.ValidateName(p.Name); err != nil {
			return nil, fmt.Errorf("loading profiles: %w", err)
		}
		path := filepath.Join(dir, p.Name)
		have, err := os.ReadFile(path)
		switch {
		case err == nil && !apparmor.Written(have):
			return nil, fmt.Errorf("loading profiles: %s: %w: choose another NAME", path, ErrNotOurs)
		case err == nil:
			old[path] = have
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("loading profiles: %w", err)
		case isLoaded(loaded, p.Name):
			return nil, fmt.Errorf("loading profiles: the kernel has a profile %s that %s does not hold: %w: choose another NAME", p.Name, dir, ErrNotOurs)
		}
		files = append(files, atomicfile.File{Path: path, Data: p.Text, Perm: 0o644})
		res.Paths = append(res.Paths, path)
	}
	if err := compile(ctx, parser, profiles); err != nil {
		return nil, err
	}
	_, err := os.Stat(dir)
	made := errors.Is(err, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("loading profiles: %w", err)
	}
	if err := atomicfile.WriteAll(files); err != nil {
		return nil, fmt.Errorf("loading profiles: %w", err)
	}
	res.Command = append([]string{parser, "-r", "-W", "-q"}, res.Paths...)
	if out, err := run(ctx, res.Command); err != nil {
		undo(ctx, parser, res.Paths, old)
		if made {
			_ = os.Remove(dir) // only if empty, as it was made
		}
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrParser, strings.Join(res.Command, " "), err, message(out))
	}
	if loaded, err = os.ReadFile(kernelProfiles); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotLoaded, err)
	}
	for _, p := range profiles {
		if !isLoaded(loaded, p.Name) {
			return nil, fmt.Errorf("%w: %s does not list %s after loading it", ErrNotLoaded, kernelProfiles, p.Name)
		}
	}
	return res, nil
}

// compile has the parser compile each profile from a private directory,
// loading nothing, so that a profile it refuses stops Load before any
// file is written.
func compile(ctx context.Context, parser string, profiles []Profile) error {
	tmp, err := os.MkdirTemp("", "confine-aaload-")
	if err != nil {
		return fmt.Errorf("loading profiles: %w", err)
	}
	defer os.RemoveAll(tmp)
	argv := []string{parser, "-Q", "-K", "-q"}
	for _, p := range profiles {
		file := filepath.Join(tmp, p.Name)
		if err := os.WriteFile(file, p.Text, 0o600); err != nil {
			return fmt.Errorf("loading profiles: %w", err)
		}
		argv = append(argv, file)
	}
	if out, err := run(ctx, argv); err != nil {
		return fmt.Errorf("%w: %s -Q -K: %v: %s", ErrParser, parser, err, message(out))
	}
	return nil
}

// undo puts back the files Load replaced, reloading them, and unloads
// and removes the ones it added. It does what it can: the error Load
// returns is the parser's that made it undo.
func undo(ctx context.Context, parser string, paths []string, old map[string][]byte) {
	var restore []atomicfile.File
	var reload []string
	for _, p := range paths {
		if data, ok := old[p]; ok {
			restore = append(restore, atomicfile.File{Path: p, Data: data, Perm: 0o644})
			reload = append(reload, p)
			continue
		}
		_, _ = run(ctx, []string{parser, "-R", "-q", p})
		_ = os.Remove(p)
	}
	if len(restore) > 0 && atomicfile.WriteAll(restore) == nil {
		_, _ = run(ctx, append([]string{parser, "-r", "-W", "-q"}, reload...))
	}
}

// isLoaded reports whether the kernel's list of profiles names name.
func isLoaded(list []byte, name string) bool {
	for _, line := range bytes.Split(list, []byte("\n")) {
		if n, _, ok := bytes.Cut(line, []byte(" (")); ok && string(n) == name {
			return true
		}
	}
	return false
}

func run(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// message returns the parser's output on one line, without the notice
// it prints on every run where the kernel has no cache interface.
func message(out []byte) string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Cache read/write disabled") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "no message"
	}
	return strings.Join(lines, "; ")
}
