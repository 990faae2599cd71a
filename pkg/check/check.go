package check

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

	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/pkg/store"
)

var (
	// ErrBadName is returned by Run when two files would compile under
	// one name, or a name is not a plain file name.
	ErrBadName = errors.New("bad module file name")
	// ErrBase is wrapped when the store's modules and the templates do
	// not compile without the modules checked, as when the policy lacks
	// the container module the templates need: no module can be judged.
	ErrBase = errors.New("the host's policy does not compile with the templates")
)

// A File is one CIL file to compile: a module to check or a template.
type File struct {
	// Name is the file's name as the user gave it, for messages; its
	// base name, without .cil, is the module's name in the store.
	Name string
	CIL  []byte
}

// Options say which policy to check against.
type Options struct {
	// Root is the policy root ("" for this host) and Store the store's
	// name ("" for Root's SELINUXTYPE), as for semodule -p and -s.
	Root, Store string
	// Secilc is the compiler to run; "" for secilc on PATH.
	Secilc string
}

// A Problem is one thing that would go wrong, at a line of a module.
type Problem struct {
	File    string
	Line    int // 0 when secilc named no line of the module
	Message string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// A Report is what Run found.
type Report struct {
	// Store is the store the modules were checked against.
	Store string
	// Problems are in the order of the files, then of their lines.
	Problems []Problem
}

// Failed reports whether file has a problem.
func (r *Report) Failed(file string) bool {
	return slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.File == file })
}

// Run compiles modules, with templates, against the policy of the store
// opts names, and reports what would go wrong when installing them. An
// error says no module could be judged: the store cannot be read, or
// its policy does not compile with the templates (ErrBase).
func Run(ctx context.Context, modules, templates []File, opts Options) (*Report, error) {
	name := opts.Store
	if name == "" {
		var err error
		if name, err = policydb.PolicyType(opts.Root); err != nil {
			return nil, fmt.Errorf("checking modules: %w", err)
		}
	}
	c := &compiler{secilc: opts.Secilc, ctx: ctx}
	if c.secilc == "" {
		c.secilc = "secilc"
	}
	var err error
	if c.dir, err = os.MkdirTemp("", "confine-check-"); err != nil {
		return nil, fmt.Errorf("checking modules: %w", err)
	}
	defer os.RemoveAll(c.dir)
	if err := c.stage(modules, templates); err != nil {
		return nil, fmt.Errorf("checking modules: %w", err)
	}
	st, err := store.Open(opts.Root, name)
	if err != nil {
		return nil, fmt.Errorf("checking modules: %w", err)
	}
	if err := c.stageBase(st); err != nil {
		return nil, fmt.Errorf("checking modules: store %s: %w", name, err)
	}
	rep := &Report{Store: name}
	if err := c.run(rep); err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, m := range modules {
		order[m.Name] = i
	}
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int {
		if d := order[a.File] - order[b.File]; d != 0 {
			return d
		}
		return a.Line - b.Line
	})
	return rep, nil
}

// A staged file is one written to the scratch directory.
type staged struct {
	File
	path string
	top  []cil.Expr // parsed, for modules and templates
}

type compiler struct {
	ctx       context.Context
	secilc    string
	dir       string
	base      []string // the store's modules
	templates []staged
	modules   []staged
}

// stage writes the modules and templates to the scratch directory.
func (c *compiler) stage(modules, templates []File) error {
	seen := map[string]bool{}
	put := func(sub string, f File) (staged, error) {
		base := filepath.Base(f.Name)
		if base == "." || base == "/" || seen[base] {
			return staged{}, fmt.Errorf("%w: %s", ErrBadName, f.Name)
		}
		seen[base] = true
		top, err := cil.Parse(f.CIL)
		if err != nil {
			return staged{}, fmt.Errorf("%s: %w", f.Name, err)
		}
		path := filepath.Join(c.dir, sub, base)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return staged{}, err
		}
		return staged{File: f, path: path, top: top}, os.WriteFile(path, f.CIL, 0o600)
	}
	for _, t := range templates {
		s, err := put("templates", t)
		if err != nil {
			return err
		}
		c.templates = append(c.templates, s)
	}
	for _, m := range modules {
		s, err := put("modules", m)
		if err != nil {
			return err
		}
		c.modules = append(c.modules, s)
	}
	return nil
}

