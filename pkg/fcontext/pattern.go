package fcontext

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/fcontext/internal/pattern"
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
//   - the pattern, parsed into pieces whose every character, class and
//     escape is literal text or an explicit set of bytes (see package
//     pattern), is written in Go syntax over that encoding (see goSyntax),
//     with "$" as (?m:$), which with the encoded path holds exactly where
//     PCRE2's "$" holds.
//
// Case folding is done by the parser, on ASCII letters only, as PCRE2's
// default tables do, so Go's Unicode folding never comes into play.

// innerNewline stands for a newline that is not the last byte of a path.
const innerNewline = '\ue000'

// parsePattern parses an entry's pattern, with the errors pkg/fcontext
// gives.
func parsePattern(src string) ([]pattern.Piece, error) {
	pieces, err := pattern.Parse(src)
	return pieces, patternError(err)
}

// patternError turns the parser's error into ErrBadPattern or
// ErrUnsupportedPattern.
func patternError(err error) error {
	if err == nil {
		return nil
	}
	var pe *pattern.Error
	if !errors.As(err, &pe) {
		return err
	}
	kind := ErrBadPattern
	if pe.Unsupported {
		kind = ErrUnsupportedPattern
	}
	return fmt.Errorf("%w at offset %d: %s", kind, pe.Offset, pe.Reason)
}

// goSyntax writes a parsed pattern in Go syntax, over the encoded path.
func goSyntax(pieces []pattern.Piece) string {
	var b strings.Builder
	b.Grow(8 * len(pieces))
	for i := range pieces {
		pc := &pieces[i]
		switch pc.Op {
		case pattern.Literal:
			for k := 0; k < len(pc.Text); k++ {
				writeLiteral(&b, pc.Text[k])
			}
		case pattern.Set:
			writeSet(&b, &pc.Set)
			writeRepeat(&b, pc.Min, pc.Max)
		case pattern.Assert:
			b.WriteString(goAssertions[pc.Assertion])
		case pattern.Group:
			if i > 0 { // the first is the whole pattern's
				b.WriteString("(?:")
			}
		case pattern.Bar:
			b.WriteByte('|')
		case pattern.End:
			if pc.Next > 0 {
				b.WriteByte(')')
				writeRepeat(&b, pieces[pc.Next].Min, pieces[pc.Next].Max)
			}
		}
	}
	return b.String()
}

// goAssertions are the assertions in Go syntax, over the encoded path.
var goAssertions = [...]string{
	pattern.BeginText:         `^`,
	pattern.EndOrFinalNewline: `(?m:$)`,
	pattern.EndText:           `\z`,
	pattern.WordBoundary:      `\b`,
	pattern.NotWordBoundary:   `\B`,
}

// goPlain are the bytes that stand for themselves in Go syntax outside a
// class: written as they are, they keep the translation readable.
var goPlain = func() (plain [256]bool) {
	for _, c := range []byte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/_-,:@%~=") {
		plain[c] = true
	}
	return plain
}()

// writeLiteral writes byte c as the encoded path has it, outside a class.
func writeLiteral(b *strings.Builder, c byte) {
	switch {
	case c == '\n':
		// Both the final newline and an inner one.
		b.WriteString(`[\x{a}\x{e000}]`)
	case goPlain[c]:
		b.WriteByte(c)
	default:
		b.WriteString(goByte(c))
	}
}

// writeRepeat writes a repetition from lo to hi times, hi < 0 for no bound.
func writeRepeat(b *strings.Builder, lo, hi int32) {
	switch {
	case lo == 1 && hi == 1:
	case lo == 0 && hi < 0:
		b.WriteByte('*')
	case lo == 1 && hi < 0:
		b.WriteByte('+')
	case lo == 0 && hi == 1:
		b.WriteByte('?')
	case hi < 0:
		b.WriteString("{" + strconv.Itoa(int(lo)) + ",}")
	case lo == hi:
		b.WriteString("{" + strconv.Itoa(int(lo)) + "}")
	default:
		b.WriteString("{" + strconv.Itoa(int(lo)) + "," + strconv.Itoa(int(hi)) + "}")
	}
}

// counted reports whether a parsed pattern has a repetition that
// writeRepeat writes with braces, {n,m}, which Go's regexp may refuse for
// its size.
func counted(pieces []pattern.Piece) bool {
	for i := range pieces {
		if pc := &pieces[i]; pc.Op == pattern.Set || pc.Op == pattern.Group {
			if lo, hi := pc.Min, pc.Max; !(lo == 1 && hi == 1 || lo <= 1 && hi < 0 || lo == 0 && hi == 1) {
				return true
			}
		}
	}
	return false
}

// writeSet writes set as one Go atom over the encoded path.
func writeSet(b *strings.Builder, set *pattern.ByteSet) {
	if c, ok := set.Single(); ok && c != '\n' {
		b.WriteString(goByte(c))
		return
	}
	b.WriteByte('[')
	empty := true
	for lo := 0; lo < 256; lo++ {
		if !set.Has(byte(lo)) {
			continue
		}
		hi := lo
		for hi+1 < 256 && set.Has(byte(hi+1)) {
			hi++
		}
		b.WriteString(goByte(byte(lo)))
		if hi > lo {
			b.WriteByte('-')
			b.WriteString(goByte(byte(hi)))
		}
		lo = hi
		empty = false
	}
	if set.Has('\n') {
		b.WriteString(`\x{e000}`)
	}
	if empty {
		// A set of no bytes, such as [^\x00-\xff]: it never matches.
		b.WriteString(`^\x00-\x{10ffff}`)
	}
	b.WriteByte(']')
}

// goByte writes byte b, as the encoded path has it, for Go's parser,
// inside a class or out.
func goByte(b byte) string {
	if b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '/' || b == '_' {
		return string(rune(b))
	}
	return fmt.Sprintf(`\x{%x}`, b)
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
