package pattern

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// dump writes pieces compactly: text quoted, sets as their ranges,
// assertions by their PCRE2 spelling, groups in parentheses with their
// alternatives split by "|", and repetitions as {min,max}.
func dump(pieces []Piece) string {
	var b strings.Builder
	for i, pc := range pieces {
		if i > 0 && pc.Op != End && pc.Op != Bar && pieces[i-1].Op != Group && pieces[i-1].Op != Bar {
			b.WriteByte(' ')
		}
		switch pc.Op {
		case Literal:
			b.WriteString(strconv.Quote(pc.Text))
		case Set:
			b.WriteString(dumpSet(&pc.Set))
			b.WriteString(dumpRepeat(pc.Min, pc.Max))
		case Assert:
			b.WriteString([...]string{BeginText: "^", EndOrFinalNewline: "$", EndText: `\z`, WordBoundary: `\b`, NotWordBoundary: `\B`}[pc.Assertion])
		case Group:
			b.WriteByte('(')
		case Bar:
			b.WriteString(" | ")
		case End:
			b.WriteByte(')')
			b.WriteString(dumpRepeat(pieces[pc.Next].Min, pieces[pc.Next].Max))
		case Empty:
			b.WriteString("()")
		}
	}
	return b.String()
}

func dumpRepeat(lo, hi int32) string {
	if lo == 1 && hi == 1 {
		return ""
	}
	return fmt.Sprintf("{%d,%d}", lo, hi)
}

