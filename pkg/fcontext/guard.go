package fcontext

import "strings"

// mayMatch is a quick test that rules out most regex entries for a key
// before their regex is compiled, which is most of what a lookup or an
// Under costs the first time. It reads the pattern from its start as far
// as it is made of the pieces most file_contexts patterns begin with:
// literal bytes, a class of literal bytes ("[mg]dm"), a group of literal
// alternatives ("(db|adm)"), each of them maybe optional ("s?bin",
// "(local/)?"), and "[^/]+" or "[^/]*" runs ended by a slash
// ("/home/[^/]+/\.cache(/.*)?"). It answers false only when key
// contradicts that part: a false answer is certain, a true one says
// nothing. With partial set, key stands for every key that starts with it.
func mayMatch(pattern, key string, partial bool) bool {
	if topLevelBar(pattern) {
		// A branch may start anywhere.
		return true
	}
	g := guard{pattern: pattern, key: key, partial: partial}
	return g.from(0, 0)
}

// maxBranches bounds how many ways one test follows, as each optional
// piece or alternative multiplies its work.
const maxBranches = 32

type guard struct {
	pattern, key string
	partial      bool
	branches     int
}

// from is mayMatch from position i of the pattern and j of the key.
func (g *guard) from(i, j int) bool {
	pattern, key := g.pattern, g.key
	for i < len(pattern) {
		if run := pattern[i:]; strings.HasPrefix(run, "[^/]+") || strings.HasPrefix(run, "[^/]*") {
			nonEmpty := run[4] == '+'
			i += len("[^/]+")
			// The run ends at the key's next slash only if a slash comes
			// next in the pattern, unrepeated.
			if i == len(pattern) || pattern[i] != '/' || i+1 < len(pattern) && isQuantifierStart(pattern[i+1]) {
				return true
			}
			n := strings.IndexByte(key[j:], '/')
			if n < 0 {
				return g.partial
			}
			if n == 0 && nonEmpty {
				return false
			}
			j += n
			continue
		}
		end, ok := pieceEnd(pattern, i)
		if !ok {
			return true
		}
		optional := false
		if end < len(pattern) && isQuantifierStart(pattern[end]) {
			// Only "?" alone: "??" is lazy, "?+" possessive, and the
			// other quantifiers repeat.
			if pattern[end] != '?' || end+1 < len(pattern) && isQuantifierStart(pattern[end+1]) {
				return true
			}
			optional = true
		}
		next := end
		if optional {
			next++
			if g.branch() || g.from(next, j) {
				return true
			}
		}
		if pattern[i] == '(' {
			// Each alternative, then the rest.
			for alt := range strings.SplitSeq(pattern[i+1:end-1], "|") {
				n, ended, ok := matchLiteral(alt, key[j:])
				switch {
				case !ok:
					continue
				case ended:
					if g.partial {
						return true
					}
				case g.branch() || g.from(next, j+n):
					return true
				}
			}
			return false
		}
		if j == len(key) {
			return g.partial
		}
		if !pieceTakes(pattern[i:end], key[j]) {
			return false
		}
		i, j = next, j+1
	}
	// Whether the end of the pattern may come here (before a final
	// newline too) is the regex's business.
	return true
}

// branch counts one more way followed, and reports when there are too
// many, which ends the test with "may match".
func (g *guard) branch() bool {
	g.branches++
	return g.branches > maxBranches
}

// pieceEnd reads the piece of pattern at i that mayMatch understands: a
// literal byte, an escaped punctuation byte, a class of literal bytes and
// ranges of letters or digits, or a group of literal alternatives. It
// returns where the piece ends.
func pieceEnd(pattern string, i int) (int, bool) {
	switch c := pattern[i]; {
	case c == '\\':
		return i + 2, i+1 < len(pattern) && isPunct(pattern[i+1])
	case plainByte.has(c):
		return i + 1, true
	case c == '[':
		for k := i + 1; k < len(pattern); k++ {
			switch b := pattern[k]; {
			case b == ']':
				return k + 1, k > i+1
			case b == '-':
				// Only between two letters or digits: a-z, 0-9.
				if k == i+1 || k+1 >= len(pattern) || !isAlnum(pattern[k-1]) || !isAlnum(pattern[k+1]) || pattern[k-1] > pattern[k+1] {
					return 0, false
				}
			case !plainByte.has(b):
				return 0, false
			}
		}
	case c == '(':
		for k := i + 1; k < len(pattern); k++ {
			switch b := pattern[k]; {
			case b == ')':
				return k + 1, true
			case b == '\\':
				// An escaped "|" would be taken for a separator.
				if k+1 == len(pattern) || !isPunct(pattern[k+1]) || pattern[k+1] == '|' {
					return 0, false
				}
				k++
			case b != '|' && !plainByte.has(b):
				// "(?", nested groups, classes, metacharacters.
				return 0, false
			}
		}
	}
	return 0, false
}

// pieceTakes reports whether a one-byte piece, a literal or a class, takes
// c.
func pieceTakes(piece string, c byte) bool {
	switch piece[0] {
	case '\\':
		return piece[1] == c
	case '[':
		members := piece[1 : len(piece)-1]
		for k := 0; k < len(members); k++ {
			if k+2 < len(members) && members[k+1] == '-' {
				if members[k] <= c && c <= members[k+2] {
					return true
				}
				k += 2
			} else if members[k] == c {
				return true
			}
		}
		return false
	}
	return piece[0] == c
}

// matchLiteral compares a group's alternative, literal bytes and escaped
// punctuation, with the start of key. It returns how many bytes of key
// agree, whether key ended before the alternative did, and false if a byte
// differs.
func matchLiteral(alt, key string) (n int, ended, ok bool) {
	for k := 0; k < len(alt); k++ {
		c := alt[k]
		if c == '\\' {
			k++
			c = alt[k]
		}
		if n == len(key) {
			return n, true, true
		}
		if key[n] != c {
			return n, false, false
		}
		n++
	}
	return n, false, true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// topLevelBar reports whether pattern may have a "|" outside any group,
// which makes it alternatives of its own. Every "|" must sit in a group of
// literal alternatives, the only groups mayMatch reads; a class or any
// other group may hide one, so they count as yes.
func topLevelBar(pattern string) bool {
	if strings.IndexByte(pattern, '|') < 0 {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '[', '|':
			return true
		case '(':
			end, ok := pieceEnd(pattern, i)
			if !ok {
				return true
			}
			i = end - 1
		}
	}
	return false
}
