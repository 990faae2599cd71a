package fcontext

import (
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
)

// under returns the indexes, in the order read, of the entries that can
// match a path strictly below dir.
//
// The keys that such paths become, once cleaned and substituted, are
// described by prefixes P, each standing for every key P + "/" + s with s
// non-empty, and by a few exact keys (a subs alias's target, which the
// alias itself becomes). An entry is kept if it can match one of them.
func (t *table) under(dir string) ([]int, error) {
	key, err := cleanKey(dir)
	if err != nil {
		return nil, err
	}
	if key == "/" {
		key = "" // the keys below "/" are "/" + s
	}
	prefixes, exact := substituteBelow(t.subs, []string{key}, nil)
	prefixes, exact = substituteBelow(t.distSubs, prefixes, exact)
	prefixes = outermost(prefixes)
	slices.Sort(exact)
	exact = slices.Compact(exact)

	// Only entries without a stem, or with the stem of a key, can match:
	// all of them below "/", few below anything else.
	candidate := make([]bool, len(t.entries))
	mark := func(positions []int32) {
		for _, pos := range positions {
			candidate[t.order[pos]] = true
		}
	}
	mark(t.noStem)
	for _, p := range prefixes {
		if p == "" {
			for _, positions := range t.stems {
				mark(positions)
			}
			break
		}
		mark(t.stems[keyStem(p+"/")])
	}
	for _, key := range exact {
		if stem := keyStem(key); stem != "" {
			mark(t.stems[stem])
		}
	}
	trees := make([]subtree, len(prefixes))
	for i, p := range prefixes {
		head := p + "/"
		trees[i] = subtree{p: p, head: head, stem: keyStem(head), runes: []rune(encodeKey(head))}
	}
	var found []int
	for k := range t.entries {
		if candidate[k] && !t.entries[k].badContext && t.matchesSome(k, trees, exact) {
			found = append(found, k)
		}
	}
	if len(prefixes) == 1 && len(exact) == 0 {
		found = t.unshadowed(found, prefixes[0])
	}
	return found, nil
}

// A subtree stands for the keys p + "/" + s, s non-empty, with what
// matching them needs worked out once for every entry.
type subtree struct {
	p, head, stem string // head is p + "/", stem its stem
	runes         []rune // head encoded, as canMatchPrefix takes it
}

func (t *table) matchesSome(k int, trees []subtree, exact []string) bool {
	for _, key := range exact {
		if t.mayMatchKey(k, key) {
			return true
		}
	}
	for i := range trees {
		if t.mayMatchBelow(k, &trees[i]) {
			return true
		}
	}
	return false
}

// substituteBelow applies one subs file to keys below the given prefixes
// and to the given exact keys. For each prefix, the first alias (in the
// order tried) that covers it rewrites every key below it; aliases tried
// before that one whose source lies below the prefix take the keys at and
// below their source elsewhere. Keeping the covering alias's result even
// when those aliases might take every key is what makes the answer an
// over-approximation rather than exact.
func substituteBelow(subs []sub, prefixes, exact []string) ([]string, []string) {
	var outP, outE []string
	for _, p := range prefixes {
		covered := false
		for _, s := range subs {
			if s.covers(p) {
				outP = append(outP, s.applyPrefix(p))
				covered = true
				break
			}
			if len(s.src) > len(p)+1 && strings.HasPrefix(s.src, p+"/") {
				outE = append(outE, s.apply(s.src))
				outP = append(outP, s.applyPrefix(s.src))
			}
		}
		if !covered {
			outP = append(outP, p)
		}
	}
	for _, k := range exact {
		outE = append(outE, applySubs(subs, k))
	}
	return outP, outE
}

// applyPrefix gives the prefix that keys p + "/" + s become, for a p that
// s covers.
func (s sub) applyPrefix(p string) string {
	rest := p[len(s.src):]
	if s.dst == "/" {
		return rest
	}
	return s.dst + rest
}

// outermost drops the prefixes whose keys another prefix already stands
// for.
func outermost(prefixes []string) []string {
	slices.Sort(prefixes)
	prefixes = slices.Compact(prefixes)
	var out []string
	for _, p := range prefixes {
		if !slices.ContainsFunc(out, func(o string) bool { return o == "" || strings.HasPrefix(p, o+"/") }) {
			out = append(out, p)
		}
	}
	return out
}

