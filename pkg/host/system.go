package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/confine-policy/confine/pkg/fcontext"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/pkg/store"
	"github.com/confine-policy/confine/templates"
)

// DefaultWalkLimit is how many entries below a mount Types reads live
// labels of before it stops and says so.
const DefaultWalkLimit = 10000

// Options say which host Open describes.
type Options struct {
	// Root is the directory holding a copy of another host's /etc/selinux
	// (as Root/etc/selinux). Empty means this host, with live labels.
	Root string
	// Policy is a binary policy file to use instead of the one the
	// SELinux config names.
	Policy string
	// WalkLimit bounds the walk below a mount; zero means
	// DefaultWalkLimit.
	WalkLimit int
	// Predict adds to a mount's types those the policy predicts for
	// paths below it that may not exist yet (see System.Types): what
	// restorecon would give the files a read-write mount will hold.
	Predict bool
}

// A System answers from a host's SELinux configuration: its file_contexts,
// its binary policy and, for this host, live labels. It reads each part on
// first use, so that a question about ports never reads file_contexts.
type System struct {
	root      string // "" for this host
	policy    string // explicit policy file, or ""
	live      bool
	walkLimit int
	predict   bool

	// xattr reads a path's live label, following symlinks or not.
	xattr func(path string, follow bool) (string, error)

	filesOnce sync.Once
	files     *fcontext.Contexts
	notes     []string
	filesErr  error

	policyOnce sync.Once
	pol        PolicyDB
	policyErr  error

	storeOnce sync.Once
	store     *store.Store // nil when the host has none
	storeErr  error

	// mu guards typesOf: the types below each directory Types was asked
	// for, found once per run however many containers mount it.
	mu      sync.Mutex
	typesOf map[string]*typesEntry
}

// Open returns the facts of the host opts describe. It reads nothing yet.
func Open(opts Options) *System {
	s := &System{root: opts.Root, policy: opts.Policy, walkLimit: opts.WalkLimit, predict: opts.Predict, xattr: readXattr}
	if s.walkLimit <= 0 {
		s.walkLimit = DefaultWalkLimit
	}
	s.live = opts.Root == "" && selinuxEnabled()
	return s
}

// Live reports whether labels are read from the files themselves.
func (s *System) Live() bool { return s.live }

// PolicyFile returns the binary policy file the facts come from.
func (s *System) PolicyFile() (string, error) {
	if s.policy != "" {
		return s.policy, nil
	}
	return policydb.Find(s.root)
}

// PolicyName returns the name of the policy, such as targeted or default:
// the SELINUXTYPE the host's config names.
func (s *System) PolicyName() (string, error) {
	dir, err := s.selinuxDir()
	if err != nil {
		return "", err
	}
	return filepath.Base(dir), nil
}

// Flavor guesses which template flavour the host's policy takes, from its
// installed templates and its policy's name: Fedora when
// container-selinux's templates are installed (templates.Fedora.Dir under
// the root) or the policy is "targeted", Refpolicy otherwise, as on a host
// with no SELinux config at all.
func (s *System) Flavor() templates.Flavor {
	if name, _ := s.PolicyName(); name == "targeted" {
		return templates.Fedora
	}
	if fi, err := os.Stat(filepath.Join(s.root, templates.Fedora.Dir())); err == nil && fi.IsDir() {
		return templates.Fedora
	}
	return templates.Refpolicy
}

// selinuxDir returns /etc/selinux/NAME under the root. policydb.Find
// already reads the config to locate the policy; the contexts live beside
// it, so its answer serves both.
func (s *System) selinuxDir() (string, error) {
	p, err := policydb.Find(s.root)
	if err != nil {
		return "", err
	}
	return filepath.Dir(filepath.Dir(p)), nil
}

// FileContexts returns the file_contexts path the facts come from.
func (s *System) FileContexts() (string, error) {
	dir, err := s.selinuxDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "contexts", "files", "file_contexts"), nil
}

