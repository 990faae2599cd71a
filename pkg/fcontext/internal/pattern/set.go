package pattern

import "math/bits"

// A ByteSet is a set of byte values.
type ByteSet [4]uint64

// Has reports whether b is in s.
func (s *ByteSet) Has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

// Len gives how many bytes s holds.
func (s *ByteSet) Len() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

// Single returns the only member of s, if it has exactly one.
func (s *ByteSet) Single() (byte, bool) {
	n, last := 0, 0
	for i, w := range s {
		if w != 0 {
			n += bits.OnesCount64(w)
			last = 64*i + bits.TrailingZeros64(w)
		}
	}
	return byte(last), n == 1
}

func (s *ByteSet) add(b byte) { s[b>>6] |= 1 << (b & 63) }

func (s *ByteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

func (s *ByteSet) union(t ByteSet) {
	s[0], s[1], s[2], s[3] = s[0]|t[0], s[1]|t[1], s[2]|t[2], s[3]|t[3]
}

func (s *ByteSet) invert() { s[0], s[1], s[2], s[3] = ^s[0], ^s[1], ^s[2], ^s[3] }

// foldASCII adds the other case of every ASCII letter in s: PCRE2's
// default tables fold nothing else.
func (s *ByteSet) foldASCII() {
	for c := byte('A'); c <= 'Z'; c++ {
		if s.Has(c) || s.Has(c+'a'-'A') {
			s.add(c)
			s.add(c + 'a' - 'A')
		}
	}
}

// setOf gives the set of the inclusive ranges lo, hi, lo, hi...
func setOf(ranges ...byte) ByteSet {
	var s ByteSet
	for i := 0; i+1 < len(ranges); i += 2 {
		s.addRange(ranges[i], ranges[i+1])
	}
	return s
}

// Sets of PCRE2's dot, class escapes and POSIX classes, with its default
// (C locale) character tables.
var (
	allBytes   = setOf(0, 0xff)
	notNewline = setOf(0, '\n'-1, '\n'+1, 0xff)
	digitSet   = setOf('0', '9')
	spaceSet   = setOf('\t', '\r', ' ', ' ')
	wordSet    = setOf('0', '9', 'A', 'Z', 'a', 'z', '_', '_')
	posixSets  = map[string]ByteSet{
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

// plainBytes stand for themselves in PCRE2, outside a class and without
// (?i): most of every pattern, which Parse reads the fast way.
var plainBytes = setOf('0', '9', 'A', 'Z', 'a', 'z', '/', '/', '_', '_', '-', '-', ',', ',', ':', ':', '@', '@', '%', '%', '~', '~', '=', '=')

// byteTexts holds every byte as a one-byte string, so that a literal
// spelled with an escape takes no memory of its own.
var byteTexts = func() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}()

func byteText(b byte) string { return byteTexts[b : int(b)+1] }
