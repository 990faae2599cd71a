package fcontext

import (
	"strings"

	"github.com/confine-policy/confine/pkg/fcontext/internal/pattern"
)

// mayMatch is a quick test that rules out most regex entries for a key
// before their regex is compiled, which is most of what a lookup or an
// Under costs the first time, and before it is run. It follows the parsed
// pattern along the key as a backtracking matcher would, but gives up,
// answering true, where that would cost: in a group that repeats, past a
// few choices, and at a top-level "|", after which a branch may start
// anywhere. It decides every byte, and the assertions ^, \A, \G, $, \Z
// and \z; it takes \b and \B to hold. A false answer is certain, a true
// one says nothing. With partial set, key stands for every key that starts
// with it. The pieces must be whole: parsed without an error.
func mayMatch(pieces []pattern.Piece, key string, partial bool) bool {
	if pieces[pieces[0].Next].Op == pattern.Bar {
		return true
	}
	g := guard{pieces: pieces, key: key, partial: partial}
	return g.from(1, nil, 0)
}

// maxBranches bounds how many ways one test follows, as each optional
// piece, run length or alternative multiplies its work.
const maxBranches = 32

type guard struct {
	pieces   []pattern.Piece
	key      string
	partial  bool
	branches int
}

// A resume says where to go on once an alternative of a group has
// matched: at piece at, then as next says. A nil resume is the end of the
// pattern, and at < 0 is a group that may repeat, where the test gives up.
type resume struct {
	at   int
	next *resume
}

// from reports whether the pattern may match the key from piece i and
// byte j, going on as up says at the end of the alternative.
func (g *guard) from(i int, up *resume, j int) bool {
	for {
		pc := &g.pieces[i]
		switch pc.Op {
		case pattern.Literal:
			rest := g.key[j:]
			if len(rest) < len(pc.Text) {
				return g.partial && strings.HasPrefix(pc.Text, rest)
			}
			if rest[:len(pc.Text)] != pc.Text {
				return false
			}
			i, j = i+1, j+len(pc.Text)
		case pattern.Assert:
			if !g.holds(pc.Assertion, j) {
				return false
			}
			i++
		case pattern.Empty:
			i++
		case pattern.Set:
			return g.run(i, up, j)
		case pattern.Group:
			return g.group(i, up, j)
		default: // the end of an alternative, Bar or End
			if up == nil || up.at < 0 {
				// Whether the end of the path may come here is the
				// regex's business.
				return true
			}
			i, up = up.at, up.next
		}
	}
}

// holds reports whether an assertion may hold at byte j of the key.
func (g *guard) holds(a pattern.Assertion, j int) bool {
	switch n := len(g.key); a {
	case pattern.BeginText:
		return j == 0
	case pattern.EndOrFinalNewline:
		return j == n || j == n-1 && g.key[j] == '\n'
	case pattern.EndText:
		return j == n
	}
	return true
}

// run is from for a Set piece at i: Min bytes of the set, then as many
// more as it takes, up to Max, each length tried from the longest down.
func (g *guard) run(i int, up *resume, j int) bool {
	pc, key := &g.pieces[i], g.key
	for range pc.Min {
		if j == len(key) {
			return g.partial
		}
		if !pc.Set.Has(key[j]) {
			return false
		}
		j++
	}
	m := 0 // how many more bytes the set takes
	for j+m < len(key) && (pc.Max < 0 || m < int(pc.Max-pc.Min)) && pc.Set.Has(key[j+m]) {
		m++
	}
	if g.partial && j+m == len(key) {
		// The run may go on past what is known of the key.
		return true
	}
	tried := false
	for k := m; k >= 0; k-- {
		if !g.mayStart(i+1, j+k) {
			continue
		}
		if tried && g.branch() {
			return true
		}
		tried = true
		if g.from(i+1, up, j+k) {
			return true
		}
	}
	return false
}

// mayStart is a cheaper from for piece i at byte j: it looks at the
// piece's first byte only, so that run tries few lengths in vain.
func (g *guard) mayStart(i, j int) bool {
	pc := &g.pieces[i]
	switch {
	case pc.Op == pattern.Assert:
		return g.holds(pc.Assertion, j)
	case pc.Op != pattern.Literal && (pc.Op != pattern.Set || pc.Min == 0):
		return true
	case j == len(g.key):
		return g.partial
	case pc.Op == pattern.Literal:
		return g.key[j] == pc.Text[0]
	}
	return pc.Set.Has(g.key[j])
}

// group is from for a Group piece at i: past it, if it may match nothing,
// then through each alternative.
func (g *guard) group(i int, up *resume, j int) bool {
	pc := &g.pieces[i]
	end := int(pc.Next)
	for g.pieces[end].Op == pattern.Bar {
		end = int(g.pieces[end].Next)
	}
	if pc.Min == 0 {
		if g.from(end+1, up, j) {
			return true
		}
		if pc.Max == 0 {
			return false
		}
		if g.branch() {
			return true
		}
	}
	on := resume{at: end + 1, next: up}
	if pc.Max != 1 {
		// Following repetitions costs more than it saves.
		on.at = -1
	}
	for alt := i; ; alt = int(g.pieces[alt].Next) {
		if g.from(alt+1, &on, j) {
			return true
		}
		if g.pieces[g.pieces[alt].Next].Op == pattern.End {
			return false
		}
		if g.branch() {
			return true
		}
	}
}

// branch counts one more way followed, and reports when there are too
// many, which ends the test with "may match".
func (g *guard) branch() bool {
	g.branches++
	return g.branches > maxBranches
}