func dumpSet(s *ByteSet) string {
	var b strings.Builder
	b.WriteByte('[')
	for lo := 0; lo < 256; lo++ {
		if !s.Has(byte(lo)) {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(' ')
		}
		hi := lo
		for hi+1 < 256 && s.Has(byte(hi+1)) {
			hi++
		}
		fmt.Fprintf(&b, "%02x", lo)
		if hi > lo {
			fmt.Fprintf(&b, "-%02x", hi)
		}
		lo = hi
	}
	b.WriteByte(']')
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{`/usr/bin/ls`, `(^ "/usr/bin/ls" $)`},
		// Escaped bytes are literal text of their own.
		{`/etc/hosts\.allow`, `(^ "/etc/hosts" "." "allow" $)`},
		{`/a\x41\x{42}\o{103}\104\0\cA\e\n`, ``}, // \104 is a back reference
		{`/a\x41\x{42}\o{103}\0\cA\e\n\$`, `(^ "/a" "A" "B" "C" "\x00" "\x01" "\x1b" "\n" "$" $)`},
		// A quantifier takes the byte before it out of the run.
		{`/ab?c`, `(^ "/a" [62]{0,1} "c" $)`},
		{`/a{2,3}b{2}c{2,}d*?`, `(^ "/" [61]{2,3} [62]{2,2} [63]{2,-1} [64]{0,-1} $)`},
		{`/a{,3}`, `(^ "/" "a" "{" ",3" "}" $)`}, // no quantifier: literal
		// Sets.
		{`/.`, `(^ "/" [00-ff] $)`},
		{`/(?-s).`, `(^ "/" () [00-09 0b-ff] $)`},
		{`/[^/]+`, `(^ "/" [00-2e 30-ff]{1,-1} $)`},
		{`/[a-c\d_]`, `(^ "/" [30-39 5f 61-63] $)`},
		{`/[]a]`, `(^ "/" [5d 61] $)`},
		{`/[[:digit:]x]`, `(^ "/" [30-39 78] $)`},
		{`/[^[:^alpha:]]`, `(^ "/" [41-5a 61-7a] $)`},
		{`/\w\S`, `(^ "/" [30-39 41-5a 5f 61-7a] [00-08 0e-1f 21-ff] $)`},
		{`/[z]`, `(^ "/" "z" $)`},
		// Case folding, on ASCII letters only.
		{`/(?i)a-[x\xe9]`, `(^ "/" () [41 61] "-" [58 78 e9] $)`},
		{`/(?i:a)b`, `(^ "/" ([41 61]) "b" $)`},
		{`/((?i)a)b`, `(^ "/" (() [41 61]) "b" $)`},
		// Groups and alternatives.
		{`/usr/lib(/.*)?`, `(^ "/usr/lib" ("/" [00-ff]{0,-1}){0,1} $)`},
		{`/(var|srv|)/www`, `(^ "/" ("var" | "srv" | ) "/www" $)`},
		{`/a|/b`, `(^ "/a" | "/b" $)`},
		{`/(?:a)(?|b)(?<n>c)(?'m'd)(?P<o>e)`, `(^ "/" ("a") ("b") ("c") ("d") ("e") $)`},
		{`/(a)+`, `(^ "/" ("a"){1,-1} $)`},
		// Assertions.
		{`^/a\b\B\A\G\z\Z$`, `(^ ^ "/a" \b \B ^ ^ \z $ $ $)`},
		// Comments, options and quoting.
		{`/(?#c)x`, `(^ "/" () "x" $)`},
		{`/\Qa.b\E*`, `(^ "/" "a" "." [62]{0,-1} $)`},
		{`/\Q\E\Ex`, `(^ "/" "x" $)`},
		// An escape takes the "$" libselinux adds.
		{`/\`, `(^ "/" "$")`},
		{`/\Qa`, `(^ "/" "a" "$")`},
		{`/\c`, `(^ "/" "d")`},
	}
	for _, tt := range tests {
		pieces, err := Parse(tt.src)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want an error", tt.src, dump(pieces))
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		if got := dump(pieces); got != tt.want {
			t.Errorf("Parse(%q) = %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src         string
		unsupported bool
		offset      int
		reason      string
	}{
		{`/a(`, false, 4, "missing closing parenthesis"},
		{`/a)`, false, 2, "unmatched closing parenthesis"},
		{`/[a`, false, 4, "missing terminating ] for character class"},
		{`/a|*`, false, 3, "quantifier does not follow a repeatable item"},
		{`/[z-a]`, false, 5, "range out of order in character class"},
		{`/[:alpha:]`, false, 2, "POSIX named classes are supported only within a class"},
		{`/[[:bad:]]`, false, 9, `unknown POSIX class name "bad"`},
		{`/(?#x`, false, 3, "missing ) after comment"},
		{`/(?<1a>x)`, false, 6, "bad group name"},
		{`/\xq\x{100}`, false, 6, "character code above 0xff or malformed"},
		{"/\\c\u007f", false, 3, `\c must be followed by a printable ASCII character`},
		{`/(?i-s-i)`, false, 7, "bad option setting"},
		{`*a`, true, 0, `quantifier after "^"`},
		{`/a*+`, true, 4, "possessive quantifier"},
		{`/a**`, true, 3, "quantifier after a quantifier"},
		{`/a{1001}`, true, 8, "repeat count above 1000"},
		{`/a{2,1}`, true, 7, "repeat count above 1000"},
		{`/a(?=b)`, true, 4, "lookaround or atomic group"},
		{`/a(*ACCEPT)`, true, 3, "backtracking verb or lookaround"},
		{`/(a)\1`, true, 6, `back reference or octal escape \1`},
		{`/a\R`, true, 4, `\R`},
		{`/\S*\v`, true, 6, `escape \v`},
		{`/\p{L}`, true, 3, `escape \p`},
		{`/(?x)a`, true, 4, "option or group (?x"},
		{`/(?<n>a)(?<n>b)`, true, 13, `group name "n" used twice`},
		{`/[\Qa\E]`, true, 2, `\Q or \E in a character class`},
		{`/[\d-z]`, true, 4, "hyphen after a class escape"},
		{`/[a-c-e]`, true, 5, "hyphen after a range"},
		{`/(?i)[[:alpha:]]`, true, 15, "POSIX class in a caseless class"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %v, want an *Error", tt.src, err)
			continue
		}
		if pe.Unsupported != tt.unsupported || pe.Offset != tt.offset || pe.Reason != tt.reason {
			t.Errorf("Parse(%q): %v; want unsupported %v, offset %d, %q", tt.src, err, tt.unsupported, tt.offset, tt.reason)
		}
	}
}

// TestParsePartial checks what Parse gives with an error: the start of
// the only alternative, or nothing.
func TestParsePartial(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{`/opt/(?=x)`, `(^ "/opt/"`},
		{`/opt/a(b(?=x)`, `(^ "/opt/a" ("b"`},
		{`/opt/a|(?=x)`, ``},
		{`/opt/[|](?=x)`, ``}, // no alternative, but where reading stopped that is unknown
	}
	for _, tt := range tests {
		pieces, err := Parse(tt.src)
		if err == nil {
			t.Errorf("Parse(%q): no error", tt.src)
		}
		if got := dump(pieces); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

// TestParserReuse checks that a Parser's pieces, which it reuses, come
// out as Parse's do.
func TestParserReuse(t *testing.T) {
	var ps Parser
	for _, src := range []string{`/usr/lib(/.*)?`, `/a`, `/(a|b|c)+x`, `/a(`, `/b`} {
		want, wantErr := Parse(src)
		got, err := ps.Parse(src)
		if dump(got) != dump(want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("Parser.Parse(%q) = %s, %v; Parse gives %s, %v", src, dump(got), err, dump(want), wantErr)
		}
	}
}

func TestByteSet(t *testing.T) {
	tests := []struct {
		set    ByteSet
		len    int
		single int // -1 for none
	}{
		{ByteSet{}, 0, -1},
		{setOf('a', 'a'), 1, 'a'},
		{setOf(0xff, 0xff), 1, 0xff},
		{setOf('a', 'b'), 2, -1},
		{allBytes, 256, -1},
		{notNewline, 255, -1},
	}
	for _, tt := range tests {
		b, ok := tt.set.Single()
		if n := tt.set.Len(); n != tt.len || ok != (tt.single >= 0) || ok && int(b) != tt.single {
			t.Errorf("%s: Len %d, Single %d %v; want %d, %d", dumpSet(&tt.set), n, b, ok, tt.len, tt.single)
		}
	}
}

// FuzzParse checks that Parse never panics, and that the pieces it gives
// are linked as documented.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`/usr/lib(/.*)?`, `/(var|srv)/www(/.*)?`, `/a(?i:b|c)+\z`, `/[^/]*\.so(\.[0-9]+)*`, `/\Qa|b`, `/a{2,3}?`, `/a(`, `/(?#c)x|y`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		pieces, err := Parse(src)
		if err != nil {
			if strings.Contains(src, "|") && pieces != nil {
				t.Errorf("Parse(%q): %v, with pieces though it holds a \"|\"", src, err)
			}
			return
		}
		checkLinks(t, src, pieces)
	})
}