// Notes returns what was skipped while reading file_contexts, one line
// per unusable entry.
func (s *System) Notes() []string {
	s.loadFiles()
	return s.notes
}

func (s *System) loadFiles() (*fcontext.Contexts, error) {
	s.filesOnce.Do(func() {
		path, err := s.FileContexts()
		if err != nil {
			s.filesErr = fmt.Errorf("reading file contexts: %w", err)
			return
		}
		files, warnings, err := fcontext.Load(filepath.Dir(path))
		if err != nil {
			s.filesErr = fmt.Errorf("reading file contexts: %w", err)
			return
		}
		s.files = files
		for _, w := range warnings {
			s.notes = append(s.notes, "skipped file context "+w.String())
		}
	})
	return s.files, s.filesErr
}

// Policy returns the binary policy, reading it on first use.
func (s *System) Policy() (Policy, error) { return s.loadPolicy() }

func (s *System) loadPolicy() (PolicyDB, error) {
	s.policyOnce.Do(func() {
		path, err := s.PolicyFile()
		if err != nil {
			s.policyErr = fmt.Errorf("reading policy: %w", err)
			return
		}
		p, err := policydb.OpenWith(path, policydb.Options{SkipMembers: true})
		if err != nil {
			s.policyErr = fmt.Errorf("reading policy: %w", err)
			return
		}
		s.pol = p
	})
	return s.pol, s.policyErr
}

// Module returns what the host's module store holds under name. The store
// is the one beside the SELinux configuration (under the root for
// --root); with an explicit policy file there is none to look in.
func (s *System) Module(name string) (Module, error) {
	st, err := s.loadStore()
	if err != nil || st == nil {
		return Module{}, err
	}
	m, err := st.Lookup(name)
	if errors.Is(err, store.ErrNoModule) {
		return Module{Store: st.Dir()}, nil
	}
	if err != nil {
		return Module{}, err
	}
	written, err := m.Written()
	if err != nil {
		return Module{}, err
	}
	return Module{Store: st.Dir(), Exists: true, Written: written, Priority: m.Priority, Disabled: m.Disabled}, nil
}

func (s *System) loadStore() (*store.Store, error) {
	s.storeOnce.Do(func() {
		if s.policy != "" {
			return
		}
		name, err := s.PolicyName()
		if err != nil {
			s.storeErr = fmt.Errorf("reading the module store: %w", err)
			return
		}
		st, err := store.Open(s.root, name)
		if errors.Is(err, store.ErrNoStore) {
			return
		}
		if err != nil {
			s.storeErr = fmt.Errorf("reading the module store: %w", err)
			return
		}
		s.store = st
	})
	return s.store, s.storeErr
}

// Port returns the type of a port in the host's policy.
func (s *System) Port(proto string, port uint16) (Port, error) {
	p, err := s.loadPolicy()
	if err != nil {
		return Port{}, err
	}
	return portOf(p, proto, port)
}

// onHost returns where path is on the machine confine runs on.
func (s *System) onHost(path string) string {
	if s.root == "" {
		return path
	}
	return filepath.Join(s.root, path)
}

// Label returns the label of the file at path. On this host with SELinux
// enabled that is the live label, with symlinks followed as a mount
// follows them; otherwise, or when the live label cannot be read, it is
// what file_contexts says for the path.
func (s *System) Label(path string) (Label, error) {
	if !filepath.IsAbs(path) {
		return Label{}, fmt.Errorf("label of %q: path is not absolute", path)
	}
	var warning string
	if s.live {
		ctx, err := s.xattr(path, true)
		if err == nil {
			if t, ok := liveType(ctx); ok {
				return Label{Context: ctx, Type: t, Source: SourceXattr}, nil
			}
			err = fmt.Errorf("labelled %q", ctx)
		}
		warning = fmt.Sprintf("%s: live label not used (%s); using file_contexts", path, reason(err))
	}
	l, err := s.fileLabel(path, s.fileType(path))
	l.Warning = warning
	return l, err
}

