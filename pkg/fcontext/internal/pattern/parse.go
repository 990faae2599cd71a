package pattern

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// An Op says what a piece is.
type Op uint8

const (
	// Literal matches Text, byte for byte.
	Literal Op = iota
	// Set matches from Min to Max bytes of Set.
	Set
	// Assert matches nothing, where Assertion holds.
	Assert
	// Group starts a group, matched from Min to Max times. Next is the
	// piece that ends its first alternative: a Bar or its End.
	Group
	// Bar separates two alternatives of a group. Next is the piece that
	// ends the alternative it starts: another Bar or the End.
	Bar
	// End ends a group. Next is the group's Group piece.
	End
	// Empty matches nothing, and stands where a comment or an option
	// setting, such as (?i), was written: a reader of literal text may
	// want to stop there, as a group starts.
	Empty
)

// An Assertion is a condition on the position in the path.
type Assertion uint8

const (
	// BeginText holds at the start of the path: "^", \A, and \G, as
	// libselinux's patterns are tried from the start only.
	BeginText Assertion = iota + 1
	// EndOrFinalNewline holds at the end of the path and before a final
	// newline: "$" and \Z.
	EndOrFinalNewline
	// EndText holds at the end of the path: \z.
	EndText
	// WordBoundary holds between a byte of [0-9A-Za-z_] and one not, or
	// the start or end: \b.
	WordBoundary
	// NotWordBoundary holds where WordBoundary does not: \B.
	NotWordBoundary
)

// A Piece is one element of a parsed pattern.
type Piece struct {
	Op        Op
	Assertion Assertion // Op Assert
	// Min and Max say how many times a Set or Group matches; Max is -1
	// for no bound, and both are 1 for a piece that is not repeated.
	Min, Max int32
	Next     int32   // Op Group, Bar and End: see them
	Text     string  // Op Literal: one byte or more
	Set      ByteSet // Op Set
}

// maxRepeat is the largest count Go's regexp accepts in {n,m}.
const maxRepeat = 1000

// An Error is a pattern Parse cannot give the pieces of.
type Error struct {
	// Unsupported is set for a pattern that PCRE2 takes, as far as it was
	// read, but whose meaning cannot be matched exactly here: a back
	// reference, a lookaround, a possessive quantifier and the like.
	// Without it PCRE2 refuses the pattern too.
	Unsupported bool
	// Offset is how far into the pattern, as written, reading had gone
	// when the problem was seen.
	Offset int
	Reason string
}

func (e *Error) Error() string {
	kind := "bad pattern"
	if e.Unsupported {
		kind = "unsupported pattern"
	}
	return fmt.Sprintf("%s at offset %d: %s", kind, e.Offset, e.Reason)
}

// A Parser parses patterns into memory it keeps from one call to the
// next, so that it allocates nothing once grown: for reading thousands of
// patterns to forget them.
type Parser struct {
	p parser
}

// Parse is the function Parse, but the pieces it returns stay valid only
// until the next call.
func (ps *Parser) Parse(src string) ([]Piece, error) {
	return ps.p.parse(src)
}

var parsers = sync.Pool{New: func() any { return new(Parser) }}

// Parse reads src as libselinux has PCRE2 compile it: "^" + src + "$",
// with PCRE2_DOTALL and without PCRE2_UTF.
//
// The pieces it returns are those of a group that stands for the whole
// of it: the first is a Group, the last its End, and the first piece
// inside is the "^" added, an Assert, as the last inside is the "$" added
// (unless an escape takes it, as in "/a\").
//
// With an error, it returns the pieces read before it, which start the
// pattern's only alternative: none, if a "|" anywhere in src might start
// another, since where reading stopped what follows is unknown.
func Parse(src string) ([]Piece, error) {
	ps := parsers.Get().(*Parser)
	defer parsers.Put(ps)
	pieces, err := ps.Parse(src)
	return slices.Clone(pieces), err
}

// parser is a recursive-descent parser of the PCRE2 syntax subset that an
// automaton over bytes can match exactly.
type parser struct {
	src      string // as written; the text read is "^" + src + "$"
	pos      int    // in the text read
	caseless bool   // (?i) in effect
	dotall   bool   // (?s) in effect; libselinux turns it on
	quoting  bool   // inside \Q...\E
	names    []string
	pieces   []Piece
}

