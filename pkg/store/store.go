package store

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/cil"
)

// Errors returned by Open, Lookup and CIL.
var (
	// ErrNoStore is returned by Open when the host keeps no module store
	// for the policy, as when only its /etc/selinux was copied for --root.
	ErrNoStore = errors.New("no policy module store")
	// ErrNoModule is returned by Lookup when the store holds no module of
	// that name.
	ErrNoModule = errors.New("no such module")
	// ErrTooLarge is returned by Module.CIL when the module's CIL is
	// larger than MaxCIL.
	ErrTooLarge = errors.New("module CIL too large")
)

// DefaultRoot is where libsemanage keeps its stores unless semanage.conf
// says otherwise with store-root.
const DefaultRoot = "/var/lib/selinux"

// MaxCIL bounds the CIL CIL reads from one module: Debian's whole base
// module is 5 MB, and a compressed file must not unpack without limit.
const MaxCIL = 64 << 20

// A Store is one policy's module store.
type Store struct {
	dir string // .../TYPE/active/modules
}

// Open returns the module store of the policy named policyType (the
// SELINUXTYPE, such as default or targeted) on the host whose root is
// root: "" or "/" for this host, or a copy of another host's /etc/selinux
// and /var/lib/selinux. It honours store-root in root/etc/selinux/
// semanage.conf. A missing store is ErrNoStore.
func Open(root, policyType string) (*Store, error) {
	if root == "" {
		root = "/"
	}
	if policyType == "" || strings.ContainsRune(policyType, '/') || policyType == "." || policyType == ".." {
		return nil, fmt.Errorf("module store: bad policy name %q", policyType)
	}
	storeRoot, err := configuredRoot(filepath.Join(root, "etc", "selinux", "semanage.conf"))
	if err != nil {
		return nil, fmt.Errorf("module store: %w", err)
	}
	dir := filepath.Join(root, storeRoot, policyType, "active", "modules")
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w at %s", ErrNoStore, dir)
	case err != nil:
		return nil, fmt.Errorf("module store: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w at %s: not a directory", ErrNoStore, dir)
	}
	return &Store{dir: dir}, nil
}

// configuredRoot reads store-root from semanage.conf, DefaultRoot when the
// file or the key is absent.
func configuredRoot(conf string) (string, error) {
	data, err := os.ReadFile(conf)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultRoot, nil
	}
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.TrimSpace(key) != "store-root" {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		if !filepath.IsAbs(value) {
			return "", fmt.Errorf("%s: store-root %q is not an absolute path", conf, value)
		}
		return value, nil
	}
	return DefaultRoot, sc.Err()
}

// Dir returns the directory holding the store's modules, one directory
// per priority.
func (s *Store) Dir() string { return s.dir }

// A Module is one module of a store at one priority.
type Module struct {
	Name string
	// Priority is the priority the module is installed at: 100 for the
	// distribution's modules, 400 for what semodule -i installs.
	Priority int
	// Lang is the language it was installed from: cil, or pp for a
	// compiled package.
	Lang string
	// Disabled says semodule -d disabled it: it is kept but not built
	// into the policy.
	Disabled bool

	dir string
}

// Modules returns every module of the store at every priority, by name
// and then from the highest priority down, the order in which the highest
// one, which is in effect, comes first.
func (s *Store) Modules() ([]Module, error) {
	prios, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("module store: %w", err)
	}
	disabled, err := s.disabled()
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, p := range prios {
		prio, ok := priority(p.Name())
		if !ok || !p.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, p.Name()))
		if err != nil {
			return nil, fmt.Errorf("module store: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			mods = append(mods, s.module(p.Name(), prio, e.Name(), disabled[e.Name()]))
		}
	}
	slices.SortFunc(mods, func(a, b Module) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(b.Priority, a.Priority))
	})
	return mods, nil
}

// Lookup returns the module named name at its highest priority, the one
// the policy is built from, or ErrNoModule.
func (s *Store) Lookup(name string) (Module, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return Module{}, fmt.Errorf("module %q: %w", name, ErrNoModule)
	}
	prios, err := os.ReadDir(s.dir)
	if err != nil {
		return Module{}, fmt.Errorf("module store: %w", err)
	}
	best, found := Module{}, false
	for _, p := range prios {
		prio, ok := priority(p.Name())
		if !ok || !p.IsDir() || (found && prio < best.Priority) {
			continue
		}
		fi, err := os.Stat(filepath.Join(s.dir, p.Name(), name))
		if err != nil || !fi.IsDir() {
			continue
		}
		best, found = s.module(p.Name(), prio, name, false), true
	}
	if !found {
		return Module{}, fmt.Errorf("module %s: %w", name, ErrNoModule)
	}
	disabled, err := s.disabled()
	if err != nil {
		return Module{}, err
	}
	best.Disabled = disabled[name]
	return best, nil
}

func (s *Store) module(prioDir string, prio int, name string, disabled bool) Module {
	dir := filepath.Join(s.dir, prioDir, name)
	lang, _ := os.ReadFile(filepath.Join(dir, "lang_ext"))
	return Module{Name: name, Priority: prio, Lang: strings.TrimSpace(string(lang)), Disabled: disabled, dir: dir}
}

// disabled returns the names semodule -d has disabled: files in the
// store's disabled directory.
func (s *Store) disabled() (map[string]bool, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "disabled"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("module store: %w", err)
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}

// priority reads a priority directory's name: libsemanage writes them as
// three digits, 001 to 999.
func priority(name string) (int, bool) {
	if len(name) != 3 {
		return 0, false
	}
	n, err := strconv.Atoi(name)
	return n, err == nil && n > 0
}

// CIL returns the module's CIL as the store keeps it: the text a CIL
// module was installed from, or what a pp module was converted to.
// libsemanage compresses it with bzip2 unless bzip-blocksize=0.
func (m Module) CIL() ([]byte, error) {
	f, err := os.Open(filepath.Join(m.dir, "cil"))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.Name, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(3); string(magic) == "BZh" {
		r = bzip2.NewReader(br)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxCIL+1))
	if err != nil {
		return nil, fmt.Errorf("module %s: reading its CIL: %w", m.Name, err)
	}
	if len(data) > MaxCIL {
		return nil, fmt.Errorf("module %s: %w (over %d bytes)", m.Name, ErrTooLarge, MaxCIL)
	}
	return data, nil
}

// Written reports whether confine or udica wrote the module, so that
// installing a new module of that name replaces only an earlier one of
// theirs: its CIL is what ContainerModule recognises.
func (m Module) Written() (bool, error) {
	text, err := m.CIL()
	if errors.Is(err, ErrTooLarge) {
		return false, nil // far larger than any container's module
	}
	if err != nil {
		return false, err
	}
	return ContainerModule(m.Name, text), nil
}

// ContainerModule reports whether text is a container's module named
// name, as confine and udica write them: one block, of the module's name,
// that inherits the container template, and nothing else at the top.
// Text that does not parse is not one.
func ContainerModule(name string, text []byte) bool {
	top, err := cil.Parse(text)
	if err != nil || len(top) != 1 {
		return false
	}
	block := top[0]
	if block.Head() != "block" || len(block.List) < 2 || block.List[1].IsList || block.List[1].Atom != name {
		return false
	}
	return slices.ContainsFunc(block.List[2:], func(e cil.Expr) bool {
		return e.Head() == "blockinherit" && len(e.List) == 2 && e.List[1].Atom == "container" && !e.List[1].IsList
	})
}
