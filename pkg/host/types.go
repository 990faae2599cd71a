package host

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/confine-policy/confine/pkg/fcontext"
)

// Types returns the types a container meets on a mount of dir.
//
// On this host they are the labels of what is there: dir's own and, for a
// directory, those of everything below it, read in a walk bounded by
// Options.WalkLimit. Each path's label is its live one where SELinux is
// enabled, and otherwise the one file_contexts gives it for its file type,
// which is what restorecon would set. A dir that is not a directory (a
// file, a socket, a device) is that one object, of Types.Class. With
// Options.Predict, the types file_contexts gives paths that may be created
// below dir later are added.
//
// When the files are not here to look at (Options.Root names another
// host, or dir does not exist on this one), the types are predicted: the
// type of every file_contexts entry that can match a path below dir, as
// fcontext.Under finds them, with a warning that says so. So they are when
// the walk stops at its bound, for what it did not read.
func (s *System) Types(dir string) (Types, error) {
	s.mu.Lock()
	e, ok := s.typesOf[dir]
	if !ok {
		if s.typesOf == nil {
			s.typesOf = map[string]*typesEntry{}
		}
		e = &typesEntry{}
		s.typesOf[dir] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.types, e.err = s.types(dir) })
	return e.types, e.err
}

// typesEntry is what Types found for a directory, found once per run.
type typesEntry struct {
	once  sync.Once
	types Types
	err   error
}

// types finds what Types returns, each time it is asked.
func (s *System) types(dir string) (Types, error) {
	self, err := s.Label(dir)
	if err != nil {
		return Types{}, err
	}
	var found typeSet
	var warnings []string
	if self.Warning != "" {
		warnings = append(warnings, self.Warning)
	}
	if s.root != "" {
		return s.predictedOnly(dir, self, "is on the other host whose policy confine reads", warnings)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return s.predictedOnly(dir, self, "is not on this host ("+reason(err)+")", warnings)
	}
	class := classOf(fi.Mode())
	found.found(self.Type, self.Source, dir, class)
	if class != "dir" {
		return Types{Types: found.sorted(), Class: class, Warnings: warnings}, nil
	}
	walked, complete := s.walk(dir, &found)
	warnings = append(warnings, walked...)
	if !complete || s.predict {
		n, err := s.addPredicted(dir, &found)
		if err != nil {
			return Types{}, err
		}
		if s.predict && n > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: %s predicted from the policy's file_contexts for paths that may be created below it", dir, types(n, "more type", "more types")))
		}
	}
	return Types{Types: found.sorted(), Warnings: warnings}, nil
}

// predictedOnly answers for a dir whose files are not here to look at.
func (s *System) predictedOnly(dir string, self Label, why string, warnings []string) (Types, error) {
	var found typeSet
	found.predicted(self.Type, self.Source)
	if _, err := s.addPredicted(dir, &found); err != nil {
		return Types{}, err
	}
	warnings = append(warnings, fmt.Sprintf("%s %s, so its %s predicted from the policy's file_contexts, which may be more than its files have: run confine on the host itself for exact ones", dir, why, types(len(found.types), "type is", "types are")))
	return Types{Types: found.sorted(), Warnings: warnings}, nil
}

// addPredicted adds the types file_contexts predicts below dir, and
// returns how many it added.
func (s *System) addPredicted(dir string, found *typeSet) (int, error) {
	files, err := s.loadFiles()
	if err != nil {
		return 0, err
	}
	below, err := files.Under(s.resolved(dir))
	if err != nil {
		return 0, fmt.Errorf("types under %s: %w", dir, err)
	}
	n := len(found.types)
	for _, m := range below {
		if !m.NoLabel {
			found.predicted(m.Context.Type, source(m))
		}
	}
	return len(found.types) - n, nil
}

// resolved returns path with its symlinks resolved, on this host: the
// label that matters is that of what a mount reaches (/var/run is /run).
func (s *System) resolved(path string) string {
	if s.root == "" {
		if r, err := filepath.EvalSymlinks(path); err == nil {
			return r
		}
	}
	return path
}

// An entry is one path met below a mount.
type entry struct {
	path  string
	class string
	ft    fcontext.FileType
}

// A label is what labelling an entry gave: its type (empty for none),
// where it came from, and why the live label was not used, if it was not.
type label struct {
	typ, source string
	liveErr     error
}