func (p *parser) parse(src string) ([]Piece, error) {
	*p = parser{src: src, dotall: true, names: p.names[:0], pieces: p.pieces[:0]}
	p.pieces = append(p.pieces, Piece{Op: Group, Min: 1, Max: 1})
	err := p.alternation(0)
	if err == nil && p.more() { // only an unmatched ')' stops the top level early
		err = p.errorf(false, "unmatched closing parenthesis")
	}
	if err != nil {
		if strings.IndexByte(src, '|') >= 0 {
			return nil, err
		}
		return p.pieces, err
	}
	p.pieces = append(p.pieces, Piece{Op: End})
	return p.pieces, nil
}

// size is the length of the text read.
func (p *parser) size() int { return len(p.src) + 2 }

// at gives byte i of the text read, or 0 past its end.
func (p *parser) at(i int) byte {
	switch {
	case i == 0:
		return '^'
	case i <= len(p.src):
		return p.src[i-1]
	case i == len(p.src)+1:
		return '$'
	}
	return 0
}

// text gives bytes i to j of the text read.
func (p *parser) text(i, j int) string {
	if i >= 1 && j <= len(p.src)+1 {
		return p.src[i-1 : j-1]
	}
	return ("^" + p.src + "$")[i:j]
}

// index gives the position of the first c at or after i in the text read,
// or -1.
func (p *parser) index(i int, c byte) int {
	for ; i < p.size(); i++ {
		if p.at(i) == c {
			return i
		}
	}
	return -1
}

func (p *parser) errorf(unsupported bool, format string, args ...any) error {
	// Offsets are given in the pattern as written, without the added "^".
	return &Error{Unsupported: unsupported, Offset: max(p.pos-1, 0), Reason: fmt.Sprintf(format, args...)}
}

func (p *parser) more() bool { return p.pos < p.size() }

func (p *parser) peek(off int) byte { return p.at(p.pos + off) }

// alternation parses the alternatives of the group whose Group piece is
// at index group, up to a ')' or the end, and links their pieces.
func (p *parser) alternation(group int) error {
	last := group
	for {
		if err := p.sequence(); err != nil {
			return err
		}
		// A Bar or the End comes next.
		p.pieces[last].Next = int32(len(p.pieces))
		if !p.more() || p.peek(0) != '|' {
			return nil
		}
		p.pos++
		last = len(p.pieces)
		p.pieces = append(p.pieces, Piece{Op: Bar})
	}
}

func (p *parser) sequence() error {
	for p.more() && (p.quoting || p.peek(0) != '|' && p.peek(0) != ')') {
		if err := p.item(); err != nil {
			return err
		}
	}
	return nil
}

// atomKind says what an item's atom is, which decides whether it may be
// repeated.
type atomKind int

const (
	atomNothing   atomKind = iota // \E, an empty \Q\E
	atomEmpty                     // a comment, an option setting
	atomAssertion                 // zero-width: ^ $ \b \B \A \z \Z \G
	atomSet                       // one byte out of a set
	atomGroup                     // a group
)

type atom struct {
	kind      atomKind
	set       ByteSet   // atomSet
	assertion Assertion // atomAssertion
}

func isQuantifierStart(c byte) bool { return c == '*' || c == '+' || c == '?' || c == '{' }

