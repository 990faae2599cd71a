package fcontext

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// libselinux compiles "^" + pattern + "$" with PCRE2_DOTALL and without
// PCRE2_UTF, and matches it against the path as a C string: byte by byte,
// searching (not anchored at the end), with "$" true at the end or before a
// final newline. Go's regexp works on UTF-8 runes and its "$" is only the
// end, so both sides are re-encoded:
//
//   - the path (see encodeKey) becomes one rune per byte: bytes 0x80-0xff
//     become U+0080-U+00FF, and a newline that is not the last byte becomes
//     innerNewline, so that the only '\n' left is a final one;
//   - the pattern (see translate) has every character, class and escape
//     turned into an explicit set of bytes, written in Go syntax over that
//     encoding, and "$" written as (?m:$), which with the encoded path holds
//     exactly where PCRE2's "$" holds.
//
// Case folding is done here too, on ASCII letters only, as PCRE2's default
// tables do, so Go's Unicode folding never comes into play.

// innerNewline stands for a newline that is not the last byte of a path.
const innerNewline = '\ue000'

// maxRepeat is the largest count Go's regexp accepts in {n,m}.
const maxRepeat = 1000

// translation is what translate learns about a pattern.
type translation struct {
	// syntax is the pattern in Go syntax; empty unless asked for.
	syntax string
	// prefix is literal text that every path the pattern matches starts
	// with (empty when there is none).
	prefix string
	// literal says the pattern matches prefix, or prefix followed by a final
	// newline, and nothing else.
	literal bool
	// counted says the pattern has a counted repetition, {n,m}, which
	// Go's regexp may refuse for its size.
	counted bool
}

// byteSet is a set of byte values.
type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) union(t byteSet) {
	s[0], s[1], s[2], s[3] = s[0]|t[0], s[1]|t[1], s[2]|t[2], s[3]|t[3]
}
func (s *byteSet) invert() { s[0], s[1], s[2], s[3] = ^s[0], ^s[1], ^s[2], ^s[3] }
func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

// single returns the only member of s, if it has exactly one.
func (s *byteSet) single() (byte, bool) {
	n, last := 0, 0
	for i, w := range s {
		if w != 0 {
			n += bits.OnesCount64(w)
			last = 64*i + bits.TrailingZeros64(w)
		}
	}
	return byte(last), n == 1
}

// foldASCII adds the other case of every ASCII letter in s.
func (s *byteSet) foldASCII() {
	for c := byte('A'); c <= 'Z'; c++ {
		if s.has(c) || s.has(c+'a'-'A') {
			s.add(c)
			s.add(c + 'a' - 'A')
		}
	}
}

func setOf(ranges ...byte) byteSet {
	var s byteSet
	for i := 0; i+1 < len(ranges); i += 2 {
		s.addRange(ranges[i], ranges[i+1])
	}
	return s
}

// Sets of PCRE2's class escapes and POSIX classes with its default (C
// locale) character tables.
var (
	digitSet  = setOf('0', '9')
	spaceSet  = setOf('\t', '\r', ' ', ' ')
	wordSet   = setOf('0', '9', 'A', 'Z', 'a', 'z', '_', '_')
	posixSets = map[string]byteSet{
		"alpha":  setOf('A', 'Z', 'a', 'z'),
		"digit":  digitSet,
		"alnum":  setOf('0', '9', 'A', 'Z', 'a', 'z'),
		"ascii":  setOf(0, 0x7f),
		"blank":  setOf(' ', ' ', '\t', '\t'),
		"cntrl":  setOf(0, 0x1f, 0x7f, 0x7f),
		"graph":  setOf('!', '~'),
		"lower":  setOf('a', 'z'),
		"print":  setOf(' ', '~'),
		"punct":  setOf('!', '/', ':', '@', '[', '`', '{', '~'),
		"space":  spaceSet,
		"upper":  setOf('A', 'Z'),
		"word":   wordSet,
		"xdigit": setOf('0', '9', 'A', 'F', 'a', 'f'),
	}
)