// stageBase writes the store's enabled modules, each at its highest
// priority, but those the modules and templates checked replace.
func (c *compiler) stageBase(st *store.Store) error {
	replaced := map[string]bool{}
	for _, s := range slices.Concat(c.templates, c.modules) {
		replaced[strings.TrimSuffix(filepath.Base(s.Name), ".cil")] = true
	}
	mods, err := st.Modules()
	if err != nil {
		return err
	}
	dir := filepath.Join(c.dir, "store")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	filecons := map[string]bool{}
	last := ""
	for _, m := range mods {
		// Modules come by name, the highest priority first.
		if m.Name == last {
			continue
		}
		last = m.Name
		if m.Disabled || replaced[m.Name] {
			continue
		}
		text, err := m.CIL()
		if err != nil {
			return err
		}
		path := filepath.Join(dir, m.Name+".cil")
		if err := os.WriteFile(path, DropRepeatedFilecons(text, filecons), 0o600); err != nil {
			return err
		}
		c.base = append(c.base, path)
	}
	if len(c.base) == 0 {
		return errors.New("no enabled module")
	}
	return nil
}

// DropRepeatedFilecons removes the filecon statements of text that seen
// holds, word for word, and adds the others to seen. A store's modules
// may state one twice (Debian's spamassassin does); secilc accepts that,
// except when logging verbosely (-v), as Run must to see which optional
// blocks it disables: it then reports conflicting filecon rules and
// fails. An identical repeat adds nothing, so the policy is the same.
func DropRepeatedFilecons(text []byte, seen map[string]bool) []byte {
	var out bytes.Buffer
	for line := range strings.Lines(string(text)) {
		if strings.HasPrefix(line, "(filecon ") {
			key := strings.TrimSpace(line)
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// secilc's messages that Run reads.
var (
	disabling = regexp.MustCompile(`(?m)^Disabling optional '([^']+)' at (\S+):(\d+)$`)
	atLine    = regexp.MustCompile(`(?m)^(.*) at (\S+):(\d+)$`)
	neverLine = regexp.MustCompile(`(?m)^neverallow check failed at (\S+):(\d+)`)
)

// compile runs secilc on files, verbose enough to say which optional
// blocks it disables, and writes the policy to policy.
func (c *compiler) compile(policy string, files []string) (string, error) {
	args := slices.Concat([]string{"-v", "-v", "-o", policy, "-f", os.DevNull}, files)
	cmd := exec.CommandContext(c.ctx, c.secilc, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil && len(out) == 0 {
		return "", err
	}
	if err != nil {
		return string(out), errFailed
	}
	return string(out), nil
}

var errFailed = errors.New("secilc failed")

// run compiles the base and templates alone, then with the modules,
// until the modules left compile.
func (c *compiler) run(rep *Report) error {
	basePolicy := filepath.Join(c.dir, "base.policy")
	tmpls := make([]string, len(c.templates))
	for i, t := range c.templates {
		tmpls[i] = t.path
	}
	// The policy without the modules, for the names it has and the
	// optional blocks it disables itself, compiles beside the first try
	// with them: each takes seconds.
	type result struct {
		out string
		err error
	}
	baseDone := make(chan result, 1)
	go func() {
		out, err := c.compile(basePolicy, slices.Concat(c.base, tmpls))
		baseDone <- result{out, err}
	}()
	var pol *policydb.Policy
	before := map[string]int{}
	waited := false
	baseline := func() error {
		if waited {
			return nil
		}
		waited = true
		r := <-baseDone
		if r.err != nil {
			return fmt.Errorf("checking modules: %w: %s", ErrBase, c.firstError(r.out, r.err))
		}
		for _, m := range disabling.FindAllStringSubmatch(r.out, -1) {
			before[m[0]]++
		}
		var err error
		if pol, err = policydb.OpenWith(basePolicy, policydb.Options{SkipMembers: true}); err != nil {
			return fmt.Errorf("checking modules: %w", err)
		}
		return nil
	}
	defer func() {
		if !waited {
			<-baseDone // the scratch directory goes once it is done
		}
	}()
	left := slices.Clone(c.modules)
	for len(left) > 0 {
		files := slices.Clone(tmpls)
		for _, m := range left {
			files = append(files, m.path)
		}
		out, err := c.compile(filepath.Join(c.dir, "policy"), slices.Concat(c.base, files))
		if err := baseline(); err != nil {
			return err
		}
		if err == nil {
			rep.Problems = append(rep.Problems, c.dropped(out, before, left)...)
			return nil
		}
		if !errors.Is(err, errFailed) {
			return fmt.Errorf("checking modules: %w", err)
		}
		failed := c.failures(out, left, pol)
		if len(failed) == 0 {
			// secilc named no line of a module: every module left
			// shares the blame.
			msg := c.firstError(out, err)
			for _, m := range left {
				rep.Problems = append(rep.Problems, Problem{File: m.Name, Message: msg})
			}
			return nil
		}
		rep.Problems = append(rep.Problems, failed...)
		left = slices.DeleteFunc(left, func(m staged) bool {
			return slices.ContainsFunc(failed, func(p Problem) bool { return p.File == m.Name })
		})
	}
	return nil
}

// firstError gives secilc's first message of failure, in one line:
// the first that names a line of a template or a module, since one
// unresolved name makes secilc report the store's statements too.
func (c *compiler) firstError(out string, err error) string {
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if a := atLine.FindStringSubmatch(line); a != nil && !strings.HasPrefix(line, "Disabling") &&
			(strings.HasPrefix(a[2], filepath.Join(c.dir, "templates")+"/") || strings.HasPrefix(a[2], filepath.Join(c.dir, "modules")+"/")) {
			return "secilc: " + c.short(line)
		}
	}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Failed") || strings.HasPrefix(line, "Problem") || strings.Contains(line, "error") || strings.HasPrefix(line, "neverallow") {
			return "secilc: " + c.short(line)
		}
	}
	return "secilc: " + err.Error()
}

// short gives a line of secilc's without the scratch directory.
func (c *compiler) short(line string) string {
	line = strings.ReplaceAll(line, filepath.Join(c.dir, "store")+"/", "")
	line = strings.ReplaceAll(line, filepath.Join(c.dir, "templates")+"/", "")
	line = strings.ReplaceAll(line, filepath.Join(c.dir, "modules")+"/", "")
	return strings.ReplaceAll(line, c.dir+"/", "")
}

// module returns the module staged at path, if any.
func module(mods []staged, path string) (staged, bool) {
	i := slices.IndexFunc(mods, func(m staged) bool { return m.path == path })
	if i < 0 {
		return staged{}, false
	}
	return mods[i], true
}

// failures reads the problems secilc reports at the lines of mods.
func (c *compiler) failures(out string, mods []staged, pol *policydb.Policy) []Problem {
	var probs []Problem
	seen := map[string]bool{}
	add := func(p Problem) {
		if k := p.String(); !seen[k] {
			seen[k] = true
			probs = append(probs, p)
		}
	}
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		if m := neverLine.FindStringSubmatch(lines[i]); m != nil {
			// The neverallow, then the chain of statements that made
			// each rule it catches, indented: a module's own rule, or
			// one a template gave it through a blockinherit.
			rule := ""
			if i+1 < len(lines) {
				rule = strings.TrimSpace(lines[i+1])
			}
			var mod staged
			line := 0
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
				i++
				a := atLine.FindStringSubmatch(strings.TrimSpace(lines[i]))
				if a == nil {
					continue
				}
				if found, ok := module(mods, a[2]); ok && a[1] != "block" {
					mod, line = found, atoi(a[3])
				}
			}
			if line > 0 {
				add(Problem{File: mod.Name, Line: line, Message: fmt.Sprintf("%s:%s forbids it: %s", c.short(m[1]), m[2], rule)})
			}
			continue
		}
		a := atLine.FindStringSubmatch(lines[i])
		if a == nil || strings.HasPrefix(lines[i], "Disabling optional") {
			continue
		}
		mod, ok := module(mods, a[2])
		if !ok {
			continue
		}
		n := atoi(a[3])
		add(Problem{File: mod.Name, Line: n, Message: c.explain(mod, n, a[1], pol)})
	}
	return probs
}

