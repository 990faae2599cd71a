package fcontext

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/confine-policy/confine/pkg/fcontext/internal/pattern"
	"github.com/confine-policy/confine/pkg/secontext"
)

// An entry is one line of a file_contexts file. It is kept small: there
// are thousands, and Load's time goes largely into making them.
type entry struct {
	pattern string
	context string // as written, "<<none>>" included

	// What analyse learns from the pattern.
	prefix string // every path the pattern matches starts with it
	patErr error  // the pattern cannot be evaluated

	line       int32
	stemLen    uint32 // of the pattern's stem (see stem)
	file       uint8  // index in table.files
	fileType   FileType
	badContext bool // the context is neither a context nor <<none>>
	meta       bool // libselinux's hasMetaChars
	shape      shape
}

// stem is libselinux's stem of the entry's pattern ("/usr" of
// "/usr/lib(/.*)?"), "" for none.
func (e *entry) stem() string { return e.pattern[:e.stemLen] }

// A shape is a kind of pattern whose matches can be told without a regex:
// past the literal prefix, the rest of the path is all that counts.
type shape uint8

const (
	regexShape     shape = iota // none: the regex decides
	exactShape                  // "/etc/passwd": nothing, or a final newline
	subtreeShape                // "/var/lib/mysql(/.*)?": nothing, a final newline, or "/..."
	anyShape                    // "/var/.*": anything
	someShape                   // "/var/.+": anything but nothing
	componentShape              // "/dev/tty[^/]*": no slash
	nameShape                   // "/dev/tty[^/]+": something, but no slash
)

// matchRest reports whether an entry with a shape matches a path that
// continues its prefix with rest. "." takes any byte: libselinux sets
// PCRE2_DOTALL.
func (s shape) matchRest(rest string) bool {
	switch s {
	case exactShape:
		return rest == "" || rest == "\n"
	case subtreeShape:
		return rest == "" || rest == "\n" || rest[0] == '/'
	case anyShape:
		return true
	case someShape:
		return rest != ""
	case componentShape:
		return strings.IndexByte(rest, '/') < 0
	case nameShape:
		return rest != "" && strings.IndexByte(rest, '/') < 0
	}
	panic("matchRest of a regex")
}

// analyse reads what the entry's pattern says of the paths it matches,
// with ps, which Load gives each of its goroutines.
func (e *entry) analyse(ps *pattern.Parser) {
	e.stemLen = uint32(len(pattern.Stem(e.pattern)))
	e.meta = pattern.HasMeta(e.pattern)
	pieces, err := ps.Parse(e.pattern)
	err = patternError(err)
	whole := err == nil
	if whole && counted(pieces) {
		// Go refuses some counted repetitions PCRE2 takes, such as
		// nested ones whose product is above 1000: find out now, while a
		// warning can still say so.
		_, err = compilePieces(pieces)
	}
	prefix, shape := describe(e.pattern, pieces, whole)
	if err == nil {
		e.prefix, e.shape = prefix, shape
		return
	}
	e.patErr = err
	// libselinux fails every lookup that reaches a pattern PCRE2
	// rejects, so that pattern must match every path. One that PCRE2
	// takes but Go cannot evaluate can only match paths with the literal
	// prefix read before the unsupported part, if any (the parser gives
	// no pieces when a "|" may make an alternative without it).
	if errors.Is(err, ErrUnsupportedPattern) {
		e.prefix = prefix
	}
}

// describe gives the literal prefix and the shape of a pattern from its
// pieces: all of them, or, when whole is false, those read before an
// error, which start its only alternative.
func describe(src string, pieces []pattern.Piece, whole bool) (string, shape) {
	if len(pieces) == 0 || whole && pieces[pieces[0].Next].Op == pattern.Bar {
		// Alternatives of the whole pattern.
		return "", regexShape
	}
	// The prefix starts after the "^" libselinux adds, and ends at the
	// first piece but literal text, an Empty piece included.
	i := min(2, len(pieces))
	start := i
	for i < len(pieces) && pieces[i].Op == pattern.Literal {
		i++
	}
	prefix := joinText(src, pieces[start:i])
	if !whole {
		return prefix, regexShape
	}
	return prefix, tailShape(pieces, i)
}

