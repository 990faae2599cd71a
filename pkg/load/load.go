package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/pkg/store"
)

var (
	// ErrSemodule is wrapped by the error Install returns when semodule
	// refuses the transaction; the message is semodule's own. The store
	// is then as it was: semodule commits all of a transaction or none.
	ErrSemodule = errors.New("semodule failed")
	// ErrNotLoaded is wrapped when semodule reported success but the
	// store does not list a module it installed, or the policy it built
	// does not declare a container module's domain.
	ErrNotLoaded = errors.New("module not loaded")
	// ErrBadName is returned for a module name semodule would not keep
	// as given: one that is not a plain file name.
	ErrBadName = errors.New("bad module name")
	// ErrNotOurs is returned when the store has a module of a container
	// module's name that confine or udica did not write (see
	// store.Module.Written): installing would replace the host's own.
	ErrNotOurs = errors.New("the store has a module of that name that confine did not write")
)

// livePolicy is the policy the running kernel has loaded.
const livePolicy = "/sys/fs/selinux/policy"

// Options say which store Install writes to and how.
type Options struct {
	// Root is the policy root semodule works under (semodule -p): ""
	// for this host, or a directory holding a copy of another host's
	// /etc/selinux and /var/lib/selinux.
	Root string
	// Store is the store's name (semodule -s), such as default or
	// targeted; "" for the SELINUXTYPE of Root's SELinux config.
	Store string
	// NoReload keeps semodule from loading the new policy into the
	// kernel (semodule -n). Installing under a Root never loads it.
	NoReload bool
	// Semodule is the program to run; "" for semodule on PATH.
	Semodule string
}

// A Module is one module to install: semodule names it after its file,
// NAME.cil.
type Module struct {
	Name string
	CIL  []byte
	// Domain, when set, is a type the policy must declare once the
	// module is in, such as a container module's NAME.process.
	Domain string
	// IfChanged installs the module only when the store does not hold it
	// already with this very CIL, as for a template.
	IfChanged bool
}

// A Result says what Install did.
type Result struct {
	// Store is the store installed into, and Policy the policy file that
	// was checked afterwards.
	Store, Policy string
	// Installed are the modules installed, in order; Unchanged those
	// left alone because the store has them as they are.
	Installed, Unchanged []string
	// Command is the semodule command that was run, each module's file
	// by its name alone: it was written to a private directory, removed
	// since.
	Command []string
}

// Install installs mods into the store opts names in one semodule
// transaction, all of them or none, and then checks that semodule lists
// each and that the policy it built declares each Domain. Modules with
// IfChanged set that the store holds as they are are left out of the
// transaction; when all are, nothing is run. A module without IfChanged
// replaces only one confine or udica wrote: a module of the host's own
// of that name is ErrNotOurs, and nothing is installed.
func Install(ctx context.Context, mods []Module, opts Options) (*Result, error) {
	name := opts.Store
	if name == "" {
		var err error
		if name, err = policydb.PolicyType(opts.Root); err != nil {
			return nil, fmt.Errorf("installing modules: %w", err)
		}
	}
	st, err := store.Open(opts.Root, name)
	if err != nil {
		return nil, fmt.Errorf("installing modules: %w", err)
	}
	res := &Result{Store: name}
	var todo []Module
	for _, m := range mods {
		if m.Name == "" || m.Name != filepath.Base(m.Name) || strings.HasPrefix(m.Name, ".") || strings.ContainsAny(m.Name, "\x00\n") {
			return nil, fmt.Errorf("installing modules: %w %q", ErrBadName, m.Name)
		}
		if !m.IfChanged {
			if err := replaceable(st, m.Name); err != nil {
				return nil, fmt.Errorf("installing modules: module %s in store %s: %w", m.Name, name, err)
			}
		} else {
			same, err := holds(st, m)
			if err != nil {
				return nil, fmt.Errorf("installing modules: %w", err)
			}
			if same {
				res.Unchanged = append(res.Unchanged, m.Name)
				continue
			}
		}
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return res, nil
	}

	dir, err := os.MkdirTemp("", "confine-load-")
	if err != nil {
		return nil, fmt.Errorf("installing modules: %w", err)
	}
	defer os.RemoveAll(dir)
	prog := opts.Semodule
	if prog == "" {
		prog = "semodule"
	}
	argv := []string{prog}
	if opts.Root != "" || opts.NoReload {
		argv = append(argv, "-n")
	}
	argv = append(argv, opts.args(name)...)
	for _, m := range todo {
		file := filepath.Join(dir, m.Name+".cil")
		if err := os.WriteFile(file, m.CIL, 0o600); err != nil {
			return nil, fmt.Errorf("installing modules: %w", err)
		}
		argv = append(argv, "-i", file)
		res.Installed = append(res.Installed, m.Name)
	}
	res.Command = baseNames(argv)
	if out, err := run(ctx, argv); err != nil {
		return nil, fmt.Errorf("%w: %s: %v: %s%s", ErrSemodule, strings.Join(res.Command, " "), err, oneLine(out), quoteLines(out, todo))
	}
	if err := res.check(ctx, prog, todo, opts); err != nil {
		return nil, err
	}
	return res, nil
}

