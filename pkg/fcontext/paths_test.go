package fcontext

import (
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strings"
)

// testPaths makes the paths the differential tests look up for a loaded
// policy, the same for the same seed: the literal paths of its entries and
// of its aliases, and, from every pattern, random paths it matches, some
// of them perturbed.
func testPaths(c *Contexts, seed uint64) (literal, generated []string) {
	g := pathGen{rnd: rand.New(rand.NewPCG(seed, 0x5e1ab31))}
	t := c.t
	for k := range t.entries {
		e := &t.entries[k]
		if e.shape == exactShape {
			literal = append(literal, e.prefix)
		}
		// A pattern's prefix alone, and the path as it would be written
		// with its regex syntax taken as text, are good near misses.
		generated = append(generated, e.prefix, e.pattern)
		re, err := parseEntry(e.pattern)
		if err != nil {
			continue
		}
		for range 2 {
			generated = append(generated, g.perturb(g.instance(re)))
		}
	}
	for _, subs := range [][]sub{t.subs, t.distSubs} {
		for _, s := range subs {
			literal = append(literal, s.src, s.dst)
			generated = append(generated, s.src+"/"+g.component(), s.src+g.component(), s.dst+"/"+g.component())
		}
	}
	for range 500 {
		generated = append(generated, g.deep())
	}
	generated = append(generated, "", "/", "//", "///", "/.", "/..", "/./", "relative", "relative/path",
		".", "..", "/\n", "\n", "/ ", " ", "/\xff", "/etc/\xff", "/etc/\n", "/etc\n", "/etc/passwd\n",
		"/usr/lib\n/x", "/home/user/.ssh\n", "/var/run/", "/var/run//docker.sock", "/run/lock/")
	slices.Sort(literal)
	return slices.Compact(literal), generated
}

// parseEntry parses a pattern's translation as Go syntax.
func parseEntry(pattern string) (*syntax.Regexp, error) {
	src, err := translation(pattern)
	if err != nil {
		return nil, err
	}
	return syntax.Parse(src, syntax.Perl)
}

type pathGen struct {
	rnd *rand.Rand
}

// palette is what "any byte" is drawn from: mostly what paths are made
// of, now and then something odd.
const palette = "abcdefghijklmnopqrstuvwxyz0123456789ABCXYZ._-+@:~%/" + "/// .\n\t\x01\x7f\x80\xa0\xe9\xff"

func (g *pathGen) byte() byte {
	if g.rnd.IntN(8) == 0 {
		return palette[len(palette)-16+g.rnd.IntN(16)]
	}
	return palette[g.rnd.IntN(len(palette)-16)]
}

func (g *pathGen) component() string {
	b := make([]byte, 1+g.rnd.IntN(8))
	for i := range b {
		for b[i] = g.byte(); b[i] == '/' || b[i] == '\n'; b[i] = g.byte() {
		}
	}
	return string(b)
}

// instance returns a random path that re, a translated pattern, matches
// (or nearly: assertions are ignored).
func (g *pathGen) instance(re *syntax.Regexp) string {
	var b []byte
	g.write(&b, re)
	return string(b)
}

// write appends a random string re matches, decoding the runes of the
// encoded path back into bytes.
func (g *pathGen) write(b *[]byte, re *syntax.Regexp) {
	put := func(r rune) {
		switch {
		case r == innerNewline:
			*b = append(*b, '\n')
		case r >= 1 && r <= 0xff:
			*b = append(*b, byte(r))
		}
	}
	repeat := func(lo, hi int) int {
		if hi < 0 || hi > lo+3 {
			hi = lo + 3
		}
		return lo + g.rnd.IntN(hi-lo+1)
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			put(r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		// Prefer the ranges within the byte alphabet.
		for range 8 {
			i := 2 * g.rnd.IntN(len(re.Rune)/2)
			lo, hi := re.Rune[i], min(re.Rune[i+1], 0xff)
			if re.Rune[i] <= innerNewline && innerNewline <= re.Rune[i+1] && g.rnd.IntN(4) == 0 {
				put(innerNewline)
				return
			}
			if lo <= hi {
				put(lo + rune(g.rnd.IntN(int(hi-lo)+1)))
				return
			}
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		put(rune(g.byte()))
	case syntax.OpCapture:
		g.write(b, re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g.write(b, sub)
		}
	case syntax.OpAlternate:
		g.write(b, re.Sub[g.rnd.IntN(len(re.Sub))])
	case syntax.OpStar:
		for range repeat(0, -1) {
			g.write(b, re.Sub[0])
		}
	case syntax.OpPlus:
		for range repeat(1, -1) {
			g.write(b, re.Sub[0])
		}
	case syntax.OpQuest:
		for range repeat(0, 1) {
			g.write(b, re.Sub[0])
		}
	case syntax.OpRepeat:
		for range repeat(re.Min, re.Max) {
			g.write(b, re.Sub[0])
		}
	}
}

// perturb changes a path in one of the ways that find bugs: most paths are
// left alone, the others get a trailing slash, doubled slashes, a child,
// odd bytes, a cut or a changed case.
func (g *pathGen) perturb(p string) string {
	if p == "" {
		return "/"
	}
	i := g.rnd.IntN(len(p) + 1)
	switch g.rnd.IntN(14) {
	case 0:
		return p + "/"
	case 1:
		return strings.Replace(p, "/", "//", 1+g.rnd.IntN(2))
	case 2:
		return p + "/" + g.component()
	case 3:
		return p + "/" + g.component() + "/" + g.component()
	case 4:
		return p[:i] + string(g.byte()) + p[i:]
	case 5:
		return p[:i]
	case 6:
		return p + "\n"
	case 7:
		return p[:i] + "\n" + p[i:]
	case 8:
		return p[:i] + "\xff" + p[i:]
	case 9:
		return strings.ToUpper(p)
	case 10:
		return p[:i] + "/../" + p[i:]
	case 11:
		return p[:i] + " " + p[i:]
	}
	return p
}

// deep makes a long path of random components under a random top.
func (g *pathGen) deep() string {
	tops := []string{"/usr", "/var", "/etc", "/home/user", "/srv", "/opt", "/run", "/tmp", "/dev", ""}
	p := tops[g.rnd.IntN(len(tops))]
	for range 1 + g.rnd.IntN(30) {
		p += "/" + g.component()
	}
	return p
}