// fileType returns the file_contexts type of the node at path, or
// AnyFile when it cannot be looked at. Symlinks are followed, as a mount
// follows them.
func (s *System) fileType(path string) fcontext.FileType {
	fi, err := os.Stat(s.onHost(path))
	if err != nil {
		return fcontext.AnyFile
	}
	return fcontext.FileTypeOf(fi.Mode())
}

// fileLabel looks path up in file_contexts. On this host, symlinks in
// path are resolved first, because the label that matters is that of
// the file a mount reaches (/var/run is a link to /run).
func (s *System) fileLabel(path string, ft fcontext.FileType) (Label, error) {
	files, err := s.loadFiles()
	if err != nil {
		return Label{}, err
	}
	path = s.resolved(path)
	m, err := files.Lookup(path, ft)
	switch {
	case errors.Is(err, fcontext.ErrNoMatch):
		return Label{Source: SourceNone}, nil
	case err != nil:
		return Label{}, fmt.Errorf("label of %s: %w", path, err)
	case m.NoLabel:
		// <<none>>: the policy leaves the path unlabelled.
		return Label{Source: source(m)}, nil
	}
	return Label{Context: m.Context.String(), Type: m.Context.Type, Source: source(m)}, nil
}

// source names a file_contexts entry by its file's base name and line.
func source(m fcontext.Match) string {
	return fmt.Sprintf("%s:%d", filepath.Base(m.Source.File), m.Source.Line)
}

// Device returns the class and label of the device node at path. The
// class comes from the node itself; when it is not there to look at (a
// policy for another host), from the file type of the file_contexts entry
// that labels it, with a warning if the node is missing from this host.
func (s *System) Device(path string) (Device, error) {
	l, err := s.Label(path)
	if err != nil {
		return Device{}, err
	}
	fi, statErr := os.Stat(s.onHost(path))
	if statErr == nil {
		switch {
		case fi.Mode()&fs.ModeCharDevice != 0:
			return Device{Class: "chr_file", Label: l}, nil
		case fi.Mode()&fs.ModeDevice != 0:
			return Device{Class: "blk_file", Label: l}, nil
		}
		what := "a regular file"
		switch {
		case fi.IsDir():
			what = "a directory"
		case fi.Mode()&fs.ModeNamedPipe != 0:
			what = "a FIFO"
		case fi.Mode()&fs.ModeSocket != 0:
			what = "a socket"
		}
		return Device{}, fmt.Errorf("device %s: %w but %s", path, ErrNotDevice, what)
	}
	files, ferr := s.loadFiles()
	if ferr != nil {
		return Device{}, ferr
	}
	for _, d := range []struct {
		ft    fcontext.FileType
		class string
	}{{fcontext.CharDevice, "chr_file"}, {fcontext.BlockDevice, "blk_file"}} {
		m, err := files.Lookup(path, d.ft)
		if err == nil && m.FileType == d.ft {
			l := Label{Context: m.Context.String(), Type: m.Context.Type, Source: source(m)}
			dev := Device{Class: d.class, Label: l}
			// Another host's nodes are never there to look at; on this
			// host, a missing node is worth saying.
			if s.root == "" {
				dev.Warning = fmt.Sprintf("device %s: node not looked at (%s); file_contexts labels it as a %s", path, reason(statErr), d.class)
			}
			return dev, nil
		}
	}
	return Device{}, fmt.Errorf("device %s: %w: %s, and no file_contexts entry is for a device node", path, ErrUnknownDevice, reason(statErr))
}

// liveType returns the type of a live context, refusing the labels that
// say the file has no real one.
func liveType(ctx string) (string, bool) {
	parts := strings.SplitN(ctx, ":", 4)
	if len(parts) < 3 || parts[2] == "" || parts[2] == "unlabeled_t" {
		return "", false
	}
	return parts[2], true
}

// reason says briefly why a file or its live label could not be read.
func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	if r := xattrReason(err); r != "" {
		return r
	}
	return err.Error()
}