// explain says why the statement at line n of mod did not resolve: the
// names in it that the policy lacks, or else secilc's own words.
func (c *compiler) explain(mod staged, n int, said string, pol *policydb.Policy) string {
	stmt, ok := at(mod.top, n)
	declared := c.declared()
	if ok && slices.Contains([]string{"allow", "auditallow", "dontaudit", "neverallow"}, stmt.Head()) && len(stmt.List) == 4 {
		var why []string
		for _, e := range stmt.List[1:3] {
			if e.IsList || e.Atom == "self" || declared[e.Atom] || strings.Contains(e.Atom, ".") {
				continue
			}
			if _, ok := pol.Resolve(e.Atom); !ok && !pol.HasType(e.Atom) {
				why = append(why, "unknown type "+e.Atom)
			}
		}
		if cp := stmt.List[3]; cp.IsList && len(cp.List) == 2 && !cp.List[0].IsList {
			class := cp.List[0].Atom
			switch {
			case !pol.HasClass(class):
				why = append(why, "unknown class "+class)
			case cp.List[1].IsList:
				for _, p := range cp.List[1].List {
					if !p.IsList && p.Atom != "all" && !pol.HasPermission(class, p.Atom) {
						why = append(why, fmt.Sprintf("permission %s is not in class %s%s", p.Atom, class, elsewhere(pol, p.Atom)))
					}
				}
			}
		}
		if len(why) > 0 {
			return strings.Join(why, "; ")
		}
	}
	return "secilc: " + c.short(said)
}