// joinText gives the text of literal pieces, sharing src's memory when
// it starts with that text, as it does unless an escape spells some of it.
func joinText(src string, literals []pattern.Piece) string {
	if len(literals) == 1 {
		return literals[0].Text
	}
	// Kept off the heap: Load analyses every entry.
	var space [64]byte
	b := space[:0]
	for i := range literals {
		b = append(b, literals[i].Text...)
	}
	if len(b) <= len(src) && string(b) == src[:len(b)] {
		return src[:len(b)]
	}
	return string(b)
}

// tailShape tells the shape of a whole pattern from its pieces after the
// literal prefix, which start at i.
func tailShape(pieces []pattern.Piece, i int) shape {
	// Every shape ends with the "$" libselinux adds, and the pattern's
	// End.
	n := len(pieces) - 2
	if n < i || pieces[n].Op != pattern.Assert || pieces[n].Assertion != pattern.EndOrFinalNewline {
		return regexShape
	}
	switch n - i {
	case 0:
		return exactShape
	case 1:
		if pc := &pieces[i]; pc.Op == pattern.Set && pc.Max < 0 && pc.Min <= 1 {
			return runShapes[runKind(&pc.Set)][pc.Min]
		}
	case 4:
		// (/.*)?
		g, slash, run := &pieces[i], &pieces[i+1], &pieces[i+2]
		if g.Op == pattern.Group && g.Min == 0 && g.Max == 1 && g.Next == int32(i+3) &&
			slash.Op == pattern.Literal && slash.Text == "/" &&
			run.Op == pattern.Set && run.Min == 0 && run.Max < 0 && runKind(&run.Set) == anyByte {
			return subtreeShape
		}
	}
	return regexShape
}

// A byteKind is what a shape's run may hold.
type byteKind uint8

const (
	otherBytes  byteKind = iota
	anyByte              // every byte, as "." with PCRE2_DOTALL
	anyButSlash          // every byte but '/', as "[^/]"
)

func runKind(set *pattern.ByteSet) byteKind {
	switch n := set.Len(); {
	case n == 256:
		return anyByte
	case n == 255 && !set.Has('/'):
		return anyButSlash
	}
	return otherBytes
}

// runShapes are the shapes of a run of a byteKind repeated at least 0 or
// 1 times, with no upper bound.
var runShapes = [...][2]shape{
	otherBytes:  {regexShape, regexShape},
	anyByte:     {anyShape, someShape},
	anyButSlash: {componentShape, nameShape},
}

// keyStem is libselinux's get_stem_from_file_name: the path up to its
// second slash.
func keyStem(key string) string {
	i := strings.IndexByte(key[1:], '/')
	if i < 0 {
		return ""
	}
	return key[:i+1]
}

func (t *table) source(e *entry) Source {
	return Source{File: t.files[e.file], Line: int(e.line)}
}

// match gives entry k as a Match, and the error of a malformed context.
func (t *table) match(k int) (Match, error) {
	e := &t.entries[k]
	m := Match{Pattern: e.pattern, FileType: e.fileType, Source: t.source(e)}
	if e.context == "<<none>>" {
		m.NoLabel = true
		return m, nil
	}
	var err error
	if m.Context, err = secontext.Parse(e.context); err != nil {
		err = fmt.Errorf("%s: %w", m.Source, err)
	}
	return m, err
}

// table is the loaded configuration.
type table struct {
	files   []string // the names of the files read, by entry.file
	entries []entry  // in the order read
	// patterns holds each entry's pattern parsed and compiled, once
	// needed.
	patterns []atomic.Pointer[lazyPattern]
	// order lists the entries in libselinux's order: those with
	// metacharacters in the order read, then the others in the order
	// read. Lookups go through it from the end.
	order []int32
	// stems holds, for each stem, the positions in order of its entries,
	// ascending; noStem those of the entries without one.
	stems  map[string][]int32
	noStem []int32
	// Lookups use a finer index: dirs holds the entries whose literal
	// prefix fixes the path's first two components, such as /usr/lib
	// for "/usr/lib/.*\.so", under those two components, and stemRest
	// the other entries of each stem.
	dirs     map[string][]int32
	stemRest map[string][]int32
	subs     []sub // file_contexts.subs, in the order they are tried
	distSubs []sub // file_contexts.subs_dist, likewise

	// rank is the inverse of order, made when Under first needs it.
	rankOnce sync.Once
	rank     []int32
}

