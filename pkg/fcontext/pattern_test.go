package fcontext

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/fcontext/internal/pattern"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		pattern string
		syntax  string
		prefix  string
		literal bool
		err     error
	}{
		{pattern: `/usr/bin/ls`, syntax: `^/usr/bin/ls(?m:$)`, prefix: "/usr/bin/ls", literal: true},
		{pattern: `/etc/hosts\.allow`, syntax: `^/etc/hosts\x{2e}allow(?m:$)`, prefix: "/etc/hosts.allow", literal: true},
		{pattern: `/usr/lib(/.*)?`, syntax: `^/usr/lib(?:/[\x{0}-\x{ff}\x{e000}]*)?(?m:$)`, prefix: "/usr/lib"},
		{pattern: `/dev/tty[0-9]+`, syntax: `^/dev/tty[0-9]+(?m:$)`, prefix: "/dev/tty"},
		{pattern: `/ab?c`, syntax: `^/ab?c(?m:$)`, prefix: "/a"},
		{pattern: `/a(bc)*`, syntax: `^/a(?:bc)*(?m:$)`, prefix: "/a"},
		{pattern: `/a|/b`, syntax: `^/a|/b(?m:$)`},
		{pattern: `/[^/]+`, syntax: `^/[\x{0}-\x{2e}0-\x{ff}\x{e000}]+(?m:$)`, prefix: "/"},
		{pattern: `/(?i)ab`, syntax: `^/[Aa][Bb](?m:$)`, prefix: "/"},
		{pattern: `/a\n`, syntax: `^/a[\x{a}\x{e000}](?m:$)`, prefix: "/a\n", literal: true},
		{pattern: `/a\Z`, syntax: `^/a(?m:$)(?m:$)`, prefix: "/a"},
		{pattern: `/a\z`, syntax: `^/a\z(?m:$)`, prefix: "/a"},
		{pattern: `/\x41\101`, err: ErrUnsupportedPattern},
		{pattern: `/\xe9`, syntax: `^/\x{e9}(?m:$)`, prefix: "/\xe9", literal: true},
		{pattern: `/[[:digit:]x]`, syntax: `^/[0-9x](?m:$)`, prefix: "/"},
		{pattern: `/a{2,3}`, syntax: `^/a{2,3}(?m:$)`, prefix: "/"},
		{pattern: `/a{,3}`, syntax: `^/a\x{7b},3\x{7d}(?m:$)`, prefix: "/a{,3}", literal: true},
		{pattern: `/a*?`, syntax: `^/a*(?m:$)`, prefix: "/"},
		{pattern: `/a*+`, err: ErrUnsupportedPattern},
		{pattern: `/a(?=b)`, err: ErrUnsupportedPattern},
		{pattern: `/(a)\1`, err: ErrUnsupportedPattern},
		{pattern: `/a\R`, err: ErrUnsupportedPattern},
		{pattern: `/a(`, err: ErrBadPattern},
		{pattern: `/a)`, err: ErrBadPattern},
		{pattern: `/[a`, err: ErrBadPattern},
		{pattern: `*a`, err: ErrUnsupportedPattern}, // "^*": PCRE2 takes no quantifier after ^
		{pattern: `/a|*`, err: ErrBadPattern},
		{pattern: `/[z-a]`, err: ErrBadPattern},
		// The backslash escapes the "$" libselinux adds: no end anchor.
		{pattern: `/\`, syntax: `^/\x{24}`, prefix: "/$"},
		{pattern: `/[:alpha:]`, err: ErrBadPattern},
		{pattern: `/\S*\v`, err: ErrUnsupportedPattern},
		{pattern: `/\Qa.b\E*`, syntax: `^/a\x{2e}b*(?m:$)`, prefix: "/a."},
		{pattern: `/(?#comment)x`, syntax: `^/x(?m:$)`, prefix: "/"},
	}
	for _, tt := range tests {
		// The analysis and the translation, from the same parse.
		e := entry{pattern: tt.pattern}
		e.analyse(new(pattern.Parser))
		if tt.err != nil {
			if !errors.Is(e.patErr, tt.err) {
				t.Errorf("analyse(%q): error %v, want %v", tt.pattern, e.patErr, tt.err)
			}
			continue
		}
		if e.patErr != nil {
			t.Errorf("analyse(%q): %v", tt.pattern, e.patErr)
			continue
		}
		translated, err := translation(tt.pattern)
		if err != nil {
			t.Errorf("translation(%q): %v", tt.pattern, err)
			continue
		}
		if literal := e.shape == exactShape; translated != tt.syntax || e.prefix != tt.prefix || literal != tt.literal {
			t.Errorf("%q: translated %#q, prefix %q, literal %v; want %#q, %q, %v", tt.pattern, translated, e.prefix, literal, tt.syntax, tt.prefix, tt.literal)
		}
		if _, err := regexp.Compile(translated); err != nil {
			t.Errorf("%q: Go refuses %#q: %v", tt.pattern, translated, err)
		}
	}
}

// TestUnsupportedPrefix checks the prefix kept for a pattern that PCRE2
// takes but Go cannot evaluate: the entry can match only paths with it.
func TestUnsupportedPrefix(t *testing.T) {
	tests := []struct{ pattern, prefix string }{
		{`/opt/(?=x)`, "/opt/"},
		{`/opt/a|(?=x)`, ""},
		{`/opt/[|](?=x)`, ""}, // past the error, a "|" is not known to be in a class
		{`/opt/\.x(a)\1`, "/opt/.x"},
		// Go refuses the size of these, which parse whole.
		{`/a/((b|c){100}){100}`, "/a/"},
		{`/a/((b){100}){100}|/c`, ""},
	}
	for _, tt := range tests {
		e := entry{pattern: tt.pattern}
		e.analyse(new(pattern.Parser))
		if !errors.Is(e.patErr, ErrUnsupportedPattern) || e.prefix != tt.prefix {
			t.Errorf("analyse(%q): prefix %q, error %v; want %q, unsupported", tt.pattern, e.prefix, e.patErr, tt.prefix)
		}
	}
}

// TestTranslateAgainstPCRE2 compiles random patterns with PCRE2 as
// libselinux does and checks that every pattern taken matches the same
// subjects, both with Go's regexp and with matchProg on the compiled
// program, as lookups match; that mayMatch never rules out a subject PCRE2
// matches, nor a start of one; and that the patterns called bad PCRE2
// refuses.
func TestTranslateAgainstPCRE2(t *testing.T) {
	py := testutil.Tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", `import ctypes; ctypes.CDLL("libpcre2-8.so.0")`).Run(); err != nil {
		testutil.Missing(t, "libpcre2-8.so.0 is not installed: %v", err)
	}
	g := patternGen{rnd: rand.New(rand.NewPCG(7, 11))}
	type check struct {
		pattern  string
		pieces   []pattern.Piece
		prog     *syntax.Prog
		subjects []string
		err      error
	}
	var checks []check
	var in bytes.Buffer
	for range 10000 {
		c := check{pattern: g.pattern(3)}
		fmt.Fprintf(&in, "p %s\n", hex.EncodeToString([]byte(c.pattern)))
		if c.pieces, c.err = parsePattern(c.pattern); c.err == nil {
			c.prog, c.err = compilePieces(c.pieces)
		}
		if c.err == nil {
			if parsed, err := parseEntry(c.pattern); err == nil {
				pg := pathGen(g)
				for range 8 {
					c.subjects = append(c.subjects, pg.perturb(pg.instance(parsed)))
				}
			}
			for range 8 {
				c.subjects = append(c.subjects, g.subject())
			}
			for i, s := range c.subjects {
				// Subjects are C strings.
				c.subjects[i] = strings.ReplaceAll(s, "\x00", "\x01")
				fmt.Fprintf(&in, "s %s\n", hex.EncodeToString([]byte(c.subjects[i])))
			}
		}
		checks = append(checks, c)
	}
	cmd := exec.Command(py, filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "pcre2.py"))
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pcre2.py: %v", err)
	}
	answers := strings.Split(string(out), "\n")
	next := func() string { a := answers[0]; answers = answers[1:]; return a }
	var taken, bad, unsupported, matches, ruledOut int
	for _, c := range checks {
		compiled := next() == "ok"
		switch {
		case c.err == nil && !compiled:
			t.Errorf("pattern %q: translated, but PCRE2 refuses it", c.pattern)
		case errors.Is(c.err, ErrBadPattern) && compiled:
			t.Errorf("pattern %q: %v, but PCRE2 takes it", c.pattern, c.err)
		case errors.Is(c.err, ErrBadPattern):
			bad++
		case c.err != nil:
			unsupported++
		}
		if c.err != nil {
			continue
		}
		taken++
		re := regexp.MustCompile(goSyntax(c.pieces))
		for _, s := range c.subjects {
			want := next()
			enc := encodeKey(s)
			if got := matchAnswer(re.MatchString(enc)); got != want {
				t.Errorf("pattern %q, subject %q: Go's regexp says %s, PCRE2 %s", c.pattern, s, got, want)
			}
			if got := matchAnswer(matchProg(c.prog, []rune(enc))); got != want {
				t.Errorf("pattern %q, subject %q: matchProg says %s, PCRE2 %s", c.pattern, s, got, want)
			}
			if !mayMatch(c.pieces, s, false) {
				ruledOut++
				if want == "1" {
					t.Errorf("pattern %q, subject %q: PCRE2 matches, mayMatch rules it out", c.pattern, s)
				}
			}
			if want != "1" {
				continue
			}
			matches++
			for n := range len(s) {
				if !mayMatch(c.pieces, s[:n], true) {
					t.Errorf("pattern %q, subject %q: PCRE2 matches, mayMatch rules out every subject starting with %q", c.pattern, s, s[:n])
				}
			}
		}
	}
	t.Logf("%d patterns: %d translated (%d subjects matched, %d ruled out by mayMatch), %d bad, %d unsupported",
		len(checks), taken, matches, ruledOut, bad, unsupported)
}