// item parses an atom and its quantifier.
func (p *parser) item() error {
	if !p.quoting && !p.caseless && plainBytes.Has(p.peek(0)) && !isQuantifierStart(p.peek(1)) {
		// The fast way for literal bytes that no quantifier follows.
		start := p.pos
		for p.pos++; plainBytes.Has(p.peek(0)) && !isQuantifierStart(p.peek(1)); p.pos++ {
		}
		p.pieces = append(p.pieces, Piece{Op: Literal, Text: p.text(start, p.pos)})
		return nil
	}
	if q, _, _, _ := p.quantifierAt(p.pos); q > 0 && !p.quoting {
		return p.errorf(false, "quantifier does not follow a repeatable item")
	}
	start, at := p.pos, len(p.pieces) // a group's pieces start at at
	a, err := p.atom()
	if err != nil {
		return err
	}
	n, lo, hi, suffix := p.quantifierAt(p.pos)
	if p.quoting {
		n = 0
	}
	if n > 0 {
		if a.kind != atomSet && a.kind != atomGroup {
			return p.errorf(true, "quantifier after %q", p.text(start, p.pos))
		}
		p.pos += n
		if suffix == '+' {
			return p.errorf(true, "possessive quantifier")
		}
		if hi > maxRepeat || lo > maxRepeat {
			return p.errorf(true, "repeat count above %d", maxRepeat)
		}
		if m, _, _, _ := p.quantifierAt(p.pos); m > 0 {
			return p.errorf(true, "quantifier after a quantifier")
		}
		// A lazy quantifier matches the same paths as a greedy one: only
		// whether there is a match matters here.
	} else {
		lo, hi = 1, 1
	}
	switch a.kind {
	case atomSet:
		if b, ok := a.set.Single(); ok && n == 0 {
			p.pieces = append(p.pieces, Piece{Op: Literal, Text: byteText(b)})
		} else {
			p.pieces = append(p.pieces, Piece{Op: Set, Set: a.set, Min: int32(lo), Max: int32(hi)})
		}
	case atomGroup:
		p.pieces[at].Min, p.pieces[at].Max = int32(lo), int32(hi)
	case atomAssertion:
		p.pieces = append(p.pieces, Piece{Op: Assert, Assertion: a.assertion})
	case atomEmpty:
		p.pieces = append(p.pieces, Piece{Op: Empty})
	}
	return nil
}

// quantifierAt reports the quantifier starting at i, if any: its length,
// bounds (hi < 0 for no upper bound) and a following '?' or '+'.
func (p *parser) quantifierAt(i int) (n, lo, hi int, suffix byte) {
	switch p.at(i) {
	case '*':
		n, lo, hi = 1, 0, -1
	case '+':
		n, lo, hi = 1, 1, -1
	case '?':
		n, lo, hi = 1, 0, 1
	case '{':
		// PCRE2 10.42 takes {n}, {n,} and {n,m}; anything else is literal.
		j := i + 1
		lo, j = p.digitsAt(j)
		if j == i+1 || j >= p.size() {
			return 0, 0, 0, 0
		}
		hi = lo
		if p.at(j) == ',' {
			k := j + 1
			hi, j = p.digitsAt(k)
			if j == k {
				hi = -1
			}
		}
		if p.at(j) != '}' {
			return 0, 0, 0, 0
		}
		n = j + 1 - i
		if hi >= 0 && hi < lo {
			// PCRE2 rejects it; so does the caller, as over the limit.
			hi = maxRepeat + 1
		}
	default:
		return 0, 0, 0, 0
	}
	if c := p.at(i + n); c == '?' || c == '+' {
		suffix = c
		n++
	}
	return n, lo, hi, suffix
}

// digitsAt reads a decimal number at i, saturating above maxRepeat, and
// returns it with the position after it.
func (p *parser) digitsAt(i int) (int, int) {
	v := 0
	for c := p.at(i); c >= '0' && c <= '9'; c = p.at(i) {
		v = min(v*10+int(c-'0'), 100*maxRepeat)
		i++
	}
	return v, i
}

func (p *parser) atom() (atom, error) {
	c := p.peek(0)
	p.pos++
	if p.quoting {
		return p.quoted(c), nil
	}
	switch c {
	case '(':
		return p.group()
	case '[':
		if k := p.peek(0); k == ':' || k == '.' || k == '=' {
			if _, ok := p.posixEnd(k); ok {
				return atom{}, p.errorf(false, "POSIX named classes are supported only within a class")
			}
		}
		set, err := p.class()
		return atom{kind: atomSet, set: set}, err
	case '.':
		if !p.dotall {
			return atom{kind: atomSet, set: notNewline}, nil
		}
		return atom{kind: atomSet, set: allBytes}, nil
	case '^':
		return atom{kind: atomAssertion, assertion: BeginText}, nil
	case '$':
		return atom{kind: atomAssertion, assertion: EndOrFinalNewline}, nil
	case '\\':
		return p.escape()
	}
	return p.literal(c), nil
}

// literal is the atom of byte c, which stands for itself.
func (p *parser) literal(c byte) atom {
	a := atom{kind: atomSet}
	a.set.add(c)
	if p.caseless {
		a.set.foldASCII()
	}
	return a
}