// mayMatchKey reports whether entry k matches key, or may when its pattern
// cannot be evaluated.
func (t *table) mayMatchKey(k int, key string) bool {
	e := &t.entries[k]
	if e.stem() != "" && keyStem(key) != e.stem() || !strings.HasPrefix(key, e.prefix) {
		return false
	}
	if e.shape != regexShape {
		return e.shape.matchRest(key[len(e.prefix):])
	}
	if e.patErr != nil {
		return true
	}
	var enc []rune
	matched, err := t.matchRegex(k, key, &enc)
	return err != nil || matched
}

// mayMatchBelow reports whether entry k can match a key of the subtree.
func (t *table) mayMatchBelow(k int, tree *subtree) bool {
	e := &t.entries[k]
	// head is what every key starts with, and min how many more bytes it
	// has at least.
	head, min, runes := tree.head, 1, tree.runes
	if e.stem() != "" {
		switch {
		case tree.p == "":
			// Below "/", the keys whose stem is the entry's.
			head, min, runes = e.stem()+"/", 0, nil
		case tree.stem != e.stem():
			return false
		}
	}
	if !strings.HasPrefix(head, e.prefix) && !strings.HasPrefix(e.prefix, head) {
		return false
	}
	if e.shape == exactShape {
		for _, key := range []string{e.prefix, e.prefix + "\n"} {
			if strings.HasPrefix(key, head) && len(key)-len(head) >= min && (e.stem() == "" || keyStem(key) == e.stem()) {
				return true
			}
		}
		return false
	}
	if e.patErr != nil {
		return true
	}
	if pieces, err := t.parsed(k); err == nil && !mayMatch(pieces, head, true) {
		return false
	}
	prog, err := t.prog(k)
	if err != nil {
		return true
	}
	if runes == nil {
		runes = []rune(encodeKey(head))
	}
	return canMatchPrefix(prog, runes)
}

// canMatchPrefix reports whether prog, run unanchored as Go's regexp runs
// it, matches some string that starts with head and goes on with any runes
// of the encoded paths' alphabet (U+0000-U+00FF and innerNewline).
//
// Assertions are decided exactly inside head; at its end and after it,
// where the next rune is unknown, every assertion but \A is taken to hold,
// which can only add matches.
func canMatchPrefix(prog *syntax.Prog, head []rune) bool {
	loose := condition{loose: true}
	c := newNFA(prog)
	matched, cur := c.run(newPCSet(len(prog.Inst)), newPCSet(len(prog.Inst)), head, func(i int) condition {
		if i == len(head) {
			return loose
		}
		return condition{ctx: exactly(head, i)}
	})
	// After head, follow every rune instruction that takes some rune,
	// until nothing new is reached. The match may also start there, which
	// the last closure of Start covers: what follows from it is followed.
	for i := 0; !matched && i < len(cur.dense); i++ {
		if inst := &prog.Inst[cur.dense[i]]; consumesSome(inst) {
			matched = c.closure(cur, inst.Out, loose)
		}
	}
	return matched
}

// run feeds input to the program, run unanchored as Go's regexp runs it,
// with cond(i) saying which assertions hold at position i. It reports
// whether the match was reached, and returns the rune instructions reached
// at the end, in cur or next.
func (c *nfa) run(cur, next *pcSet, input []rune, cond func(i int) condition) (bool, *pcSet) {
	prog := c.prog
	matched := c.closure(cur, uint32(prog.Start), cond(0))
	for i, r := range input {
		if matched {
			return true, cur
		}
		next.clear()
		at := cond(i + 1)
		for _, pc := range cur.dense {
			if consumes(&prog.Inst[pc], r) && c.closure(next, prog.Inst[pc].Out, at) {
				matched = true
			}
		}
		// A match may also start here.
		if c.closure(next, uint32(prog.Start), at) {
			matched = true
		}
		cur, next = next, cur
	}
	return matched, cur
}

// exactly gives the assertions that hold at position i of input.
func exactly(input []rune, i int) syntax.EmptyOp {
	before, after := rune(-1), rune(-1)
	if i > 0 {
		before = input[i-1]
	}
	if i < len(input) {
		after = input[i]
	}
	return syntax.EmptyOpContext(before, after)
}

// A condition says which assertions hold at a position: exactly those
// in ctx or, when loose, every one but \A.
type condition struct {
	ctx   syntax.EmptyOp
	loose bool
}

