package spo

import (
	"slices"
	"strings"
)

// SPO's AppArmor paths take AppArmor's globs (*, **, ?) and variables,
// but no alternation or character class. confine's patterns use both, so
// they are expanded, and classes widened, here.

// expand returns the paths an AppArmor pattern's alternations ({a,b})
// stand for, in order. A variable, @{name}, is kept as it is.
func expand(p string) []string {
	open := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '{' && (i == 0 || p[i-1] != '@') {
			open = i
			break
		}
	}
	if open < 0 {
		return []string{p}
	}
	depth, alt, start := 0, []string(nil), open+1
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				alt = append(alt, p[start:i])
				var out []string
				for _, a := range alt {
					out = append(out, expand(p[:open]+a+p[i+1:])...)
				}
				return out
			}
		case ',':
			if depth == 1 {
				alt = append(alt, p[start:i])
				start = i + 1
			}
		}
	}
	return []string{p} // unbalanced: left for the path check to refuse
}

// widen replaces each character class ([...], [^...]) with *, which
// matches any name the class and the star after it do, and more; a class
// followed by ** stays **. It reports whether it changed anything.
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

func tokens(p string) []token {
	var ts []token
	for i := 0; i < len(p); i++ {
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

// covers reports whether glob q matches every path glob p matches. It
// errs on the side of false: it only says true when each wildcard of p
// is absorbed by one of q that matches at least as much.
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