// args are semodule's options that choose the store.
func (o Options) args(store string) []string {
	var args []string
	if o.Root != "" {
		args = append(args, "-p", o.Root)
	}
	return append(args, "-s", store)
}

// replaceable returns ErrNotOurs when the store has a module name that
// confine or udica did not write.
func replaceable(st *store.Store, name string) error {
	have, err := st.Lookup(name)
	if errors.Is(err, store.ErrNoModule) {
		return nil
	}
	if err != nil {
		return err
	}
	ours, err := have.Written()
	if err != nil {
		return err
	}
	if !ours {
		return ErrNotOurs
	}
	return nil
}

// holds reports whether the store has module m with m's CIL.
func holds(st *store.Store, m Module) (bool, error) {
	have, err := st.Lookup(m.Name)
	if errors.Is(err, store.ErrNoModule) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if have.Disabled {
		return false, nil
	}
	text, err := have.CIL()
	if err != nil {
		return false, err
	}
	return bytes.Equal(text, m.CIL), nil
}

// check proves the transaction landed: semodule -l lists every module
// installed, and the policy built from the store declares every domain.
func (r *Result) check(ctx context.Context, prog string, mods []Module, opts Options) error {
	out, err := run(ctx, append(append([]string{prog}, opts.args(r.Store)...), "-l"))
	if err != nil {
		return fmt.Errorf("%w: semodule -l: %v: %s", ErrNotLoaded, err, oneLine(out))
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			listed[f[0]] = true
		}
	}
	for _, m := range mods {
		if !listed[m.Name] {
			return fmt.Errorf("%w: semodule -l does not list %s after installing it", ErrNotLoaded, m.Name)
		}
	}
	r.Policy = livePolicy
	root := opts.Root
	if root == "" {
		root = "/"
	}
	active, _ := policydb.PolicyType(opts.Root)
	if _, err := os.Stat(livePolicy); err != nil || opts.Root != "" || opts.NoReload || r.Store != active {
		if r.Policy, err = policydb.Latest(filepath.Join(root, "etc", "selinux", r.Store, "policy")); err != nil {
			return fmt.Errorf("%w: %w", ErrNotLoaded, err)
		}
	}
	pol, err := policydb.OpenWith(r.Policy, policydb.Options{SkipMembers: true})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotLoaded, err)
	}
	for _, m := range mods {
		if m.Domain != "" && !pol.HasType(m.Domain) {
			return fmt.Errorf("%w: %s does not declare %s after installing %s", ErrNotLoaded, r.Policy, m.Domain, m.Name)
		}
	}
	return nil
}

func run(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// baseNames shortens the files of a semodule command to their names, for
// a message: their directory is gone by the time it is read.
func baseNames(argv []string) []string {
	out := slices.Clone(argv)
	for i := 1; i < len(out); i++ {
		if out[i-1] == "-i" {
			out[i] = filepath.Base(out[i])
		}
	}
	return out
}

// storeLine finds where libsemanage says a module failed: it compiles
// each module from its copy in the store's scratch area,
// .../tmp/modules/PRIORITY/NAME/cil, and names the line.
var storeLine = regexp.MustCompile(`/modules/[0-9]+/([^/\s]+)/cil:([0-9]+)`)

// quoteLines quotes, after semodule's message, the lines of mods it
// names, so that the message says what is wrong in the module's own
// words rather than in the store's scratch path.
func quoteLines(out []byte, mods []Module) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, m := range storeLine.FindAllSubmatch(out, -1) {
		name, n := string(m[1]), string(m[2])
		i := slices.IndexFunc(mods, func(mod Module) bool { return mod.Name == name })
		line, err := strconv.Atoi(n)
		if i < 0 || err != nil || seen[name+":"+n] {
			continue
		}
		seen[name+":"+n] = true
		lines := strings.Split(string(mods[i].CIL), "\n")
		if line < 1 || line > len(lines) {
			continue
		}
		fmt.Fprintf(&b, " (%s.cil:%d: %s)", name, line, strings.TrimSpace(lines[line-1]))
	}
	return b.String()
}

// oneLine joins a program's output into one line for an error message.
func oneLine(out []byte) string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "no output"
	}
	return strings.Join(lines, "; ")
}