// checkLinks checks the structure of a whole parsed pattern.
func checkLinks(t *testing.T, src string, pieces []Piece) {
	t.Helper()
	n := len(pieces)
	if n < 2 || pieces[0].Op != Group || pieces[n-1].Op != End || pieces[n-1].Next != 0 || pieces[1].Op != Assert || pieces[1].Assertion != BeginText {
		t.Fatalf("Parse(%q) = %s: not a group of the whole, from the added ^", src, dump(pieces))
	}
	depth := 0
	for i, pc := range pieces {
		switch pc.Op {
		case Group, Bar:
			next := int(pc.Next)
			if next <= i || next >= n || pieces[next].Op != Bar && pieces[next].Op != End {
				t.Fatalf("Parse(%q): piece %d links to %d", src, i, next)
			}
			if pc.Op == Group {
				depth++
				if pc.Min < 0 || pc.Max >= 0 && pc.Max < pc.Min || pc.Max > maxRepeat {
					t.Fatalf("Parse(%q): group %d repeats {%d,%d}", src, i, pc.Min, pc.Max)
				}
			}
		case End:
			depth--
			if g := int(pc.Next); g >= i || pieces[g].Op != Group {
				t.Fatalf("Parse(%q): end %d links to %d", src, i, g)
			}
		case Literal:
			if pc.Text == "" {
				t.Fatalf("Parse(%q): empty literal %d", src, i)
			}
		case Set:
			if pc.Min < 0 || pc.Max >= 0 && pc.Max < pc.Min || pc.Max > maxRepeat {
				t.Fatalf("Parse(%q): set %d repeats {%d,%d}", src, i, pc.Min, pc.Max)
			}
		}
	}
	if depth != 0 {
		t.Fatalf("Parse(%q): groups do not balance", src)
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ src, want string }{
		{`/usr/lib(/.*)?`, "/usr"},
		{`/usr`, ""},
		{`/a\-b/c`, `/a\-b`},
		{`/(var|srv)/www`, ""},
		{`/u.r/x`, ""},
		{`relative/path`, "relative"},
		{``, ""},
		{`/`, ""},
	}
	for _, tt := range tests {
		if got := Stem(tt.src); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestHasMeta(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`/etc/passwd`, false},
		{`/etc/hosts\.allow`, false},
		{`/a\`, false},
		{`/a\d`, false},
		{`/a\x{2e}`, true}, // libselinux sees the "{"
		{`/\Q.\E`, true},
		{`/a)`, false},
		{`/a{,3}`, true},
	}
	for _, c := range metaChars {
		tests = append(tests, struct {
			src  string
			want bool
		}{"/" + string(c), true})
	}
	for _, tt := range tests {
		if got := HasMeta(tt.src); got != tt.want {
			t.Errorf("HasMeta(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}