// lazyPattern is an entry's pattern parsed, for mayMatch, and compiled,
// each made on first use.
type lazyPattern struct {
	parseOnce sync.Once
	pieces    []pattern.Piece
	parseErr  error

	compileOnce sync.Once
	prog        *syntax.Prog
	err         error
}

func build(files []file, subs, distSubs file) (*table, []Warning) {
	var warnings []Warning
	warn := func(s Source, err error) { warnings = append(warnings, Warning{s, err}) }
	t := &table{
		stems:    make(map[string][]int32),
		dirs:     make(map[string][]int32),
		stemRest: make(map[string][]int32),
		subs:     parseSubs(subs, warn),
		// libselinux reads subs_dist first, but applies it second.
		distSubs: parseSubs(distSubs, warn),
	}
	for _, f := range files {
		t.files = append(t.files, f.name)
	}
	pieces := split(files, runtime.GOMAXPROCS(0))
	last := pieces[len(pieces)-1]
	t.entries = make([]entry, last.at+last.lines)
	var wg sync.WaitGroup
	for i := range pieces {
		p := &pieces[i]
		wg.Go(func() {
			region := t.entries[p.at : p.at : p.at+p.lines]
			p.n = len(parseEntries(*p, region, func(s Source, err error) {
				p.warns = append(p.warns, Warning{s, err})
			}))
		})
	}
	wg.Wait()
	n := 0
	for _, p := range pieces {
		n += copy(t.entries[n:], t.entries[p.at:p.at+p.n])
		warnings = append(warnings, p.warns...)
	}
	clear(t.entries[n:]) // no strings kept alive past the end
	t.entries = t.entries[:n]
	// Duplicates only make warnings: find them while the index is built.
	var duplicates []Warning
	wg.Go(func() {
		t.duplicates(func(s Source, err error) { duplicates = append(duplicates, Warning{s, err}) })
	})
	t.order = make([]int32, 0, len(t.entries))
	for _, meta := range []bool{true, false} {
		for i := range t.entries {
			if t.entries[i].meta == meta {
				t.order = append(t.order, int32(i))
			}
		}
	}
	for pos, i := range t.order {
		e := &t.entries[i]
		if e.stem() == "" {
			t.noStem = append(t.noStem, int32(pos))
			continue
		}
		if dir := entryDir(e); dir != "" {
			t.dirs[dir] = append(t.dirs[dir], int32(pos))
		} else {
			t.stemRest[e.stem()] = append(t.stemRest[e.stem()], int32(pos))
		}
		t.stems[e.stem()] = append(t.stems[e.stem()], int32(pos))
	}
	t.patterns = make([]atomic.Pointer[lazyPattern], len(t.entries))
	wg.Wait()
	return t, append(warnings, duplicates...)
}

// cleanKey is what libselinux does to a path before anything else: runs
// of slashes become one, and one trailing slash goes, unless the path is
// "/".
func cleanKey(path string) (string, error) {
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("%w %q", ErrInvalidPath, path)
	}
	if strings.Contains(path, "//") {
		var b strings.Builder
		b.Grow(len(path))
		for i := 0; i < len(path); i++ {
			if path[i] == '/' && i > 0 && path[i-1] == '/' {
				continue
			}
			b.WriteByte(path[i])
		}
		path = b.String()
	}
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	return path, nil
}

// substitute applies the first alias of file_contexts.subs that applies,
// then the first of file_contexts.subs_dist to the result.
func (t *table) substitute(key string) string {
	return applySubs(t.distSubs, applySubs(t.subs, key))
}

func applySubs(subs []sub, key string) string {
	for _, s := range subs {
		if s.covers(key) {
			return s.apply(key)
		}
	}
	return key
}

// covers reports whether key is s.src or below it.
func (s sub) covers(key string) bool {
	return strings.HasPrefix(key, s.src) && (len(key) == len(s.src) || key[len(s.src)] == '/')
}

// apply replaces s.src at the start of key by s.dst, without doubling the
// slash when s.dst is "/".
func (s sub) apply(key string) string {
	rest := key[len(s.src):]
	if s.dst == "/" && rest != "" {
		return rest
	}
	return s.dst + rest
}

// keyDir gives the first two components of a key with the given stem,
// such as "/usr/lib" of "/usr/lib/os-release", or "" if it has fewer than
// three.
func keyDir(key, stem string) string {
	if stem == "" {
		return ""
	}
	j := strings.IndexByte(key[len(stem)+1:], '/')
	if j < 0 {
		return ""
	}
	return key[:len(stem)+1+j]
}