// matchAnswer writes a match as pcre2.py does.
func matchAnswer(matched bool) string {
	if matched {
		return "1"
	}
	return "0"
}

// patternGen makes random PCRE2 patterns out of the constructs the
// parser takes, and some it refuses.
type patternGen struct {
	rnd *rand.Rand
}

func (g *patternGen) pick(choices ...string) string { return choices[g.rnd.IntN(len(choices))] }

func (g *patternGen) pattern(depth int) string {
	var b strings.Builder
	for range 1 + g.rnd.IntN(4) {
		b.WriteString(g.item(depth))
	}
	if g.rnd.IntN(8) == 0 {
		b.WriteString("|" + g.pattern(depth-1))
	}
	return b.String()
}

func (g *patternGen) item(depth int) string {
	var atom string
	switch n := g.rnd.IntN(12); {
	case n < 4:
		atom = g.pick("a", "b", "/", "A", "0", "_", "-", " ", "~", "}", "]", ",", "{")
	case n < 6:
		atom = g.pick(`.`, `\.`, `\/`, `\d`, `\D`, `\w`, `\W`, `\s`, `\S`, `\h`, `\v`, `\n`, `\t`,
			`\x41`, `\x{62}`, `\xff`, `\0`, `\012`, `\o{101}`, `\cA`, `\e`, `\N`, `\Qa.\E`, `\E`, `\-`, `\_`)
	case n < 8:
		atom = g.class()
	case n < 9:
		atom = g.pick(`^`, `$`, `\b`, `\B`, `\A`, `\z`, `\Z`, `\G`)
	case n < 11 && depth > 0:
		atom = g.pick("(", "(?:", "(?i:", "(?|", "(?<n>", "(?i)", "(?-i:", "(?s:", "(?-s:") + g.pattern(depth-1) + ")"
	default:
		atom = g.pick("(?#c)", "(?i)", "(?-i)", "(?=a)", "(?!a)", `\1`, "a++", "(", ")", "[", `\`, "*", "(?x)", `\R`, `\p{L}`, `\K`, `\8`)
	}
	if g.rnd.IntN(3) == 0 {
		atom += g.pick("*", "+", "?", "*?", "+?", "??", "{2}", "{1,}", "{0,2}", "{1,2}?", "{,2}", "{2,1}", "*+", "**")
	}
	return atom
}

func (g *patternGen) class() string {
	var b strings.Builder
	b.WriteString(g.pick("[", "[^", "[]", "[^]"))
	for range 1 + g.rnd.IntN(3) {
		b.WriteString(g.pick("a", "b", "/", "a-c", "A-Z", `\d`, `\s`, `\w`, `\n`, `\]`, `\\`, `\x00-\x1f`,
			"[:alpha:]", "[:^digit:]", "[:space:]", "[:punct:]", "-", `\b`, "a-", "[", "[:bad:]", `\d-z`, `z-a`))
	}
	b.WriteString("]")
	return b.String()
}

// subject makes a short random string over the bytes the patterns use.
func (g *patternGen) subject() string {
	const alphabet = "abAB/._-0 \n\t\xff\x0b\x85{},]"
	b := make([]byte, g.rnd.IntN(7))
	for i := range b {
		b[i] = alphabet[g.rnd.IntN(len(alphabet))]
	}
	return string(b)
}
