package fcontext

import (
	"regexp/syntax"
	"strings"
)

// unshadowed drops from found (entry indexes that can match below the
// prefix p) the entries that can never win there: an entry that matches
// every path below p, whatever its type, wins over every entry before it
// in libselinux's order for all of those paths, so those entries are
// never the answer of a lookup below p. found is in the order read.
//
// Only an entry that provably matches every path below p counts, so an
// entry is never dropped by mistake; one may be kept that cannot win.
func (t *table) unshadowed(found []int, p string) []int {
	rank := t.ranks()
	cover := int32(-1)
	for _, k := range found {
		if rank[k] > cover && t.coversBelow(k, p) {
			cover = rank[k]
		}
	}
	if cover < 0 {
		return found
	}
	kept := found[:0]
	for _, k := range found {
		if rank[k] >= cover {
			kept = append(kept, k)
		}
	}
	return kept
}

// coversBelow reports whether entry k matches every key p + "/" + s, s
// non-empty, for files of every type.
func (t *table) coversBelow(k int, p string) bool {
	e := &t.entries[k]
	if e.fileType != AnyFile || e.badContext || e.patErr != nil {
		return false
	}
	head := p + "/"
	switch e.shape {
	case subtreeShape: // prefix(/.*)?
		return strings.HasPrefix(head, e.prefix+"/")
	case anyShape, someShape: // prefix.* or prefix.+
		return strings.HasPrefix(head, e.prefix)
	case regexShape:
		prog, err := t.prog(k)
		return err == nil && matchesAllAfter(prog, []rune(encodeKey(head)))
	}
	return false
}

// matchesAllAfter reports whether prog, anchored at the start, matches
// head followed by any non-empty string of the encoded paths' alphabet.
// It looks for a loop, such as the one of ".+" or "(/.*)?" once past the
// slash: an instruction, reached after head, that takes every rune and
// comes back to itself without any assertion, from which the match is
// reachable at the end of the text. That is enough, not necessary: a
// pattern that covers everything another way is not recognised.
func matchesAllAfter(prog *syntax.Prog, head []rune) bool {
	exact := func(i int) condition {
		ctx := exactly(head, i)
		if i == len(head) {
			// The next rune is unknown: only what holds whatever it
			// is, that is nothing but \A at the start, may be assumed.
			ctx &= syntax.EmptyBeginText | syntax.EmptyBeginLine
			if i > 0 {
				ctx = 0
			}
		}
		return condition{ctx: ctx}
	}
	c := newNFA(prog)
	cur, next := newPCSet(len(prog.Inst)), newPCSet(len(prog.Inst))
	c.closure(cur, uint32(prog.Start), exact(0))
	for i, r := range head {
		next.clear()
		cond := exact(i + 1)
		for _, pc := range cur.dense {
			if consumes(&prog.Inst[pc], r) {
				c.closure(next, prog.Inst[pc].Out, cond)
			}
		}
		cur, next = next, cur
	}
	none := condition{}
	atEnd := condition{ctx: syntax.EmptyEndText | syntax.EmptyEndLine}
	loop := newPCSet(len(prog.Inst))
	for _, pc := range cur.dense {
		inst := &prog.Inst[pc]
		if !consumesAll(inst) {
			continue
		}
		loop.clear()
		c.closure(loop, inst.Out, none)
		if loop.has(pc) && c.closure(newPCSet(len(prog.Inst)), inst.Out, atEnd) {
			return true
		}
	}
	return false
}

// consumesAll reports whether a rune instruction takes every rune of the
// encoded paths' alphabet: U+0000-U+00FF and innerNewline.
func consumesAll(inst *syntax.Inst) bool {
	switch inst.Op {
	case syntax.InstRuneAny:
		return true
	case syntax.InstRune, syntax.InstRune1:
		if !inst.MatchRune(innerNewline) {
			return false
		}
		for r := rune(0); r <= 0xff; r++ {
			if !inst.MatchRune(r) {
				return false
			}
		}
		return true
	}
	return false
}

// ranks returns each entry's position in libselinux's order, by entry.
func (t *table) ranks() []int32 {
	t.rankOnce.Do(func() {
		t.rank = make([]int32, len(t.entries))
		for pos, k := range t.order {
			t.rank[k] = int32(pos)
		}
	})
	return t.rank
}
