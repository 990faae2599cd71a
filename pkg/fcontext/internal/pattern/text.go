package pattern

import "strings"

// metaChars are the bytes that make a pattern a regex for libselinux,
// both to find its stem and to rank its entry.
const metaChars = ".^$?*+|[({"

// HasMeta is libselinux's spec_hasMetaChars: whether src has a
// metacharacter that no backslash escapes. It reads bytes, not PCRE2's
// syntax: the "{" of "\x{2e}" counts, and so does the "." of "\Q.\E".
func HasMeta(src string) bool {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++
		case strings.IndexByte(metaChars, c) >= 0:
			return true
		}
	}
	return false
}

// Stem is libselinux's get_stem_from_spec: src up to its second slash,
// if that part has no metacharacter, else "". A backslash is no
// metacharacter here, so "/a\-b/c" has the stem "/a\-b", which no path
// has: such an entry never matches.
func Stem(src string) string {
	if src == "" {
		return ""
	}
	i := strings.IndexByte(src[1:], '/')
	if i < 0 {
		return ""
	}
	stem := src[:i+1]
	if strings.ContainsAny(stem, metaChars) {
		return ""
	}
	return stem
}
