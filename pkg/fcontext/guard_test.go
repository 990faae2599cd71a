package fcontext

import "testing"

func TestMayMatch(t *testing.T) {
	tests := []struct {
		pattern, key string
		partial      bool
		want         bool
	}{
		// Literal bytes, and escaped punctuation, must agree.
		{`/home/[^/]+/\.cache(/.*)?`, "/home/joe/.cache", false, true},
		{`/home/[^/]+/\.cache(/.*)?`, "/home/joe/.config", false, false},
		{`/home/[^/]+/\.cache(/.*)?`, "/home/joe/src", true, false},
		{`/home/[^/]+/\.cache(/.*)?`, "/home/joe/.ca", true, true},
		{`/home/[^/]+/\.cache(/.*)?`, "/home/jo", true, true},
		{`/home/[^/]+/\.cache(/.*)?`, "/home/jo", false, false},
		// "+" needs a byte before the slash, "*" does not.
		{`/home/[^/]+/x`, "/home//x", false, false},
		{`/home/[^/]*/x`, "/home//x", false, true},
		// Repeated bytes and runs, classes, groups, case folding.
		{`/var/lib/r?syslog`, "/var/lib/syslog", false, true},
		{`/a/[^/]+x/b`, "/a/yx/b", false, true},
		{`/a/b*c`, "/a/x", false, false},
		{`/a/b*c`, "/a/bbbc", false, true},
		{`/a/[^b]c`, "/a/bc", false, false},
		{`/a/(?i)b`, "/a/B", false, true},
		{`/a/(?i)b`, "/a/c", false, false},
		{`/a/(b(c))`, "/a/x", false, false},
		{`/a/(b(c|d))`, "/a/bd", false, true},
		{`/a/(b)+`, "/a/bb", false, true},
		{`/a/(b)+`, "/a/c", false, false},
		{`/a/.b`, "/a/xb", false, true},
		{`/a/\d{2,3}`, "/a/12", false, true},
		{`/a/\d{2,3}`, "/a/1", false, false},
		{`/a/\d{2,3}`, "/a/1234", false, false},
		// Classes of literal bytes and ranges.
		{`/var/lib/[mxkwg]dm(/.*)?`, "/var/lib/gdm", false, true},
		{`/var/lib/[mxkwg]dm(/.*)?`, "/var/lib/redis", false, false},
		{`/var/lib/[mxkwg]dm(/.*)?`, "/var/lib/dhcpd/", true, false},
		{`/var/lib/[a-c]x`, "/var/lib/bx", false, true},
		{`/var/lib/[a-c]x`, "/var/lib/dx", false, false},
		{`/v[a-c\-e]`, "/v-", false, true},
		{`/v[a-]`, "/vz", false, false},
		// Groups of alternatives, maybe optional.
		{`/var/(db|adm)/sudo`, "/var/adm/sudo", false, true},
		{`/var/(db|adm)/sudo`, "/var/x", false, false},
		{`/var/(db|adm)/sudo`, "/var/ad", true, true},
		{`/var/(db|adm)/sudo`, "/var/adx", true, false},
		{`/usr/(local/)?bin/ksu`, "/usr/bin/ksu", false, true},
		{`/usr/(local/)?bin/ksu`, "/usr/local/bin/ksu", false, true},
		{`/usr/(local/)?bin/ksu`, "/usr/share/nginx/html/", true, false},
		{`/var/cache/(open)?afs(/.*)?`, "/var/cache/nginx/", true, false},
		{`/a(\.b|c)d`, "/a.bd", false, true},
		{`/a(\.b|c)d`, "/abd", false, false},
		{`/a(|b)c`, "/ac", false, true},
		{`/a(b\|c)`, "/x", false, false},
		{`/a(b\|c)`, "/ab|c", false, true},
		{`/a/[^/]+/?b`, "/a/yb", false, true},
		{`/a/[^/]+`, "/a/b/c", false, false},
		{`/a/[^/]+`, "/a/b/c", true, false},
		{`/a/[^/]+`, "/a/bc", true, true},
		// An optional byte is tried both ways.
		{`/usr/s?bin/x`, "/usr/bin/x", false, true},
		{`/usr/s?bin/x`, "/usr/sbin/x", false, true},
		{`/usr/s?bin/x`, "/usr/share/x", false, false},
		{`/usr/s?bin/x`, "/usr/share", true, false},
		{`/usr/s?bin/x`, "/usr/s", true, true},
		{`/a/b??c`, "/a/x", false, false},
		{`/a?b?c?d?e?/x`, "//x", false, true},
		{`/a?b?c?d?e?/x`, "/ace/x", false, true},
		{`/a?b?c?d?e?/x`, "/x", false, false},
		{`/a?b?/x`, "/y", false, false},
		{`/\.?x`, "/.x", false, true},
		{`/\.?x`, "/x", false, true},
		{`/\.?x`, "/-x", false, false},
		// The end, and the assertions decided.
		{`/etc/x`, "/etc/x\n", false, true},
		{`/etc/x`, "/etc/xy", false, false},
		{`/etc/x`, "/etc/x/y", true, false},
		{`/etc/x\z`, "/etc/x\n", false, false},
		{`/a^b`, "/ab", false, false},
		{`/a\bb`, "/ab", false, true}, // \b is taken to hold
		// Past too many choices the test gives up.
		{`/.*a.*a.*a.*a.*a.*a.*a.*b`, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false, true},
		// A branch may start anywhere.
		{`/t/u|/zz`, "/t/zz", false, true},
		{`/a[(]b|/c`, "/c", false, true},
		{`/a(b)|/c`, "/c", false, true},
		{`/a(b|c)/d|/e`, "/e", false, true},
		// Runs of the key that the pattern contradicts early.
		{`/srv/[^/]+/www`, "/srv/a/b", true, false},
		{`/srv/[^/]+/www`, "/usr", false, false},
		{`/srv/[^/]+/www`, "/srv/a/www", false, true},
	}
	for _, tt := range tests {
		pieces, err := parsePattern(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := mayMatch(pieces, tt.key, tt.partial); got != tt.want {
			t.Errorf("mayMatch(%q, %q, %v) = %v, want %v", tt.pattern, tt.key, tt.partial, got, tt.want)
		}
		// The table itself must not want a false answer for a match.
		if re, err := goRegexp(tt.pattern); err != nil || !tt.want && re.MatchString(encodeKey(tt.key)) {
			t.Errorf("%q matches %q (%v): the test is wrong", tt.pattern, tt.key, err)
		}
	}
}

// FuzzMayMatch checks mayMatch against Go's regexp on the pattern's
// translation: it must never rule out a path the regex matches, nor a
// start of one.
func FuzzMayMatch(f *testing.F) {
	for _, s := range [][2]string{
		{`/home/[^/]+/\.cache(/.*)?`, "/home/joe/.cache/x"},
		{`/usr/s?bin/x`, "/usr/bin/x"},
		{`/var/lib/[mxkwg]dm(/.*)?`, "/var/lib/gdm"},
		{`/var/(db|adm)/sudo`, "/var/adm/sudo"},
		{`/usr/(local/)?bin/ksu`, "/usr/local/bin/ksu"},
		{`/a(\.b|c)?d`, "/a.bd"},
		{`/v[a-c\-e]x`, "/v-x"},
		{`/t/u|/zz`, "/zz"},
		{`/a(b(c|d)*)+\z`, "/abcdbd"},
		{`/x\d{2,3}$`, "/x123\n"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		if len(pattern) > 256 || len(path) > 256 {
			return
		}
		pieces, err := parsePattern(pattern)
		if err != nil {
			return
		}
		re, err := goRegexp(pattern)
		if err != nil || !re.MatchString(encodeKey(path)) {
			return
		}
		if !mayMatch(pieces, path, false) {
			t.Errorf("%q matches %q, but mayMatch rules it out", pattern, path)
		}
		for n := range len(path) {
			if !mayMatch(pieces, path[:n], true) {
				t.Errorf("%q matches %q, but mayMatch rules out every path starting with %q", pattern, path, path[:n])
			}
		}
	})
}