// translator is a recursive-descent parser of the PCRE2 syntax subset that
// has an exact RE2 equivalent. It writes Go syntax as it goes.
type translator struct {
	src      string
	pos      int
	out      *strings.Builder // nil when only the analysis is wanted
	caseless bool             // (?i) in effect
	dotall   bool             // (?s) in effect; libselinux turns it on
	depth    int
	quoting  bool // inside \Q...\E

	prefix     []byte
	prefixOpen bool     // every item so far was an unrepeated literal byte
	sawEnd     bool     // the last item was the "$" at the very end
	counted    bool     // a {n,m} repetition was seen
	names      []string // of the named groups so far
}

// prefixString gives the prefix as a string, sharing pattern's memory when
// the prefix is spelled in it as it is, without escapes.
func (t *translator) prefixString(pattern string) string {
	if len(t.prefix) <= len(pattern) && string(t.prefix) == pattern[:len(t.prefix)] {
		return pattern[:len(t.prefix)]
	}
	return string(t.prefix)
}

// translate analyses libselinux's anchored form of pattern and, when emit
// is true, writes it in Go syntax.
func translate(pattern string, emit bool) (translation, error) {
	// Kept off the heap: Load translates every regex entry.
	var space [64]byte
	t := &translator{src: "^" + pattern + "$", dotall: true, prefixOpen: true, prefix: space[:0]}
	if emit {
		t.out = &strings.Builder{}
		t.out.Grow(2 * len(t.src))
	}
	branches, err := t.alternation()
	if err == nil && t.pos < len(t.src) { // only an unmatched ')' stops the top level early
		err = t.errorf(ErrBadPattern, "unmatched closing parenthesis")
	}
	if err != nil {
		// The prefix read so far holds unless a later "|" ends the
		// branch it belongs to: the caller decides.
		return translation{prefix: t.prefixString(pattern)}, err
	}
	tr := translation{counted: t.counted}
	if branches == 1 {
		tr.prefix = t.prefixString(pattern)
		tr.literal = t.prefixOpen && t.sawEnd
	}
	if emit {
		tr.syntax = t.out.String()
	}
	return tr, nil
}

func (t *translator) errorf(kind error, format string, args ...any) error {
	// Offsets are given in the pattern as written, without the added "^".
	return fmt.Errorf("%w at offset %d: %s", kind, max(t.pos-1, 0), fmt.Sprintf(format, args...))
}

func (t *translator) emit(s string) {
	if t.out != nil {
		t.out.WriteString(s)
	}
}

func (t *translator) more() bool { return t.pos < len(t.src) }

func (t *translator) peek(off int) byte {
	if t.pos+off < len(t.src) {
		return t.src[t.pos+off]
	}
	return 0
}

// alternation parses branches separated by '|' up to a ')' or the end, and
// returns how many there were.
func (t *translator) alternation() (int, error) {
	n := 1
	for {
		if err := t.sequence(); err != nil {
			return 0, err
		}
		if !t.more() || t.peek(0) != '|' {
			return n, nil
		}
		t.pos++
		t.emit("|")
		n++
		t.prefixOpen = false
	}
}

func (t *translator) sequence() error {
	for t.more() && (t.quoting || t.peek(0) != '|' && t.peek(0) != ')') {
		if err := t.item(); err != nil {
			return err
		}
	}
	return nil
}

// atomKind says what an item's atom is, which decides whether it may be
// repeated and whether it extends the literal prefix.
type atomKind int

const (
	atomNothing   atomKind = iota // a comment, a flag setting, an empty \Q\E
	atomAssertion                 // zero-width: ^ $ \b \B \A \z \Z \G
	atomSet                       // one byte out of a set
	atomGroup                     // a group
)