// elsewhere names the classes that do have perm, as a hint.
func elsewhere(pol *policydb.Policy, perm string) string {
	var in []string
	for _, class := range pol.Classes() {
		if pol.HasPermission(class, perm) {
			in = append(in, class)
		}
	}
	if len(in) == 0 || len(in) > 3 {
		return ""
	}
	return " (it is in " + strings.Join(in, ", ") + ")"
}

// declared returns the names the modules and templates declare, which
// the policy compiled without the modules cannot know.
func (c *compiler) declared() map[string]bool {
	names := map[string]bool{}
	var walk func([]cil.Expr)
	walk = func(es []cil.Expr) {
		for _, e := range es {
			switch e.Head() {
			case "type", "typeattribute", "block", "typealias":
				if len(e.List) > 1 && !e.List[1].IsList {
					names[e.List[1].Atom] = true
				}
			}
			if e.IsList {
				walk(e.List)
			}
		}
	}
	for _, s := range slices.Concat(c.templates, c.modules) {
		walk(s.top)
	}
	return names
}

// at returns the statement that starts at line n.
func at(es []cil.Expr, n int) (cil.Expr, bool) {
	for _, e := range es {
		if !e.IsList {
			continue
		}
		if e.Line == n && e.Head() != "" && e.Head() != "block" && e.Head() != "optional" {
			return e, true
		}
		if s, ok := at(e.List, n); ok {
			return s, true
		}
	}
	return cil.Expr{}, false
}

// dropped reports the optional blocks secilc disabled with the modules
// that it did not disable without them: a template's at each
// blockinherit of one of its blocks, a module's own where it is.
func (c *compiler) dropped(out string, before map[string]int, mods []staged) []Problem {
	var probs []Problem
	count := map[string]int{}
	for _, m := range disabling.FindAllStringSubmatch(out, -1) {
		count[m[0]]++
		if count[m[0]] <= before[m[0]] {
			continue
		}
		name, file, line := m[1], m[2], m[3]
		if mod, ok := module(mods, file); ok {
			probs = append(probs, Problem{File: mod.Name, Line: atoi(line), Message: fmt.Sprintf("optional block %s is dropped: a name in it is not in the policy, so none of its rules load", name)})
			continue
		}
		i := slices.IndexFunc(c.templates, func(t staged) bool { return t.path == file || filepath.Base(t.path) == filepath.Base(file) })
		if i < 0 {
			continue
		}
		blocks := blocksOf(c.templates[i].top)
		for _, mod := range mods {
			for _, bi := range cil.Inherited(mod.top) {
				if !slices.Contains(blocks, bi.Atom) {
					continue
				}
				p := Problem{File: mod.Name, Line: bi.Line, Message: fmt.Sprintf("the rules of template %s are dropped: its optional block %s (%s:%s) names something the policy lacks, so the container will not get them", bi.Atom, name, filepath.Base(file), line)}
				if !slices.Contains(probs, p) {
					probs = append(probs, p)
				}
			}
		}
	}
	return probs
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// blocksOf returns the blocks a template file defines at its top level.
func blocksOf(top []cil.Expr) []string {
	var names []string
	for _, e := range top {
		if e.Head() == "block" && len(e.List) > 1 && !e.List[1].IsList {
			names = append(names, e.List[1].Atom)
		}
	}
	return names
}