func (p *parser) group() (atom, error) {
	caseless, dotall := p.caseless, p.dotall
	if p.peek(0) == '*' {
		return atom{}, p.errorf(true, "backtracking verb or lookaround")
	}
	if p.peek(0) == '?' {
		p.pos++
		switch c := p.peek(0); {
		case c == ':' || c == '|':
			// A branch reset group matches what a plain group does.
			p.pos++
		case c == '#':
			end := p.index(p.pos, ')')
			if end < 0 {
				return atom{}, p.errorf(false, "missing ) after comment")
			}
			p.pos = end + 1
			return atom{kind: atomEmpty}, nil
		case c == '<' && p.peek(1) != '=' && p.peek(1) != '!', c == '\'', c == 'P' && p.peek(1) == '<':
			if err := p.groupName(); err != nil {
				return atom{}, err
			}
		case c == '=' || c == '!' || c == '<' || c == '>':
			return atom{}, p.errorf(true, "lookaround or atomic group")
		default:
			scoped, err := p.flags()
			if err != nil {
				return atom{}, err
			}
			if !scoped {
				// (?i) lasts to the end of the enclosing group.
				return atom{kind: atomEmpty}, nil
			}
		}
	}
	at := len(p.pieces)
	p.pieces = append(p.pieces, Piece{Op: Group, Min: 1, Max: 1})
	if err := p.alternation(at); err != nil {
		return atom{}, err
	}
	if !p.more() {
		return atom{}, p.errorf(false, "missing closing parenthesis")
	}
	p.pos++
	p.pieces = append(p.pieces, Piece{Op: End, Next: int32(at)})
	p.caseless, p.dotall = caseless, dotall
	return atom{kind: atomGroup}, nil
}

// groupName skips the name of a named group, whose capture does not matter.
func (p *parser) groupName() error {
	closing := byte('>')
	switch p.peek(0) {
	case '\'':
		closing = '\''
	case 'P':
		p.pos++
	}
	p.pos++
	start := p.pos
	for p.more() && wordSet.Has(p.peek(0)) {
		p.pos++
	}
	name := p.text(start, p.pos)
	if name == "" || name[0] >= '0' && name[0] <= '9' || len(name) > 32 || p.peek(0) != closing {
		return p.errorf(false, "bad group name")
	}
	p.pos++
	if slices.Contains(p.names, name) {
		// PCRE2 refuses it, unless (?J) or a branch reset group allows
		// it: not worth telling apart.
		return p.errorf(true, "group name %q used twice", name)
	}
	p.names = append(p.names, name)
	return nil
}

// flags parses an option setting after "(?": only i and s, which can be
// done exactly, are accepted. It reports whether the setting is scoped to a
// group ("(?i:...)") rather than to the rest of the enclosing one.
func (p *parser) flags() (bool, error) {
	on := true
	for p.more() {
		c := p.peek(0)
		p.pos++
		switch c {
		case 'i':
			p.caseless = on
		case 's':
			p.dotall = on
		case '-':
			if !on {
				return false, p.errorf(false, "bad option setting")
			}
			on = false
		case ')':
			return false, nil
		case ':':
			return true, nil
		default:
			return false, p.errorf(true, "option or group (?%c", c)
		}
	}
	return false, p.errorf(false, "missing closing parenthesis")
}

// escape parses what follows a backslash outside a class.
func (p *parser) escape() (atom, error) {
	if !p.more() {
		return atom{}, p.errorf(false, `\ at end of pattern`)
	}
	c := p.peek(0)
	p.pos++
	assertion := func(a Assertion) (atom, error) { return atom{kind: atomAssertion, assertion: a}, nil }
	switch c {
	case 'b':
		return assertion(WordBoundary)
	case 'B':
		return assertion(NotWordBoundary)
	case 'A', 'G':
		// \G is the start of the match attempt, which is the start here.
		return assertion(BeginText)
	case 'z':
		return assertion(EndText)
	case 'Z':
		return assertion(EndOrFinalNewline)
	case 'R':
		// \R is an atomic group: "\R\n" does not match "\r\n".
		return atom{}, p.errorf(true, `\R`)
	case 'Q':
		p.quoting = true
		return atom{kind: atomNothing}, nil
	case 'E':
		return atom{kind: atomNothing}, nil
	case 'N':
		if p.peek(0) == '{' {
			return atom{}, p.errorf(true, `\N{`)
		}
		return atom{kind: atomSet, set: notNewline}, nil
	}
	p.pos--
	set, err := p.escapedSet(false)
	return atom{kind: atomSet, set: set}, err
}