// plainByte says which bytes stand for themselves in PCRE2 and in Go
// alike, outside a class and without (?i): most of every pattern.
var plainByte = func() (s byteSet) {
	for _, r := range [][2]byte{{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {'/', '/'}, {'_', '_'}, {'-', '-'}, {',', ','}, {':', ':'}, {'@', '@'}, {'%', '%'}, {'~', '~'}, {'=', '='}} {
		s.addRange(r[0], r[1])
	}
	return s
}()

func isQuantifierStart(c byte) bool { return c == '*' || c == '+' || c == '?' || c == '{' }

func (t *translator) item() error {
	if c := t.src[t.pos]; !t.quoting && !t.caseless && plainByte.has(c) && !isQuantifierStart(t.peek(1)) {
		// The fast way for a literal byte that no quantifier follows.
		t.pos++
		if t.out != nil {
			t.out.WriteByte(c)
		}
		t.sawEnd = false
		if t.prefixOpen {
			t.prefix = append(t.prefix, c)
		}
		return nil
	}
	if q, _, _, _ := t.quantifierAt(t.pos); q > 0 && !t.quoting {
		return t.errorf(ErrBadPattern, "quantifier does not follow a repeatable item")
	}
	start := t.pos
	kind, set, err := t.atom()
	if err != nil {
		return err
	}
	n, lo, hi, lazyOrPossessive := t.quantifierAt(t.pos)
	if t.quoting {
		n = 0
	}
	if n > 0 {
		if kind != atomSet && kind != atomGroup {
			return t.errorf(ErrUnsupportedPattern, "quantifier after %q", t.src[start:t.pos])
		}
		t.pos += n
		if lazyOrPossessive == '+' {
			return t.errorf(ErrUnsupportedPattern, "possessive quantifier")
		}
		if hi > maxRepeat || lo > maxRepeat {
			return t.errorf(ErrUnsupportedPattern, "repeat count above %d", maxRepeat)
		}
		if m, _, _, _ := t.quantifierAt(t.pos); m > 0 {
			return t.errorf(ErrUnsupportedPattern, "quantifier after a quantifier")
		}
		// A lazy quantifier matches the same paths as a greedy one: only
		// whether there is a match matters here.
		switch {
		case lo == 0 && hi < 0:
			t.emit("*")
		case lo == 1 && hi < 0:
			t.emit("+")
		case lo == 0 && hi == 1:
			t.emit("?")
		case hi < 0:
			t.counted = true
			t.emit("{" + strconv.Itoa(lo) + ",}")
		case lo == hi:
			t.counted = true
			t.emit("{" + strconv.Itoa(lo) + "}")
		default:
			t.counted = true
			t.emit("{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}")
		}
	}
	t.sawEnd = false
	switch {
	case kind == atomNothing:
	case kind == atomAssertion && start == 0:
		// The "^" libselinux adds keeps the prefix going.
	case kind == atomAssertion && t.src[start] == '$' && t.pos == len(t.src) && t.depth == 0:
		t.sawEnd = true
	case kind == atomSet && n == 0 && t.prefixOpen:
		if b, ok := set.single(); ok {
			t.prefix = append(t.prefix, b)
			break
		}
		t.prefixOpen = false
	default:
		t.prefixOpen = false
	}
	return nil
}

// quantifierAt reports the quantifier starting at i, if any: its length,
// bounds (hi < 0 for no upper bound) and a following '?' or '+'.
func (t *translator) quantifierAt(i int) (n, lo, hi int, suffix byte) {
	if i >= len(t.src) {
		return 0, 0, 0, 0
	}
	switch t.src[i] {
	case '*':
		n, lo, hi = 1, 0, -1
	case '+':
		n, lo, hi = 1, 1, -1
	case '?':
		n, lo, hi = 1, 0, 1
	case '{':
		// PCRE2 10.42 takes {n}, {n,} and {n,m}; anything else is literal.
		j := i + 1
		lo, j = digitsAt(t.src, j)
		if j == i+1 || j >= len(t.src) {
			return 0, 0, 0, 0
		}
		hi = lo
		if t.src[j] == ',' {
			k := j + 1
			hi, j = digitsAt(t.src, k)
			if j == k {
				hi = -1
			}
		}
		if j >= len(t.src) || t.src[j] != '}' {
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
	if k := i + n; k < len(t.src) && (t.src[k] == '?' || t.src[k] == '+') {
		suffix = t.src[k]
		n++
	}
	return n, lo, hi, suffix
}

// digitsAt reads a decimal number at i, saturating above maxRepeat.
func digitsAt(s string, i int) (int, int) {
	v := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = min(v*10+int(s[i]-'0'), 100*maxRepeat)
		i++
	}
	return v, i
}

func (t *translator) atom() (atomKind, byteSet, error) {
	c := t.src[t.pos]
	t.pos++
	if t.quoting {
		return t.quoted(c)
	}
	switch c {
	case '(':
		return t.group()
	case '[':
		if k := t.peek(0); k == ':' || k == '.' || k == '=' {
			if _, ok := t.posixEnd(k); ok {
				return 0, byteSet{}, t.errorf(ErrBadPattern, "POSIX named classes are supported only within a class")
			}
		}
		set, err := t.class()
		if err != nil {
			return 0, set, err
		}
		t.emitSet(set)
		return atomSet, set, nil
	case '.':
		var set byteSet
		set.invert()
		if !t.dotall {
			set = setOf(0, '\n'-1, '\n'+1, 0xff)
		}
		t.emitSet(set)
		return atomSet, set, nil
	case '^':
		t.emit(`^`)
		return atomAssertion, byteSet{}, nil
	case '$':
		t.emit(`(?m:$)`)
		return atomAssertion, byteSet{}, nil
	case '\\':
		return t.escape()
	}
	return t.literal(c), t.literalSet(c), nil
}

func (t *translator) literalSet(c byte) byteSet {
	var set byteSet
	set.add(c)
	if t.caseless {
		set.foldASCII()
	}
	return set
}

func (t *translator) literal(c byte) atomKind {
	t.emitSet(t.literalSet(c))
	return atomSet
}

// emitSet writes set as one Go atom over the encoded path.
func (t *translator) emitSet(set byteSet) {
	if t.out == nil {
		return
	}
	if b, ok := set.single(); ok && b != '\n' {
		t.out.WriteString(goByte(b))
		return
	}
	t.out.WriteByte('[')
	empty := true
	for lo := 0; lo < 256; lo++ {
		if !set.has(byte(lo)) {
			continue
		}
		hi := lo
		for hi+1 < 256 && set.has(byte(hi+1)) {
			hi++
		}
		t.out.WriteString(goByte(byte(lo)))
		if hi > lo {
			t.out.WriteByte('-')
			t.out.WriteString(goByte(byte(hi)))
		}
		lo = hi
		empty = false
	}
	if set.has('\n') {
		t.out.WriteString(`\x{e000}`)
	}
	if empty {
		// A set of no bytes, such as [^\x00-\xff]: it never matches.
		t.out.WriteString(`^\x00-\x{10ffff}`)
	}
	t.out.WriteByte(']')
}

// goByte writes byte b, as the encoded path has it, for Go's parser.
func goByte(b byte) string {
	if b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '/' || b == '_' {
		return string(rune(b))
	}
	return fmt.Sprintf(`\x{%x}`, b)
}

func (t *translator) group() (atomKind, byteSet, error) {
	saved := t.caseless
	savedDot := t.dotall
	// What the group holds is no plain prefix: it may be repeated,
	// optional or one of several alternatives.
	t.prefixOpen = false
	if t.peek(0) == '*' {
		return 0, byteSet{}, t.errorf(ErrUnsupportedPattern, "backtracking verb or lookaround")
	}
	if t.peek(0) == '?' {
		t.pos++
		switch c := t.peek(0); {
		case c == ':' || c == '|':
			// A branch reset group matches what a plain group does.
			t.pos++
		case c == '#':
			end := strings.IndexByte(t.src[t.pos:], ')')
			if end < 0 {
				return 0, byteSet{}, t.errorf(ErrBadPattern, "missing ) after comment")
			}
			t.pos += end + 1
			return atomNothing, byteSet{}, nil
		case c == '<' && t.peek(1) != '=' && t.peek(1) != '!', c == '\'', c == 'P' && t.peek(1) == '<':
			if err := t.groupName(); err != nil {
				return 0, byteSet{}, err
			}
		case c == '=' || c == '!' || c == '<' || c == '>':
			return 0, byteSet{}, t.errorf(ErrUnsupportedPattern, "lookaround or atomic group")
		default:
			scoped, err := t.flags()
			if err != nil {
				return 0, byteSet{}, err
			}
			if !scoped {
				// (?i) lasts to the end of the enclosing group.
				return atomNothing, byteSet{}, nil
			}
		}
	}
	t.emit("(?:")
	t.depth++
	if _, err := t.alternation(); err != nil {
		return 0, byteSet{}, err
	}
	t.depth--
	if !t.more() {
		return 0, byteSet{}, t.errorf(ErrBadPattern, "missing closing parenthesis")
	}
	t.pos++
	t.emit(")")
	t.caseless, t.dotall = saved, savedDot
	return atomGroup, byteSet{}, nil
}

// groupName skips the name of a named group, whose capture does not matter.
func (t *translator) groupName() error {
	closing := byte('>')
	switch t.peek(0) {
	case '\'':
		closing = '\''
	case 'P':
		t.pos++
	}
	t.pos++
	start := t.pos
	for t.more() && wordSet.has(t.peek(0)) {
		t.pos++
	}
	name := t.src[start:t.pos]
	if name == "" || name[0] >= '0' && name[0] <= '9' || len(name) > 32 || t.peek(0) != closing {
		return t.errorf(ErrBadPattern, "bad group name")
	}
	t.pos++
	if slices.Contains(t.names, name) {
		// PCRE2 refuses it, unless (?J) or a branch reset group allows
		// it: not worth telling apart.
		return t.errorf(ErrUnsupportedPattern, "group name %q used twice", name)
	}
	t.names = append(t.names, name)
	return nil
}

// flags parses an option setting after "(?": only i and s, which can be
// done exactly, are accepted. It reports whether the setting is scoped to a
// group ("(?i:...)") rather than to the rest of the enclosing one.
func (t *translator) flags() (bool, error) {
	on := true
	for t.more() {
		c := t.peek(0)
		t.pos++
		switch c {
		case 'i':
			t.caseless = on
		case 's':
			t.dotall = on
		case '-':
			if !on {
				return false, t.errorf(ErrBadPattern, "bad option setting")
			}
			on = false
		case ')':
			return false, nil
		case ':':
			return true, nil
		default:
			return false, t.errorf(ErrUnsupportedPattern, "option or group (?%c", c)
		}
	}
	return false, t.errorf(ErrBadPattern, "missing closing parenthesis")
}

// escape parses what follows a backslash outside a class.
func (t *translator) escape() (atomKind, byteSet, error) {
	if !t.more() {
		return 0, byteSet{}, t.errorf(ErrBadPattern, `\ at end of pattern`)
	}
	c := t.src[t.pos]
	t.pos++
	switch c {
	case 'b':
		t.emit(`\b`)
		return atomAssertion, byteSet{}, nil
	case 'B':
		t.emit(`\B`)
		return atomAssertion, byteSet{}, nil
	case 'A', 'G':
		// \G is the start of the match attempt, which is the start here.
		t.emit(`\A`)
		return atomAssertion, byteSet{}, nil
	case 'z':
		t.emit(`\z`)
		return atomAssertion, byteSet{}, nil
	case 'Z':
		t.emit(`(?m:$)`)
		return atomAssertion, byteSet{}, nil
	case 'R':
		// \R is an atomic group: "\R\n" does not match "\r\n".
		return 0, byteSet{}, t.errorf(ErrUnsupportedPattern, `\R`)
	case 'Q':
		t.quoting = true
		return atomNothing, byteSet{}, nil
	case 'E':
		return atomNothing, byteSet{}, nil
	case 'N':
		if t.peek(0) == '{' {
			return 0, byteSet{}, t.errorf(ErrUnsupportedPattern, `\N{`)
		}
		set := setOf(0, '\n'-1, '\n'+1, 0xff)
		t.emitSet(set)
		return atomSet, set, nil
	}
	t.pos--
	set, err := t.escapedSet(false)
	if err != nil {
		return 0, set, err
	}
	t.emitSet(set)
	return atomSet, set, nil
}

// quoted parses c, the next character of a \Q...\E run. It takes a \E
// that directly follows with it, so that a quantifier after the \E applies
// to c.
func (t *translator) quoted(c byte) (atomKind, byteSet, error) {
	if c == '\\' && t.peek(0) == 'E' {
		t.pos++
		t.quoting = false
		return atomNothing, byteSet{}, nil
	}
	if strings.HasPrefix(t.src[t.pos:], `\E`) {
		t.pos += 2
		t.quoting = false
	}
	return t.literal(c), t.literalSet(c), nil
}

// escapedSet parses a backslash escape that stands for one byte or a class
// of bytes, at t.pos (just after the backslash). Inside a class, \b is a
// backspace.
func (t *translator) escapedSet(inClass bool) (byteSet, error) {
	c := t.src[t.pos]
	t.pos++
	var set byteSet
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
		return set, t.errorf(ErrUnsupportedPattern, `escape \%c`, c)
	default:
		b, err := t.escapedByte(c, inClass)
		if err != nil {
			return set, err
		}
		return t.literalSet(b), nil
	}
	if c >= 'A' && c <= 'Z' {
		set.invert()
	}
	return set, nil
}

// escapedByte gives the byte a character escape stands for; c is the
// character after the backslash, already consumed.
func (t *translator) escapedByte(c byte, inClass bool) (byte, error) {
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
		for i := 0; i < 2 && t.peek(0) >= '0' && t.peek(0) <= '7'; i++ {
			v = v*8 + int(t.src[t.pos]-'0')
			t.pos++
		}
		return byte(v), nil
	case 'o':
		return t.bracedNumber(8)
	case 'x':
		if t.peek(0) == '{' {
			return t.bracedNumber(16)
		}
		v := 0
		for i := 0; i < 2 && isHex(t.peek(0)); i++ {
			v = v*16 + hexValue(t.src[t.pos])
			t.pos++
		}
		return byte(v), nil
	case 'c':
		if !t.more() || t.peek(0) < 32 || t.peek(0) > 126 {
			return 0, t.errorf(ErrBadPattern, `\c must be followed by a printable ASCII character`)
		}
		x := t.src[t.pos]
		t.pos++
		if x >= 'a' && x <= 'z' {
			x -= 'a' - 'A'
		}
		return x ^ 0x40, nil
	}
	switch {
	case c >= '1' && c <= '9':
		return 0, t.errorf(ErrUnsupportedPattern, `back reference or octal escape \%c`, c)
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '0':
		// \g \k \p \P \X \C \K \u \U \l \L and unknown letters: PCRE2
		// either rejects them or needs what RE2 lacks.
		return 0, t.errorf(ErrUnsupportedPattern, `escape \%c`, c)
	}
	return c, nil
}

