package seltest

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/check"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/templates"
)

// Where Debian keeps its reference policy and the container module's
// source.
const (
	storeModules = "/var/lib/selinux/default/active/modules"
	policySource = "/usr/src/selinux-policy-src.tar.zst"
	develMake    = "/usr/share/selinux/devel/Makefile"
	hllDir       = "/usr/libexec/selinux/hll"
	// containerSource is the container module's source in policySource.
	containerSource = "selinux-policy-src/policy/modules/services/container"
	// cacheFormat names the layout of a cached base; change it when the
	// layout or the way the base is assembled changes.
	cacheFormat = "confine-seltest-refpolicy-2"
)

// A Ref is the real reference policy assembled for tests. Its files are
// shared by every test process that uses the same inputs: read them, never
// change them.
type Ref struct {
	// Base holds the CIL of every enabled module of the installed store
	// (Debian's selinux-policy-default) and of refpolicy's container
	// module, built from selinux-policy-src.
	Base []string
	// Templates holds confine's refpolicy-flavour templates.
	Templates []string
	// Policy is the binary policy compiled from Base and Templates.
	Policy string
	// Disabled lists the optional blocks secilc drops while compiling
	// Policy, as DisabledOptionals returns them.
	Disabled []string
}

// Files returns Base and Templates, what a module compiles against.
func (r *Ref) Files() []string { return slices.Concat(r.Base, r.Templates) }

// Compile compiles modules (CIL files) against the reference policy and
// returns the binary policy's path. The test fails when secilc fails, or
// when secilc drops an optional block it keeps without the modules: a
// template body the modules inherit, or an optional of their own, that
// silently says nothing because a name in it does not resolve.
func (r *Ref) Compile(t testing.TB, modules ...string) string {
	t.Helper()
	policy, disabled := compileVerbose(t, slices.Concat(r.Files(), modules))
	if added, _ := Delta(r.Disabled, disabled); len(added) > 0 {
		t.Fatalf("secilc dropped optional blocks with %s that it keeps without:\n%s",
			strings.Join(baseNames(modules), " "), strings.Join(slices.Compact(added), "\n"))
	}
	return policy
}

var ref struct {
	once sync.Once
	ref  *Ref
	err  error
}

// Refpolicy returns the reference policy, assembling it the first time a
// test process asks. The result is cached in the system's temporary
// directory under a name derived from every input (the store's modules,
// the policy source, the templates, the tools), so later runs reuse it
// until one of them changes; test processes running at once build it
// only once between them. With -short, the test is skipped: compiling
// the full policy takes seconds.
func Refpolicy(t testing.TB) *Ref {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short mode: compiles Debian's full policy")
	}
	tools := map[string]string{}
	for _, name := range []string{"secilc", "make", "zstd", "checkmodule", "semodule_package", "m4"} {
		tools[name] = testutil.Tool(t, name)
	}
	tools["pp"] = testutil.File(t, filepath.Join(hllDir, "pp"))
	testutil.File(t, storeModules)
	testutil.File(t, policySource)
	testutil.File(t, develMake)

	ref.once.Do(func() { ref.ref, ref.err = loadOrBuild(tools) })
	if ref.err != nil {
		t.Fatalf("assembling the reference policy: %v", ref.err)
	}
	return ref.ref
}