// entryDir gives the first two components of every key an entry can
// match, when its literal prefix fixes them, or "".
func entryDir(e *entry) string {
	if e.stem() == "" || len(e.prefix) <= len(e.stem()) || e.prefix[len(e.stem())] != '/' || !strings.HasPrefix(e.prefix, e.stem()) {
		// A stem with a backslash, such as "/a\.b", is not spelled in
		// the prefix.
		return ""
	}
	return keyDir(e.prefix, e.stem())
}

// find returns the index of the entry that wins for key, or -1. It goes
// through the entries that can match key from the last to the first in
// libselinux's order, merging the lists that hold them.
func (t *table) find(key string, ft FileType) (int, error) {
	lists := [3][]int32{t.noStem}
	if stem := keyStem(key); stem != "" {
		lists[1] = t.stemRest[stem]
		if dir := keyDir(key, stem); dir != "" {
			lists[2] = t.dirs[dir]
		}
	}
	var enc []rune // key encoded, once a regex needs it
	for {
		// The last position of the three lists comes next.
		l := -1
		for i := range lists {
			if n := len(lists[i]); n > 0 && (l < 0 || lists[i][n-1] > lists[l][len(lists[l])-1]) {
				l = i
			}
		}
		if l < 0 {
			return -1, nil
		}
		pos := lists[l][len(lists[l])-1]
		lists[l] = lists[l][:len(lists[l])-1]
		k := t.order[pos]
		e := &t.entries[k]
		if ft != AnyFile && e.fileType != AnyFile && e.fileType != ft {
			continue
		}
		if !strings.HasPrefix(key, e.prefix) {
			continue
		}
		if e.shape != regexShape {
			if e.shape.matchRest(key[len(e.prefix):]) {
				return int(k), nil
			}
			continue
		}
		if e.patErr != nil {
			return -1, fmt.Errorf("%s: pattern %q: %w", t.source(e), e.pattern, e.patErr)
		}
		matched, err := t.matchRegex(int(k), key, &enc)
		if err != nil {
			return -1, fmt.Errorf("%s: pattern %q: %w", t.source(e), e.pattern, err)
		}
		if matched {
			return int(k), nil
		}
	}
}

// matchRegex reports whether the regex of entry k matches key, ruling the
// entry out with mayMatch before compiling or running it. enc holds the
// key encoded, made on first need, for the next entry tried on the same
// key.
func (t *table) matchRegex(k int, key string, enc *[]rune) (bool, error) {
	if pieces, err := t.parsed(k); err == nil && !mayMatch(pieces, key, false) {
		return false, nil
	}
	prog, err := t.prog(k)
	if err != nil {
		return false, err
	}
	if *enc == nil {
		*enc = []rune(encodeKey(key))
	}
	return matchProg(prog, *enc), nil
}

// lazy returns entry k's lazyPattern, making it on first use.
func (t *table) lazy(k int) *lazyPattern {
	l := t.patterns[k].Load()
	if l == nil {
		t.patterns[k].CompareAndSwap(nil, new(lazyPattern))
		l = t.patterns[k].Load()
	}
	return l
}

// parsed returns entry k's pattern parsed, parsing it on first use.
func (t *table) parsed(k int) ([]pattern.Piece, error) {
	l := t.lazy(k)
	l.parseOnce.Do(func() { l.pieces, l.parseErr = parsePattern(t.entries[k].pattern) })
	return l.pieces, l.parseErr
}

// prog returns entry k's compiled pattern, compiling it on first use.
func (t *table) prog(k int) (*syntax.Prog, error) {
	l := t.lazy(k)
	l.compileOnce.Do(func() {
		pieces, err := t.parsed(k)
		if err == nil {
			l.prog, err = compilePieces(pieces)
		}
		l.err = err
	})
	return l.prog, l.err
}

// compilePieces compiles the translation of a parsed pattern. An error is
// Go's refusal: the pattern is unsupported.
func compilePieces(pieces []pattern.Piece) (*syntax.Prog, error) {
	prog, err := compileProg(goSyntax(pieces))
	if err != nil {
		return nil, fmt.Errorf("%w: Go's regexp refuses the translation: %v", ErrUnsupportedPattern, err)
	}
	return prog, nil
}

func compileProg(src string) (*syntax.Prog, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return syntax.Compile(re.Simplify())
}
