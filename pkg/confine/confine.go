package confine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/engine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/recipe"
	"github.com/confine-policy/confine/templates"
)

// Errors wrapped by what this package returns, by whose the fault is; a
// command line turns them into exit statuses. An error wrapping neither is
// the host's: its policy cannot be read, or a module cannot be built or
// written.
var (
	// ErrUsage is wrapped when the caller asked for something that cannot
	// be done as asked: a module name the host already has, or that is
	// not a CIL name; one name or one output file for several containers;
	// an engine that cannot inspect a container by ID.
	ErrUsage = errors.New("usage")
	// ErrInput is wrapped when the containers' description cannot be read:
	// a missing file, output that is not an engine's inspect JSON, a
	// container ID no engine knows, an engine confine does not know.
	ErrInput = errors.New("bad input")
)

// kindError is an error of a kind (ErrUsage, ErrInput) that keeps its own
// text.
type kindError struct {
	kind, err error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

func usage(err error) error { return &kindError{ErrUsage, err} }
func input(err error) error { return &kindError{ErrInput, err} }

// A Source says where to read containers from: an engine's inspect
// output, in a file or a reader, or the engines themselves.
type Source struct {
	// IDs, when set, are containers to inspect with the engines on PATH
	// (see engine.Inspect), in order; File and Reader are then not read.
	IDs []string
	// File is a file of inspect output; "" or "-" reads Reader.
	File   string
	Reader io.Reader
	// Engine says whose output it is, or which engine to ask for ID; ""
	// tells it from the output, or asks them all.
	Engine inspect.Engine
}

// Containers are what a Source described.
type Containers struct {
	Containers []inspect.Container
	// Notes say what was decided while reading, such as which engine's
	// container was used when several know the ID.
	Notes []string
}

// Read returns the containers src describes.
func Read(ctx context.Context, src Source) (*Containers, error) {
	if len(src.IDs) == 0 {
		r, name := src.Reader, ""
		if r == nil {
			r = bytes.NewReader(nil)
		}
		if src.File != "" && src.File != "-" {
			f, err := os.Open(src.File)
			if err != nil {
				return nil, input(err)
			}
			defer f.Close()
			r, name = f, src.File+": "
		}
		cs, err := inspect.Parse(r, src.Engine)
		if err != nil {
			return nil, input(fmt.Errorf("%s%w", name, err))
		}
		return &Containers{Containers: cs}, nil
	}
	out := &Containers{}
	for _, id := range src.IDs {
		if err := out.inspect(ctx, id, src.Engine); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inspect adds the container the engines know as id.
func (out *Containers) inspect(ctx context.Context, id string, e inspect.Engine) error {
	res, err := engine.Inspect(ctx, id, e)
	switch {
	case errors.Is(err, engine.ErrNoInspector) || errors.Is(err, engine.ErrInvalidID):
		return usage(err)
	case err != nil:
		return input(err)
	}
	if len(res.AlsoKnownBy) > 0 {
		var others []string
		for _, o := range res.AlsoKnownBy {
			others = append(others, string(o))
		}
		verb := "knows"
		if len(others) > 1 {
			verb = "know"
		}
		out.Notes = append(out.Notes, fmt.Sprintf("container %s: %s also %s it; used %s's (%s); give -e to choose", id, strings.Join(others, " and "), verb, res.Engine, res.Command()))
	}
	// crictl answers for CRI-O and containerd alike: unless the caller
	// chose, the output says whose it is.
	cs, err := inspect.Parse(bytes.NewReader(res.Output), e)
	if err != nil {
		return input(fmt.Errorf("%s: %w", res.Command(), err))
	}
	out.Containers = append(out.Containers, cs...)
	return nil
}

// Options are the choices generating modules takes.
type Options struct {
	// Name names the module of a single container; "" names each module
	// after its container, made a name the host does not have yet.
	Name string
	// Output is the file the module is written to: "" for NAME.cil, "-"
	// for the writer given to Write. It names one file, so it takes one
	// container.
	Output string
	// OutDir, when set, is the directory the modules are written into,
	// each as NAME.cil; it is made if need be. It cannot be given with
	// Output.
	OutDir string
	// Host says which host the modules are for (see host.Open).
	Host host.Options
	// Facts, when set, answer for the host instead of the one Host
	// describes, as a host.Fake does in tests; Flavor must then be set.
	Facts host.Facts
	// Flavor is the template flavour; zero detects the host's.
	Flavor templates.Flavor
	// Policy are the generator's options; Name, Flavor and Denials are
	// set for each module.
	Policy policy.Options
	// Denials, when set, are added to each module as rules, those of its
	// domain (-a); one of the modules must have some.
	Denials *Denials
}

// A Module is one container's module, ready to be written.
type Module struct {
	*policy.Module
	// CIL is the module's text.
	CIL []byte
	// Path is the file it is written to; "" for Write's writer.
	Path string
	// Recipe is how to install it and run its container.
	Recipe *recipe.Recipe
}

// Modules are the modules Generate made, and what to say of them.
type Modules struct {
	Modules []Module
	// Notes say how modules were named: a container's name changed to a
	// CIL name, or to one the host does not have.
	Notes []string
	// Warnings concern the host rather than one module: the file_contexts
	// lines that could not be read.
	Warnings []string
}

// maxSkipped is how many skipped file_contexts lines are said one by one.
const maxSkipped = 5

// Generate builds the modules for cs on the host opts describes, each
// checked, named and with its recipe, and writes nothing: a bad name or
// input for one container leaves no module of the others behind either.
func Generate(cs []inspect.Container, opts Options) (*Modules, error) {
	if opts.Name != "" {
		if err := policy.ValidateName(opts.Name); err != nil {
			return nil, usage(fmt.Errorf("NAME: %w", err))
		}
		if len(cs) > 1 {
			return nil, usage(fmt.Errorf("the input holds %d containers, so NAME would be ambiguous: give no NAME to write one module per container, named after it", len(cs)))
		}
	}
	if opts.Output != "" && len(cs) > 1 {
		return nil, usage(fmt.Errorf("-o names one file, but the input holds %d containers", len(cs)))
	}
	if opts.Output != "" && opts.OutDir != "" {
		return nil, usage(errors.New("-o and --out-dir cannot be used together"))
	}
	var system *host.System
	facts := opts.Facts
	if facts == nil {
		system = host.Open(opts.Host)
		facts = system
	}
	pol, err := facts.Policy()
	if err != nil {
		return nil, err
	}
	flavor := opts.Flavor
	switch {
	case flavor != 0:
	case system == nil:
		return nil, usage(errors.New("facts given without a flavour"))
	default:
		flavor = system.Flavor()
	}
	out := &Modules{}
	names, err := out.names(cs, opts.Name, facts)
	if err != nil {
		return nil, err
	}
	if err := checkOutput(opts.Output, facts); err != nil {
		return nil, err
	}
	if err := checkDenials(opts.Denials, names); err != nil {
		return nil, err
	}
	if opts.Denials != nil {
		out.Warnings = append(out.Warnings, opts.Denials.Warnings...)
	}
	// The containers are independent, and the facts are read once and
	// safe to share: the modules are made side by side, each in its
	// place, so the result is the same as one by one.
	mods := make([]Module, len(cs))
	errs := make([]error, len(cs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cs)) {
		wg.Go(func() {
			for i := range next {
				mods[i], errs[i] = module(cs[i], names[i], facts, pol, flavor, opts)
			}
		})
	}
	for i := range cs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first container's, as one by one
		}
	}
	out.Modules = mods
	if system != nil {
		out.Warnings = append(out.Warnings, HostWarnings(system)...)
	}
	return out, nil
}

// module makes the module of container c, named name.
func module(c inspect.Container, name string, facts host.Facts, pol host.Policy, flavor templates.Flavor, opts Options) (Module, error) {
	po := opts.Policy
	po.Name, po.Flavor = name, flavor
	if opts.Denials != nil {
		po.Denials = opts.Denials.Denials
	}
	m, err := policy.Generate(c, facts, po)
	if err != nil {
		return Module{}, fmt.Errorf("container %s: %w", c.Name, err)
	}
	text, err := m.CIL()
	if err != nil {
		return Module{}, err
	}
	mod := Module{Module: m, CIL: text, Path: filepath.Join(opts.OutDir, name+".cil")}
	file := mod.Path
	switch opts.Output {
	case "":
	case "-":
		mod.Path = ""
	default:
		mod.Path, file = opts.Output, opts.Output
	}
	if mod.Recipe, err = recipe.New(m, file, recipe.Options{Flavor: flavor, Root: opts.Host.Root, Policy: pol}); err != nil {
		return Module{}, err
	}
	return mod, nil
}

// HostWarnings returns what to say of the host's facts once they are
// read: the file_contexts lines that could not be used (the first few,
// then how many more), whose paths no answer knows of.
func HostWarnings(facts *host.System) []string {
	notes := facts.Notes()
	if len(notes) <= maxSkipped {
		return notes
	}
	return append(slices.Clone(notes[:maxSkipped]), fmt.Sprintf("and %d more file_contexts lines skipped", len(notes)-maxSkipped))
}

// names returns the module name for each container: name when given,
// checked against the host, else each container's own, made one the host
// does not have, with a note.
func (out *Modules) names(cs []inspect.Container, name string, facts host.Facts) ([]string, error) {
	if name != "" {
		err := policy.CheckName(name, facts)
		if errors.Is(err, policy.ErrNameTaken) {
			return nil, usage(fmt.Errorf("NAME: %w", err))
		}
		return []string{name}, err
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		if strings.TrimPrefix(c.Name, "/") == "" {
			return nil, usage(fmt.Errorf("container %d has no name to name its module after: give NAME", i+1))
		}
		n, note, err := policy.NameFor(c.Name, facts)
		if err != nil {
			return nil, err
		}
		if j := slices.Index(names[:i], n); j >= 0 {
			return nil, usage(fmt.Errorf("containers %d and %d would both write module %s: give them distinct names", j+1, i+1, n))
		}
		if note != "" {
			out.Notes = append(out.Notes, note)
		}
		names[i] = n
	}
	return names, nil
}

// checkOutput refuses an output file whose name would install the module
// under a name the host already has: semodule names a module after its
// file.
func checkOutput(output string, facts host.Facts) error {
	if output == "" || output == "-" {
		return nil
	}
	name := output[strings.LastIndexByte(output, '/')+1:]
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	err := policy.CheckModuleName(name, facts)
	switch {
	case errors.Is(err, policy.ErrNameTaken):
		return usage(fmt.Errorf("-o %s: %w", output, err))
	case errors.Is(err, cil.ErrInvalidName):
		return usage(fmt.Errorf("-o %s: semodule would name the module %q: %w", output, name, err))
	}
	return err
}

// Write writes the modules to their files, all or nothing, as
// atomicfile.WriteAll does: never through a symlink another user could
// have planted. A module without a path is written to w, once the files
// are in place. The directories the files are in are made if need be.
func (ms *Modules) Write(w io.Writer) error {
	var files []atomicfile.File
	for _, m := range ms.Modules {
		if m.Path != "" {
			files = append(files, atomicfile.File{Path: m.Path, Data: m.CIL, Perm: 0o644})
		}
	}
	if err := makeDirs(files); err != nil {
		return err
	}
	if err := atomicfile.WriteAll(files); err != nil {
		return err
	}
	for _, m := range ms.Modules {
		if m.Path == "" {
			if _, err := w.Write(m.CIL); err != nil {
				return err
			}
		}
	}
	return nil
}

// makeDirs makes the directories files are written into that are not
// there yet.
func makeDirs(files []atomicfile.File) error {
	var done []string
	for _, f := range files {
		dir := filepath.Dir(f.Path)
		if slices.Contains(done, dir) {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		done = append(done, dir)
	}
	return nil
}

// A File is one file for WriteFiles to write: Data, named Name in the
// directory.
type File struct {
	Name string
	Data []byte
}

// WriteFiles writes files into dir, creating it and its parents if
// needed, all or nothing as Modules.Write does: each file is readable by
// all (mode 0644 before the umask, a replaced file keeping its own), and
// if any cannot be written none is. Each Name must be a file name, not a
// path. It returns the paths it wrote, in the order of files.
func WriteFiles(dir string, files []File) ([]string, error) {
	staged := make([]atomicfile.File, 0, len(files))
	paths := make([]string, 0, len(files))
	for _, f := range files {
		if f.Name == "" || f.Name == "." || f.Name == ".." || strings.ContainsRune(f.Name, filepath.Separator) {
			return nil, fmt.Errorf("%q is not a file name", f.Name)
		}
		path := filepath.Join(dir, f.Name)
		staged = append(staged, atomicfile.File{Path: path, Data: f.Data, Perm: 0o644})
		paths = append(paths, path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteAll(staged); err != nil {
		return nil, err
	}
	return paths, nil
}

// WriteTemplates writes confine's refpolicy-flavour templates and
// templates.DebianEnginesFile into dir, as WriteFiles does, and returns
// the paths it wrote, in the order of templates.Written.
func WriteTemplates(dir string) ([]string, error) {
	var files []File
	for _, name := range templates.Written() {
		data, err := templates.Data(name)
		if err != nil {
			return nil, fmt.Errorf("writing templates: %w", err)
		}
		files = append(files, File{Name: name, Data: data})
	}
	paths, err := WriteFiles(dir, files)
	if err != nil {
		return nil, fmt.Errorf("writing templates: %w", err)
	}
	return paths, nil
}