func (c condition) holds(op syntax.EmptyOp) bool {
	if c.loose {
		return op&syntax.EmptyBeginText == 0
	}
	return c.ctx&op == op
}

// nfa holds the scratch space of closures over one program.
type nfa struct {
	prog    *syntax.Prog
	visited *pcSet
	stack   []uint32
}

func newNFA(prog *syntax.Prog) *nfa {
	return &nfa{prog: prog, visited: newPCSet(len(prog.Inst))}
}

// closure adds to s the rune instructions reachable from pc without
// consuming anything, given which assertions hold, and reports whether the
// match instruction is reachable too.
func (c *nfa) closure(s *pcSet, pc uint32, cond condition) bool {
	matched := false
	c.visited.clear()
	c.stack = append(c.stack[:0], pc)
	for len(c.stack) > 0 {
		pc := c.stack[len(c.stack)-1]
		c.stack = c.stack[:len(c.stack)-1]
		if c.visited.has(pc) {
			continue
		}
		c.visited.add(pc)
		inst := &c.prog.Inst[pc]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			c.stack = append(c.stack, inst.Out, inst.Arg)
		case syntax.InstCapture, syntax.InstNop:
			c.stack = append(c.stack, inst.Out)
		case syntax.InstEmptyWidth:
			if cond.holds(syntax.EmptyOp(inst.Arg)) {
				c.stack = append(c.stack, inst.Out)
			}
		case syntax.InstMatch:
			matched = true
		case syntax.InstFail:
		default:
			if !s.has(pc) {
				s.add(pc)
			}
		}
	}
	return matched
}

// consumes reports whether a rune instruction takes c.
func consumes(inst *syntax.Inst, c rune) bool {
	switch inst.Op {
	case syntax.InstRune, syntax.InstRune1:
		return inst.MatchRune(c)
	case syntax.InstRuneAny:
		return true
	case syntax.InstRuneAnyNotNL:
		return c != '\n'
	}
	return false
}

// consumesSome reports whether a rune instruction takes some rune of the
// encoded paths' alphabet.
func consumesSome(inst *syntax.Inst) bool {
	switch inst.Op {
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return true
	case syntax.InstRune, syntax.InstRune1:
		if syntax.Flags(inst.Arg)&syntax.FoldCase != 0 {
			return true
		}
		if inst.Op == syntax.InstRune1 || len(inst.Rune) == 1 {
			c := inst.Rune[0]
			return c <= 0xff || c == innerNewline
		}
		for i := 0; i+1 < len(inst.Rune); i += 2 {
			lo, hi := inst.Rune[i], inst.Rune[i+1]
			if lo <= 0xff || lo <= innerNewline && innerNewline <= hi {
				return true
			}
		}
	}
	return false
}

// pcSet is a set of program counters that keeps insertion order.
type pcSet struct {
	dense  []uint32
	sparse []uint32
}

func newPCSet(n int) *pcSet { return &pcSet{sparse: make([]uint32, n)} }

func (s *pcSet) has(pc uint32) bool {
	i := s.sparse[pc]
	return int(i) < len(s.dense) && s.dense[i] == pc
}

func (s *pcSet) add(pc uint32) {
	s.sparse[pc] = uint32(len(s.dense))
	s.dense = append(s.dense, pc)
}

func (s *pcSet) clear() { s.dense = s.dense[:0] }

// matchProg reports whether prog matches input somewhere, as Go's regexp
// MatchString does; the pattern's own anchors make that a match of the
// whole path. Lookups run it rather than a regexp.Regexp, so that an
// entry is compiled once, for lookups and Under alike.
func matchProg(prog *syntax.Prog, input []rune) bool {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	c, cur, next := s.reset(prog)
	matched, _ := c.run(cur, next, input, func(i int) condition { return condition{ctx: exactly(input, i)} })
	return matched
}

// scratch is the space matchProg runs in, kept between calls so that a
// lookup allocates nothing.
type scratch struct {
	nfa       nfa
	cur, next pcSet
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// reset readies s for prog.
func (s *scratch) reset(prog *syntax.Prog) (*nfa, *pcSet, *pcSet) {
	if n := len(prog.Inst); len(s.cur.sparse) < n {
		*s = scratch{nfa: nfa{visited: newPCSet(n)}, cur: *newPCSet(n), next: *newPCSet(n)}
	}
	s.nfa.prog = prog
	s.cur.clear()
	s.next.clear()
	return &s.nfa, &s.cur, &s.next
}