func loadOrBuild(tools map[string]string) (*Ref, error) {
	mods, err := storeContents()
	if err != nil {
		return nil, err
	}
	key, err := cacheKey(mods, tools)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(os.TempDir(), "confine-seltest-"+key)
	if r, err := load(dir); err == nil {
		return r, nil
	}
	unlock, err := testutil.Lock(dir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have built it while this one waited.
	if r, err := load(dir); err == nil {
		return r, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "confine-seltest-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone after the rename, unless the build failed
	if err := build(tmp, mods, tools); err != nil {
		return nil, err
	}
	// Under the lock, a directory that did not load is a leftover: a
	// process killed while renaming, or an older layout.
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return load(dir)
}

// A storeModule is one enabled module of the policy store, at its
// highest priority.
type storeModule struct {
	name, dir string
}

// storeContents lists the store's enabled modules. A module installed at
// several priorities counts at the highest; a module named in disabled/
// is left out, as semodule leaves it out.
func storeContents() ([]storeModule, error) {
	entries, err := os.ReadDir(storeModules)
	if err != nil {
		return nil, err
	}
	disabled := map[string]bool{}
	if ds, err := os.ReadDir(filepath.Join(storeModules, "disabled")); err == nil {
		for _, d := range ds {
			disabled[d.Name()] = true
		}
	}
	var priorities []int
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() {
			priorities = append(priorities, p)
		}
	}
	slices.Sort(priorities)
	chosen := map[string]string{}
	for _, p := range priorities {
		pdir := filepath.Join(storeModules, strconv.Itoa(p))
		ms, err := os.ReadDir(pdir)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.IsDir() && !disabled[m.Name()] {
				chosen[m.Name()] = filepath.Join(pdir, m.Name())
			}
		}
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("reading %s: no enabled modules", storeModules)
	}
	var mods []storeModule
	for _, name := range slices.Sorted(maps.Keys(chosen)) {
		mods = append(mods, storeModule{name, chosen[name]})
	}
	return mods, nil
}

// cacheKey hashes everything the cached base is made from.
func cacheKey(mods []storeModule, tools map[string]string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, cacheFormat)
	for _, m := range mods {
		fmt.Fprintln(h, "module", m.name, m.dir)
		for _, f := range []string{"cil", "hll", "lang_ext"} {
			if err := HashFile(h, filepath.Join(m.dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
	}
	if err := HashFile(h, policySource); err != nil {
		return "", err
	}
	for _, name := range slices.Sorted(maps.Keys(tools)) {
		fi, err := os.Stat(tools[name])
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, "tool", name, tools[name], fi.Size(), fi.ModTime().UnixNano())
	}
	if err := HashTemplates(h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// HashFile writes path's name and content to w, for a cache key.
func HashFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintln(w, "file", path)
	_, err = io.Copy(w, f)
	return err
}

// HashTemplates writes the name and content of every file an
// installation of the refpolicy templates holds to w, for a cache key
// that changes with them.
func HashTemplates(w io.Writer) error {
	for _, name := range templates.Written() {
		data, err := templates.Data(name)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "template", name, len(data))
		w.Write(data)
	}
	return nil
}

// Layout of a cached base.
const (
	modulesDir   = "modules"
	templatesDir = "templates"
	policyFile   = "policy." + policyVersion
	disabledFile = "disabled.txt"
)

// load reads a cached base; the policy is written last, so its presence
// says the rest is complete.
func load(dir string) (*Ref, error) {
	r := &Ref{Policy: filepath.Join(dir, policyFile)}
	if _, err := os.Stat(r.Policy); err != nil {
		return nil, err
	}
	var err error
	if r.Base, err = filepath.Glob(filepath.Join(dir, modulesDir, "*.cil")); err != nil {
		return nil, err
	}
	if r.Templates, err = filepath.Glob(filepath.Join(dir, templatesDir, "*.cil")); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, disabledFile))
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(data)) {
		r.Disabled = append(r.Disabled, strings.TrimSuffix(line, "\n"))
	}
	return r, nil
}

// build assembles a base in dir.
func build(dir string, mods []storeModule, tools map[string]string) error {
	mdir := filepath.Join(dir, modulesDir)
	if err := os.Mkdir(mdir, 0o755); err != nil {
		return err
	}
	texts, err := modulesCIL(mods, tools)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, m := range mods {
		if err := os.WriteFile(filepath.Join(mdir, m.name+".cil"), check.DropRepeatedFilecons(texts[i], seen), 0o644); err != nil {
			return err
		}
	}
	text, err := buildContainerModule(tools)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mdir, "container.cil"), check.DropRepeatedFilecons(text, seen), 0o644); err != nil {
		return err
	}
	if _, err := confine.WriteTemplates(filepath.Join(dir, templatesDir)); err != nil {
		return err
	}

	files, err := filepath.Glob(filepath.Join(mdir, "*.cil"))
	if err != nil {
		return err
	}
	tmpls, err := filepath.Glob(filepath.Join(dir, templatesDir, "*.cil"))
	if err != nil {
		return err
	}
	policy := filepath.Join(dir, policyFile+".tmp")
	args := []string{"-c", policyVersion, "-o", policy, "-f", os.DevNull, "-v", "-v"}
	out, err := exec.Command(tools["secilc"], slices.Concat(args, files, tmpls)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("compiling the reference policy: %v\n%s", err, errorLines(out))
	}
	var disabled bytes.Buffer
	for _, line := range disabledLines(out) {
		disabled.WriteString(line + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, disabledFile), disabled.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(policy, filepath.Join(dir, policyFile))
}