// walk labels everything below dir, at most s.walkLimit entries, into
// found, and reports whether it read everything. Entries are listed
// first and labelled on every CPU: on a big tree the lookups, not the
// directory reads, take the time.
func (s *System) walk(dir string, found *typeSet) (warnings []string, complete bool) {
	real := s.resolved(dir)
	var entries []entry
	var unreadable []string
	complete = true
	err := filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		if path == real {
			return err
		}
		if err != nil {
			unreadable = append(unreadable, fmt.Sprintf("%s (%s)", shown(path, real, dir), reason(err)))
			return nil
		}
		if len(entries) == s.walkLimit {
			complete = false
			return fs.SkipAll
		}
		entries = append(entries, entry{path, classOf(d.Type()), fcontext.FileTypeOf(d.Type())})
		return nil
	})
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: not read (%s); its types below it are predicted from the policy", dir, reason(err)))
		complete = false
	}
	if !complete && err == nil {
		warnings = append(warnings, fmt.Sprintf("%s: stopped after %d entries; the types of the rest are predicted from the policy", dir, s.walkLimit))
	}
	if len(unreadable) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d entries below it could not be read, first %s", dir, len(unreadable), unreadable[0]))
	}

	labels := s.labelAll(entries)
	var noLive int
	var firstNoLive string
	for i, e := range entries {
		l := labels[i]
		if l.liveErr != nil {
			if noLive == 0 {
				firstNoLive = fmt.Sprintf("%s (%s)", shown(e.path, real, dir), reason(l.liveErr))
			}
			noLive++
		}
		found.found(l.typ, l.source, shown(e.path, real, dir), e.class)
	}
	if noLive > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d entries below it have no usable live label, first %s; their file_contexts labels are used", dir, noLive, firstNoLive))
	}
	return warnings, complete
}

// labelAll labels entries, concurrently, keeping their order.
func (s *System) labelAll(entries []entry) []label {
	labels := make([]label, len(entries))
	workers := min(runtime.GOMAXPROCS(0), (len(entries)+255)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(entries); i += workers {
				labels[i] = s.labelOf(entries[i])
			}
		})
	}
	wg.Wait()
	return labels
}

// labelOf labels one entry: its live label, when SELinux is enabled and
// the label can be read, else what file_contexts says.
func (s *System) labelOf(e entry) label {
	var l label
	if s.live {
		ctx, err := s.xattr(e.path, false)
		if err == nil {
			if t, ok := liveType(ctx); ok {
				return label{typ: t, source: SourceXattr}
			}
			err = fmt.Errorf("labelled %q", ctx)
		}
		l.liveErr = err
	}
	files, err := s.loadFiles()
	if err != nil {
		return l // Types has loaded them already
	}
	if m, err := files.Lookup(e.path, e.ft); err == nil && !m.NoLabel {
		l.typ, l.source = m.Context.Type, source(m)
	}
	return l
}

// types says n things, one or many.
func types(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shown gives a path met below real, dir resolved, as the user named it.
func shown(path, real, dir string) string {
	if rest, ok := strings.CutPrefix(path, real); ok {
		return dir + rest
	}
	return path
}

// classOf returns the SELinux class of a file of mode.
func classOf(mode fs.FileMode) string {
	switch mode.Type() {
	case fs.ModeDir:
		return "dir"
	case fs.ModeSymlink:
		return "lnk_file"
	case fs.ModeNamedPipe:
		return "fifo_file"
	case fs.ModeSocket:
		return "sock_file"
	case fs.ModeDevice:
		return "blk_file"
	case fs.ModeDevice | fs.ModeCharDevice:
		return "chr_file"
	}
	return "file"
}

// typeSet collects the types of a mount: for those found on paths, the
// first path and its source, how many paths have it and their classes;
// for those predicted, the entry that predicts it.
type typeSet struct {
	types []TypeSource
	index map[string]int
}

func (ts *typeSet) at(t string) (*TypeSource, bool) {
	if i, ok := ts.index[t]; ok {
		return &ts.types[i], true
	}
	if ts.index == nil {
		ts.index = make(map[string]int)
	}
	ts.index[t] = len(ts.types)
	ts.types = append(ts.types, TypeSource{Type: t})
	return &ts.types[len(ts.types)-1], false
}

// found counts path, of class, as having type t.
func (ts *typeSet) found(t, source, path, class string) {
	if t == "" {
		return
	}
	ts2, _ := ts.at(t)
	if ts2.Path == "" {
		ts2.Source, ts2.Path = source, path
	}
	ts2.Count++
	if !slices.Contains(ts2.Classes, class) {
		ts2.Classes = append(ts2.Classes, class)
	}
}

// predicted adds type t, predicted by source, unless it is there.
func (ts *typeSet) predicted(t, source string) {
	if t == "" {
		return
	}
	if ts2, had := ts.at(t); !had {
		ts2.Source = source
	}
}

func (ts *typeSet) sorted() []TypeSource {
	for i := range ts.types {
		slices.Sort(ts.types[i].Classes)
	}
	slices.SortFunc(ts.types, func(a, b TypeSource) int { return strings.Compare(a.Type, b.Type) })
	return ts.types
}
