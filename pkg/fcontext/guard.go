package fcontext

import "strings"

// mayMatch is a quick test that rules out most regex entries for a key
// before their regex is compiled, which is most of what a lookup or an
// Under costs the first time. It reads the pattern from its start as long
// as it is made of literal bytes and of "[^/]+" or "[^/]*" runs followed by
// a slash, which is how most file_contexts patterns begin
// ("/home/[^/]+/\.cache(/.*)?"), and answers false only when key
// contradicts that part: a false answer is certain, a true one says
// nothing. With partial set, key stands for every key that starts with it.
func mayMatch(pattern, key string, partial bool) bool {
	if strings.IndexByte(pattern, '|') >= 0 {
		// A branch may start anywhere.
		return true
	}
	return mayMatchFrom(pattern, 0, key, 0, partial, maxOptional)
}

// maxOptional bounds how many optional bytes ("s?" in "/usr/s?bin") one
// test follows both ways, as each doubles its work.
const maxOptional = 4

// mayMatchFrom is mayMatch from position i of the pattern and j of the key.
func mayMatchFrom(pattern string, i int, key string, j int, partial bool, optional int) bool {
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
				return partial
			}
			if n == 0 && nonEmpty {
				return false
			}
			j += n
			continue
		}
		c, width := pattern[i], 1
		switch {
		case c == '\\' && i+1 < len(pattern) && isPunct(pattern[i+1]):
			c, width = pattern[i+1], 2
		case !plainByte.has(c):
			return true
		}
		if next := i + width; next < len(pattern) && isQuantifierStart(pattern[next]) {
			// A byte that may be left out, followed by no other
			// quantifier ("s??" is lazy, "s?+" possessive): try both.
			if pattern[next] != '?' || next+1 < len(pattern) && isQuantifierStart(pattern[next+1]) || optional == 0 {
				return true
			}
			if mayMatchFrom(pattern, next+1, key, j, partial, optional-1) {
				return true
			}
			width++ // and on with the byte taken
		}
		if j == len(key) {
			return partial
		}
		if key[j] != c {
			return false
		}
		i += width
		j++
	}
	// Whether the end of the pattern may come here (before a final
	// newline too) is the regex's business.
	return true
}
