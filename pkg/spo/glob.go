package spo

import (
	"slices"
	"strings"
)

// SPO's AppArmor paths take AppArmor's globs (*, **, ?) and variables,
// but no alternation or character class. confine's patterns use both, so
// they are expanded, and classes widened, here.
//
// apparmor_parser reads a glob that starts a name (right after a '/')
// as one character at least, so that /dir/** does not match /dir/; but
// not inside an alternation, nor after one: /dir{,/**} matches /dir/,
// and so does /dir/{,x}*. Once the braces are gone, such a glob starts a
// name, so expand writes it both ways: left out, and kept.

// expand returns the patterns without alternations that an AppArmor
// pattern's alternations ({a,b}) stand for, in order, together matching
// what the pattern matches. A variable, @{name}, is kept as it is.
func expand(p string) []string {
	// loose[i]: the run of stars at i may match nothing where it starts a
	// name.
	loose := make([]bool, len(p))
	depth := 0
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '{':
			depth++
		case p[i] == '}':
			depth--
		case p[i] == '*' && (i == 0 || p[i-1] != '*'):
			loose[i] = depth > 0 || i == 0 || p[i-1] != '/'
		}
	}
	var out []string
	for _, e := range alternatives(p, loose) {
		out = append(out, e.globs()...)
	}
	return out
}

// An expansion is a pattern without alternations, and which of its runs
// of stars may match nothing.
type expansion struct {
	path  string
	loose []bool
}

// alternatives expands p's alternations, carrying loose along.
func alternatives(p string, loose []bool) []expansion {
	open := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '{' && (i == 0 || p[i-1] != '@') {
			open = i
			break
		}
	}
	if open < 0 {
		return []expansion{{p, loose}}
	}
	depth, start := 0, open+1
	var alts [][2]int
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, [2]int{start, i})
				var out []expansion
				for _, a := range alts {
					path := p[:open] + p[a[0]:a[1]] + p[i+1:]
					l := slices.Concat(loose[:open], loose[a[0]:a[1]], loose[i+1:])
					out = append(out, alternatives(path, l)...)
				}
				return out
			}
		case ',':
			if depth == 1 {
				alts = append(alts, [2]int{start, i})
				start = i + 1
			}
		}
	}
	return []expansion{{p, loose}} // unbalanced: left for the path check to refuse
}

// globs returns the expansion as patterns that match what it did: each
// loose run of stars that now starts a name is written left out, and
// kept.
func (e expansion) globs() []string {
	out := []string{""}
	for i := 0; i < len(e.path); {
		j := i + 1
		for e.path[i] == '*' && j < len(e.path) && e.path[j] == '*' {
			j++
		}
		run := e.path[i:j]
		if e.loose[i] && i > 0 && e.path[i-1] == '/' {
			var both []string
			for _, o := range out {
				both = append(both, o, o+run)
			}
			out = both
		} else {
			for k := range out {
				out[k] += run
			}
		}
		i = j
	}
	return out
}

// widen replaces each character class ([...], [^...]) with *, which
// matches any name the class and the star after it do, and more; a class
// followed by ** becomes **. It reports whether it changed anything.
func widen(p string) (string, bool) {
	if !strings.Contains(p, "[") {
		return p, false
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '[' {
			b.WriteByte(p[i])
			continue
		}
		j := i + 1
		if j < len(p) && p[j] == '^' {
			j++
		}
		if j < len(p) && p[j] == ']' {
			j++ // a ']' first is one of the class's characters
		}
		for j < len(p) && p[j] != ']' {
			j++
		}
		stars := 0
		for j+1+stars < len(p) && p[j+1+stars] == '*' {
			stars++
		}
		if stars >= 2 {
			b.WriteString("**")
		} else {
			b.WriteString("*")
		}
		i = j + stars
	}
	return b.String(), true
}

// A glob token: a character, or one of AppArmor's wildcards.
type token struct {
	c  byte
	wc byte // 0, or '*' (a run without '/'), 'D' (**: anything) or '?'
}

// tokens reads a pattern without alternations or classes. A glob that
// starts a name matches one character at least, not '/': it is read as
// ? and the glob.
func tokens(p string) []token {
	var ts []token
	for i := 0; i < len(p); i++ {
		if p[i] == '*' && i > 0 && p[i-1] == '/' {
			ts = append(ts, token{wc: '?'})
		}
		switch {
		case p[i] == '*' && i+1 < len(p) && p[i+1] == '*':
			ts = append(ts, token{wc: 'D'})
			for i+1 < len(p) && p[i+1] == '*' {
				i++
			}
		case p[i] == '*' || p[i] == '?':
			ts = append(ts, token{wc: p[i]})
		default:
			ts = append(ts, token{c: p[i]})
		}
	}
	return ts
}

// covers reports whether pattern q matches every path pattern p matches,
// both without alternations or classes. It errs on the side of false: it
// only says true when each wildcard of p is absorbed by one of q that
// matches at least as much.
func covers(q, p string) bool {
	return coverTokens(tokens(q), tokens(p))
}

func coverTokens(q, p []token) bool {
	if len(q) == 0 {
		return len(p) == 0
	}
	switch q[0].wc {
	case 'D':
		for k := 0; k <= len(p); k++ {
			if coverTokens(q[1:], p[k:]) {
				return true
			}
		}
		return false
	case '*':
		for k := 0; k <= len(p); k++ {
			if coverTokens(q[1:], p[k:]) {
				return true
			}
			if k < len(p) && (p[k].wc == 'D' || p[k].wc == 0 && p[k].c == '/') {
				return false
			}
		}
		return false
	case '?':
		if len(p) > 0 && (p[0].wc == '?' || p[0].wc == 0 && p[0].c != '/') {
			return coverTokens(q[1:], p[1:])
		}
		return false
	}
	if len(p) > 0 && p[0].wc == 0 && p[0].c == q[0].c {
		return coverTokens(q[1:], p[1:])
	}
	return false
}

// prune returns paths sorted, without repeats and without a path another
// one covers.
func prune(paths []string) []string {
	paths = slices.Clone(paths)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	var kept []string
	for i, p := range paths {
		covered := false
		for j, q := range paths {
			// Of two that cover each other, the first is kept.
			if i != j && covers(q, p) && (!covers(p, q) || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			kept = append(kept, p)
		}
	}
	return kept
}