// modulesCIL returns the CIL of each module, decompressing them on every
// CPU: bzip2 is most of the time it takes to assemble the base.
func modulesCIL(mods []storeModule, tools map[string]string) ([][]byte, error) {
	texts := make([][]byte, len(mods))
	errs := make([]error, len(mods))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				texts[i], errs[i] = moduleCIL(mods[i], tools)
			}
		})
	}
	for i := range mods {
		next <- i
	}
	close(next)
	wg.Wait()
	return texts, errors.Join(errs...)
}

// moduleCIL returns a store module's CIL: the cil file the store compiled
// it to, or, when the store kept none, its source (hll) converted by the
// language's converter, as semodule would. Either may be compressed with
// bzip2, as libsemanage compresses by default.
func moduleCIL(m storeModule, tools map[string]string) ([]byte, error) {
	data, err := readMaybeBzip2(filepath.Join(m.dir, "cil"))
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	lang, err := os.ReadFile(filepath.Join(m.dir, "lang_ext"))
	if err != nil {
		return nil, fmt.Errorf("module %s has neither cil nor lang_ext: %w", m.name, err)
	}
	src, err := readMaybeBzip2(filepath.Join(m.dir, "hll"))
	if err != nil {
		return nil, err
	}
	switch l := strings.TrimSpace(string(lang)); l {
	case "cil":
		return src, nil
	case "pp":
		cmd := exec.Command(tools["pp"])
		cmd.Stdin = bytes.NewReader(src)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("converting module %s to CIL: %v\n%s", m.name, err, stderr.Bytes())
		}
		return out, nil
	default:
		return nil, fmt.Errorf("module %s: no converter for language %q", m.name, l)
	}
}

func readMaybeBzip2(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("BZh")) {
		return data, err
	}
	out, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("decompressing %s: %w", path, err)
	}
	return out, nil
}

// buildContainerModule builds refpolicy's container module, which Debian
// ships the source of but does not enable, from the policy source with
// the policy's development Makefile, and returns its CIL.
func buildContainerModule(tools map[string]string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "confine-seltest-container-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := extractContainerSource(dir, tools["zstd"]); err != nil {
		return nil, err
	}
	cmd := exec.Command(tools["make"], "-f", develMake, "container.pp")
	cmd.Dir = dir
	// The Makefile finds m4, checkmodule and semodule_package on PATH.
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the container module: %v\n%s", err, out)
	}
	out, err := exec.Command(tools["pp"], filepath.Join(dir, "container.pp"), filepath.Join(dir, "container.cil")).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("converting the container module to CIL: %v\n%s", err, out)
	}
	return os.ReadFile(filepath.Join(dir, "container.cil"))
}

// extractContainerSource copies container.te and container.fc out of the
// policy source into dir. container.if stays behind: the development
// headers already hold the module's interfaces, and a second copy makes
// m4 report duplicate definitions.
func extractContainerSource(dir, zstd string) error {
	cmd := exec.Command(zstd, "-dc", policySource)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	want := map[string]string{containerSource + ".te": "container.te", containerSource + ".fc": "container.fc"}
	tr := tar.NewReader(bufio.NewReader(stdout))
	for len(want) > 0 {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("reading %s: %w", policySource, err)
		}
		name, ok := want[h.Name]
		if !ok {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("reading %s from %s: %w", h.Name, policySource, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return err
		}
		delete(want, h.Name)
	}
	// The rest of the archive is not needed.
	cmd.Process.Kill()
	cmd.Wait()
	if len(want) > 0 {
		return fmt.Errorf("reading %s: no %s", policySource, strings.Join(slices.Sorted(maps.Keys(want)), ", "))
	}
	return nil
}