// bracedNumber reads \x{...} or \o{...}; without PCRE2_UTF a value must
// fit in a byte.
func (t *translator) bracedNumber(base int) (byte, error) {
	if t.peek(0) != '{' {
		return 0, t.errorf(ErrBadPattern, "missing { after \\o")
	}
	end := strings.IndexByte(t.src[t.pos:], '}')
	if end < 2 {
		return 0, t.errorf(ErrUnsupportedPattern, "malformed braced number")
	}
	v, err := strconv.ParseUint(t.src[t.pos+1:t.pos+end], base, 8)
	if err != nil {
		return 0, t.errorf(ErrBadPattern, "character code above 0xff or malformed")
	}
	t.pos += end + 1
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
func (t *translator) class() (byteSet, error) {
	var set byteSet
	negated := false
	if t.peek(0) == '^' {
		negated = true
		t.pos++
	}
	for first := true; ; first = false {
		if !t.more() {
			return set, t.errorf(ErrBadPattern, "missing terminating ] for character class")
		}
		if t.peek(0) == ']' && !first {
			t.pos++
			break
		}
		if t.peek(0) == '\\' && (t.peek(1) == 'Q' || t.peek(1) == 'E') {
			return set, t.errorf(ErrUnsupportedPattern, `\Q or \E in a character class`)
		}
		lo, member, single, err := t.classMember()
		if err != nil {
			return set, err
		}
		// A '-' makes a range unless it is last; after a class escape or
		// a POSIX class PCRE2 allows it only last.
		if t.peek(0) == '-' && t.pos+1 < len(t.src) && t.peek(1) != ']' {
			if !single {
				return set, t.errorf(ErrUnsupportedPattern, "hyphen after a class escape")
			}
			t.pos++
			hi, _, hiSingle, err := t.classMember()
			if err != nil {
				return set, err
			}
			if !hiSingle {
				return set, t.errorf(ErrBadPattern, "invalid range in character class")
			}
			if hi < lo {
				return set, t.errorf(ErrBadPattern, "range out of order in character class")
			}
			member = byteSet{}
			member.addRange(lo, hi)
			if t.peek(0) == '-' && t.peek(1) != ']' {
				return set, t.errorf(ErrUnsupportedPattern, "hyphen after a range")
			}
		}
		set.union(member)
	}
	if t.caseless {
		set.foldASCII()
	}
	if negated {
		set.invert()
	}
	return set, nil
}

// classMember parses one member of a class: a character (single is true
// and lo is its value), a class escape or a POSIX class.
func (t *translator) classMember() (lo byte, member byteSet, single bool, err error) {
	c := t.src[t.pos]
	t.pos++
	switch {
	case c == '[' && (t.peek(0) == ':' || t.peek(0) == '.' || t.peek(0) == '='):
		if end, ok := t.posixEnd(t.peek(0)); ok {
			member, err = t.posixClass(end)
			return 0, member, false, err
		}
	case c == '\\':
		if !t.more() {
			return 0, member, false, t.errorf(ErrBadPattern, `\ at end of pattern`)
		}
		switch e := t.peek(0); e {
		case 'd', 'D', 's', 'S', 'w', 'W', 'h', 'H', 'v', 'V':
			// Case folding is applied to the whole class.
			member, err = t.escapedSet(true)
			return 0, member, false, err
		case 'N', 'R', 'X', 'B':
			return 0, member, false, t.errorf(ErrBadPattern, `escape \%c in a class`, e)
		}
		t.pos++
		c, err = t.escapedByte(t.src[t.pos-1], true)
		if err != nil {
			return 0, member, false, err
		}
	}
	member.add(c)
	return c, member, true, nil
}

// posixEnd checks, as PCRE2 does, whether "[" + kind at t.pos-1 starts a
// POSIX class: its terminator must come before any ']'. It returns the
// terminator's offset.
func (t *translator) posixEnd(kind byte) (int, bool) {
	for i := t.pos + 1; i < len(t.src); i++ {
		switch {
		case t.src[i] == '\\' && i+1 < len(t.src) && (t.src[i+1] == ']' || t.src[i+1] == '\\'):
			i++
		case t.src[i] == '[' && i+1 < len(t.src) && t.src[i+1] == kind, t.src[i] == ']':
			return 0, false
		case t.src[i] == kind && i+1 < len(t.src) && t.src[i+1] == ']':
			return i, true
		}
	}
	return 0, false
}

// posixClass parses "[:name:]" or "[:^name:]" from its ':' to end, the
// offset of its terminator.
func (t *translator) posixClass(end int) (byteSet, error) {
	kind := t.src[t.pos]
	name := t.src[t.pos+1 : end]
	t.pos = end + 2
	if kind != ':' {
		return byteSet{}, t.errorf(ErrBadPattern, "POSIX collating elements are not supported")
	}
	negated := strings.HasPrefix(name, "^")
	set, ok := posixSets[strings.TrimPrefix(name, "^")]
	if !ok {
		return set, t.errorf(ErrBadPattern, "unknown POSIX class name %q", name)
	}
	if t.caseless {
		// Whether PCRE2 folds a POSIX class before or after negating it
		// is not worth guessing.
		return set, t.errorf(ErrUnsupportedPattern, "POSIX class in a caseless class")
	}
	if negated {
		set.invert()
	}
	return set, nil
}

// hasNewlineOrHigh reports whether s needs encoding for matching (see
// encodeKey).
func hasNewlineOrHigh(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\n' && i != len(s)-1 {
			return true
		}
	}
	return false
}

// encodeKey turns a path into the string the translated patterns match:
// one rune per byte, bytes 0x80-0xff as U+0080-U+00FF, and a newline that
// is not the last byte as innerNewline (see the top of this file).
func encodeKey(s string) string {
	if !hasNewlineOrHigh(s) {
		return s
	}
	var b bytes.Buffer
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' && i != len(s)-1:
			b.WriteRune(innerNewline)
		case c >= 0x80:
			b.WriteRune(rune(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
