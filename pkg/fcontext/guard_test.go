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
		// A repeated byte or run, a class or a group ends what is read.
		{`/var/lib/r?syslog`, "/var/lib/syslog", false, true},
		{`/var/lib/[mxk]dm`, "/var/lib/redis", false, true},
		{`/var/(db|adm)/sudo`, "/var/x", false, true},
		{`/a/[^/]+x/b`, "/a/yx/b", false, true},
		{`/a/[^/]+/?b`, "/a/yb", false, true},
		{`/a/[^/]+`, "/a/b/c", false, true},
		// An optional byte is tried both ways.
		{`/usr/s?bin/x`, "/usr/bin/x", false, true},
		{`/usr/s?bin/x`, "/usr/sbin/x", false, true},
		{`/usr/s?bin/x`, "/usr/share/x", false, false},
		{`/usr/s?bin/x`, "/usr/share", true, false},
		{`/usr/s?bin/x`, "/usr/s", true, true},
		{`/a/b??c`, "/a/x", false, true},
		{`/a?b?c?d?e?/x`, "/x", false, true},
		{`/a?b?/x`, "/y", false, false},
		{`/\.?x`, "/.x", false, true},
		{`/\.?x`, "/x", false, true},
		{`/\.?x`, "/-x", false, false},
		// A branch may start anywhere.
		{`/t/u|/zz`, "/t/zz", false, true},
		// Runs of the key that the pattern contradicts early.
		{`/srv/[^/]+/www`, "/srv/a/b", true, false},
		{`/srv/[^/]+/www`, "/usr", false, false},
		{`/srv/[^/]+/www`, "/srv/a/www", false, true},
	}
	for _, tt := range tests {
		if got := mayMatch(tt.pattern, tt.key, tt.partial); got != tt.want {
			t.Errorf("mayMatch(%q, %q, %v) = %v, want %v", tt.pattern, tt.key, tt.partial, got, tt.want)
		}
	}
}
