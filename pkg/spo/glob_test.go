package spo

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"/etc/passwd", []string{"/etc/passwd"}},
		{"/dev/{null,zero}", []string{"/dev/null", "/dev/zero"}},
		{"/a{b,c}{d,e}", []string{"/abd", "/abe", "/acd", "/ace"}},
		{"/a{b,c{d,e}}", []string{"/ab", "/acd", "/ace"}},
		{"/dev/{,pts/}", []string{"/dev/", "/dev/pts/"}},
		// A glob that starts a name matches one character at least, but
		// not inside braces: /dir{,/**} matches /dir/ as well.
		{"/dir{,/**}", []string{"/dir", "/dir/", "/dir/**"}},
		{"/b{/c/*,/d}", []string{"/b/c/", "/b/c/*", "/b/d"}},
		{"/a/{x,}*", []string{"/a/x*", "/a/", "/a/*"}},
		{"/dir/**", []string{"/dir/**"}},
		{"/a/{*,x}", []string{"/a/", "/a/*", "/a/x"}},
		// Not a name's start: a star after a letter may match nothing
		// either way.
		{"/a{b*,c}", []string{"/ab*", "/ac"}},
		// A variable is not an alternation.
		{"@{PROC}/{1,2}", []string{"@{PROC}/1", "@{PROC}/2"}},
		{"/x/@{pid}/{a,b}", []string{"/x/@{pid}/a", "/x/@{pid}/b"}},
		// Unbalanced: left as it is, for the path check to refuse.
		{"/a{b,c", []string{"/a{b,c"}},
	} {
		if got := expand(tc.pattern); !slices.Equal(got, tc.want) {
			t.Errorf("expand(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

func TestWiden(t *testing.T) {
	for _, tc := range []struct {
		pattern, want string
		widened       bool
	}{
		{"/etc/passwd", "/etc/passwd", false},
		{"/dev/pts/[0-9]*", "/dev/pts/*", true},
		{"/[^dps]*", "/*", true},
		{"/dev/sd[a-z]", "/dev/sd*", true},
		{"/proc/sys/[^k]**", "/proc/sys/**", true},
		{"/x/[]a]y", "/x/*y", true}, // a ']' first belongs to the class
		{"/x/[^]a]*", "/x/*", true},
		{"/a[0-9]/b[xy]*/c", "/a*/b*/c", true},
	} {
		got, widened := widen(tc.pattern)
		if got != tc.want || widened != tc.widened {
			t.Errorf("widen(%q) = %q, %v; want %q, %v", tc.pattern, got, widened, tc.want, tc.widened)
		}
	}
}

func TestCovers(t *testing.T) {
	for _, tc := range []struct {
		q, p string
		want bool
	}{
		{"/a", "/a", true},
		{"/a", "/b", false},
		{"/*", "/data", true},
		{"/*", "/", false}, // a star that starts a name matches a character at least
		{"/*", "/d?*", true},
		{"/*", "/data/", false},
		{"/*/", "/data/", true},
		{"/*/**", "/data/x/y", true},
		{"/*/**", "/data/", false},
		{"/*/**", "/proc/*/**", true},
		{"/**", "/*/**", true},
		{"/**", "/", false},
		{"/a*", "/a", true},
		{"/a*", "/ab/c", false},
		{"/a/?", "/a/b", true},
		{"/a/?", "/a/*", false},
		{"/a/?", "/a/", false},
		{"/a/*", "/a/?", true},
		{"/a/*", "/a/**", false},
		{"/a/**", "/a/*", true},
		{"/a/*/c", "/a/b/c", true},
		{"/a/*/c", "/a/b/d/c", false},
		{"/a/**/c", "/a/b/d/c", true},
		{"/dev/pts/*", "/dev/pts/", false},
	} {
		if got := covers(tc.q, tc.p); got != tc.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tc.q, tc.p, got, tc.want)
		}
	}
}

func TestPrune(t *testing.T) {
	for _, tc := range []struct {
		paths, want []string
	}{
		{nil, nil},
		{[]string{"/b", "/a", "/b"}, []string{"/a", "/b"}},
		{[]string{"/data", "/data/", "/data/**", "/*", "/*/", "/*/**"}, []string{"/*", "/*/", "/*/**"}},
		{[]string{"/", "/dev/", "/*/**"}, []string{"/", "/*/**", "/dev/"}},
		{[]string{"/proc/*/**", "/proc/1/x", "/proc/sys/kernel/shm*"}, []string{"/proc/*/**"}},
		{[]string{"/a/**", "/a/*", "/a/?"}, []string{"/a/**"}},
	} {
		if got := prune(tc.paths); !slices.Equal(got, tc.want) {
			t.Errorf("prune(%q) = %q, want %q", tc.paths, got, tc.want)
		}
	}
}

// probes are paths to match patterns against: names at the top and
// below, directories with their slash, and what a glob must not reach.
var probes = []string{
	"/", "/a", "/a/", "/a/x", "/a/x/", "/a/x/y", "/ab", "/ab/", "/ab/c",
	"/b", "/b/", "/b/c", "/b/c/", "/b/c/d", "/b/d", "/b/d/e",
	"/d", "/de", "/dev", "/dev/", "/dev/null", "/dev/pts/", "/dev/pts/0", "/devx",
	"/dir", "/dir/", "/dir/x", "/dir/x/y", "/dirx",
	"/p", "/proc", "/proc/", "/proc/1", "/proc/1/x", "/proc/sys/kernel/shmmax", "/procx",
	"/s", "/sys", "/sys/", "/sys/fs/cgroup/x", "/sysx", "/x/1", "/x/9/y",
}

// parserRegexes returns the regular expression apparmor_parser compiles
// each of patterns to (its -D rule-exprs dump), anchored, for Go to
// match paths with: what a pattern matches in the kernel.
func parserRegexes(t *testing.T, patterns []string) map[string]*regexp.Regexp {
	t.Helper()
	parser := testutil.Tool(t, "apparmor_parser")
	var text strings.Builder
	text.WriteString("profile spo-glob-test {\n")
	for _, p := range patterns {
		text.WriteString("  " + p + " r,\n")
	}
	text.WriteString("}\n")
	file := t.TempDir() + "/profile"
	if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(parser, "-Q", "-K", "-q", "-D", "rule-exprs", file).CombinedOutput()
	if err != nil {
		t.Fatalf("apparmor_parser: %v\n%s", err, out)
	}
	res := map[string]*regexp.Regexp{}
	for _, line := range strings.Split(string(out), "\n") {
		pattern, regex, ok := strings.Cut(strings.TrimPrefix(line, "aare: "), "   ->   ")
		if !ok || !strings.HasPrefix(line, "aare: ") {
			continue
		}
		re, err := regexp.Compile("^(?:" + regex + ")$")
		if err != nil {
			t.Fatalf("the parser's regex %q of %s: %v", regex, pattern, err)
		}
		res[pattern] = re
	}
	for _, p := range patterns {
		if res[p] == nil {
			t.Fatalf("apparmor_parser printed no regex of %s:\n%s", p, out)
		}
	}
	return res
}

// TestAsParser checks expand, widen and covers against what
// apparmor_parser makes of the patterns: an expansion matches exactly
// what its pattern does, a widened pattern at least that, and a pattern
// said to cover another matches whatever that one does.
func TestAsParser(t *testing.T) {
	patterns := []string{"/dir{,/**}", "/b{/c/*,/d}", "/a/{x,}*", "/a/{*,x}", "/dev/{null,pts/}", "/a{b*,c}",
		"/{[^dps]*,d,d[^e]*,de,de[^v]*,dev?*,p,p[^r]*,pr,pr[^o]*,pro,pro[^c]*,proc?*,s,s[^y]*,sy,sy[^s]*,sys?*}{,/**}",
		"/dev/pts/[0-9]*", "/proc/[1-9]*/**", "/x/[1-9]*/**"}
	all := slices.Clone(patterns)
	expansions := map[string][]string{}
	for _, p := range patterns {
		for _, e := range expand(p) {
			w, _ := widen(e)
			expansions[p] = append(expansions[p], e)
			all = append(all, e, w)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	re := parserRegexes(t, all)
	for _, p := range patterns {
		for _, probe := range probes {
			want := re[p].MatchString(probe)
			got, widened := false, false
			for _, e := range expansions[p] {
				w, _ := widen(e)
				got = got || re[e].MatchString(probe)
				widened = widened || re[w].MatchString(probe)
			}
			if got != want {
				t.Errorf("%s matches %s: %v; its expansions %q: %v", p, probe, want, expansions[p], got)
			}
			if want && !widened {
				t.Errorf("%s matches %s, but none of its widened expansions does", p, probe)
			}
		}
	}
	for _, q := range all {
		for _, p := range all {
			if strings.ContainsAny(q+p, "{[") || !covers(q, p) {
				continue
			}
			for _, probe := range probes {
				if re[p].MatchString(probe) && !re[q].MatchString(probe) {
					t.Errorf("covers(%q, %q), but %s matches only the second", q, p, probe)
				}
			}
		}
	}
}