// quoted parses c, the next character of a \Q...\E run. It takes a \E
// that directly follows with it, so that a quantifier after the \E applies
// to c.
func (p *parser) quoted(c byte) atom {
	if c == '\\' && p.peek(0) == 'E' {
		p.pos++
		p.quoting = false
		return atom{kind: atomNothing}
	}
	if p.peek(0) == '\\' && p.peek(1) == 'E' {
		p.pos += 2
		p.quoting = false
	}
	return p.literal(c)
}

// escapedSet parses a backslash escape that stands for one byte or a class
// of bytes, at p.pos (just after the backslash). Inside a class, \b is a
// backspace.
func (p *parser) escapedSet(inClass bool) (ByteSet, error) {
	c := p.peek(0)
	p.pos++
	var set ByteSet
	switch c {
	case 'd', 'D':
		set = digitSet
	case 's', 'S':
		set = spaceSet
	case 'w', 'W':
		set = wordSet
	case 'h', 'H', 'v', 'V':
		// PCRE2's auto-possessification takes \S and \v to be disjoint,
		// though both hold 0x85 in non-UTF mode (and \S and \h 0xa0), so
		// "\S*\v" fails on "\x85": matching it here would not be exact.
		return set, p.errorf(true, `escape \%c`, c)
	default:
		b, err := p.escapedByte(c, inClass)
		if err != nil {
			return set, err
		}
		return p.literal(b).set, nil
	}
	if c >= 'A' && c <= 'Z' {
		set.invert()
	}
	return set, nil
}

// escapedByte gives the byte a character escape stands for; c is the
// character after the backslash, already consumed.
func (p *parser) escapedByte(c byte, inClass bool) (byte, error) {
	switch c {
	case 'a':
		return 7, nil
	case 'e':
		return 0x1b, nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'b':
		if inClass {
			return '\b', nil
		}
	case '0':
		v := 0
		for i := 0; i < 2 && p.peek(0) >= '0' && p.peek(0) <= '7'; i++ {
			v = v*8 + int(p.peek(0)-'0')
			p.pos++
		}
		return byte(v), nil
	case 'o':
		return p.bracedNumber(8)
	case 'x':
		if p.peek(0) == '{' {
			return p.bracedNumber(16)
		}
		v := 0
		for i := 0; i < 2 && isHex(p.peek(0)); i++ {
			v = v*16 + hexValue(p.peek(0))
			p.pos++
		}
		return byte(v), nil
	case 'c':
		x := p.peek(0)
		if !p.more() || x < 32 || x > 126 {
			return 0, p.errorf(false, `\c must be followed by a printable ASCII character`)
		}
		p.pos++
		if x >= 'a' && x <= 'z' {
			x -= 'a' - 'A'
		}
		return x ^ 0x40, nil
	}
	switch {
	case c >= '1' && c <= '9':
		return 0, p.errorf(true, `back reference or octal escape \%c`, c)
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '0':
		// \g \k \p \P \X \C \K \u \U \l \L and unknown letters: PCRE2
		// either rejects them or needs what an automaton lacks.
		return 0, p.errorf(true, `escape \%c`, c)
	}
	return c, nil
}

// bracedNumber reads \x{...} or \o{...}; without PCRE2_UTF a value must
// fit in a byte.
func (p *parser) bracedNumber(base int) (byte, error) {
	if p.peek(0) != '{' {
		return 0, p.errorf(false, "missing { after \\o")
	}
	end := p.index(p.pos, '}') - p.pos
	if end < 2 {
		return 0, p.errorf(true, "malformed braced number")
	}
	v, err := strconv.ParseUint(p.text(p.pos+1, p.pos+end), base, 8)
	if err != nil {
		return 0, p.errorf(false, "character code above 0xff or malformed")
	}
	p.pos += end + 1
	return byte(v), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexValue(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// class parses a character class after its '['.
func (p *parser) class() (ByteSet, error) {
	var set ByteSet
	negated := false
	if p.peek(0) == '^' {
		negated = true
		p.pos++
	}
	for first := true; ; first = false {
		if !p.more() {
			return set, p.errorf(false, "missing terminating ] for character class")
		}
		if p.peek(0) == ']' && !first {
			p.pos++
			break
		}
		if p.peek(0) == '\\' && (p.peek(1) == 'Q' || p.peek(1) == 'E') {
			return set, p.errorf(true, `\Q or \E in a character class`)
		}
		lo, member, single, err := p.classMember()
		if err != nil {
			return set, err
		}
		// A '-' makes a range unless it is last; after a class escape or
		// a POSIX class PCRE2 allows it only last.
		if p.peek(0) == '-' && p.pos+1 < p.size() && p.peek(1) != ']' {
			if !single {
				return set, p.errorf(true, "hyphen after a class escape")
			}
			p.pos++
			hi, _, hiSingle, err := p.classMember()
			if err != nil {
				return set, err
			}
			if !hiSingle {
				return set, p.errorf(false, "invalid range in character class")
			}
			if hi < lo {
				return set, p.errorf(false, "range out of order in character class")
			}
			member = ByteSet{}
			member.addRange(lo, hi)
			if p.peek(0) == '-' && p.peek(1) != ']' {
				return set, p.errorf(true, "hyphen after a range")
			}
		}
		set.union(member)
	}
	if p.caseless {
		set.foldASCII()
	}
	if negated {
		set.invert()
	}
	return set, nil
}

// classMember parses one member of a class: a character (single is true
// and lo is its value), a class escape or a POSIX class.
func (p *parser) classMember() (lo byte, member ByteSet, single bool, err error) {
	c := p.peek(0)
	p.pos++
	switch {
	case c == '[' && (p.peek(0) == ':' || p.peek(0) == '.' || p.peek(0) == '='):
		if end, ok := p.posixEnd(p.peek(0)); ok {
			member, err = p.posixClass(end)
			return 0, member, false, err
		}
	case c == '\\':
		if !p.more() {
			return 0, member, false, p.errorf(false, `\ at end of pattern`)
		}
		switch e := p.peek(0); e {
		case 'd', 'D', 's', 'S', 'w', 'W', 'h', 'H', 'v', 'V':
			// Case folding is applied to the whole class.
			member, err = p.escapedSet(true)
			return 0, member, false, err
		case 'N', 'R', 'X', 'B':
			return 0, member, false, p.errorf(false, `escape \%c in a class`, e)
		}
		p.pos++
		c, err = p.escapedByte(p.at(p.pos-1), true)
		if err != nil {
			return 0, member, false, err
		}
	}
	member.add(c)
	return c, member, true, nil
}

// posixEnd checks, as PCRE2 does, whether "[" + kind at p.pos-1 starts a
// POSIX class: its terminator must come before any ']'. It returns the
// terminator's offset.
func (p *parser) posixEnd(kind byte) (int, bool) {
	for i := p.pos + 1; i < p.size(); i++ {
		switch c, next := p.at(i), p.at(i+1); {
		case c == '\\' && i+1 < p.size() && (next == ']' || next == '\\'):
			i++
		case c == '[' && i+1 < p.size() && next == kind, c == ']':
			return 0, false
		case c == kind && i+1 < p.size() && next == ']':
			return i, true
		}
	}
	return 0, false
}

// posixClass parses "[:name:]" or "[:^name:]" from its ':' to end, the
// offset of its terminator.
func (p *parser) posixClass(end int) (ByteSet, error) {
	kind := p.peek(0)
	name := p.text(p.pos+1, end)
	p.pos = end + 2
	if kind != ':' {
		return ByteSet{}, p.errorf(false, "POSIX collating elements are not supported")
	}
	negated := strings.HasPrefix(name, "^")
	set, ok := posixSets[strings.TrimPrefix(name, "^")]
	if !ok {
		return set, p.errorf(false, "unknown POSIX class name %q", name)
	}
	if p.caseless {
		// Whether PCRE2 folds a POSIX class before or after negating it
		// is not worth guessing.
		return set, p.errorf(true, "POSIX class in a caseless class")
	}
	if negated {
		set.invert()
	}
	return set, nil
}
