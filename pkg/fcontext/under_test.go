package fcontext

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

func TestUnder(t *testing.T) {
	c, _, err := Load(filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "under"))
	if err != nil {
		t.Fatal(err)
	}
	all := func(except ...string) []string {
		var ps []string
		for i := range c.t.entries {
			if p := c.t.entries[i].pattern; !slices.Contains(except, p) {
				ps = append(ps, p)
			}
		}
		return ps
	}
	tests := []struct {
		dir  string
		want []string
	}{
		{"/var/lib", []string{
			// /var/lib(/.*)? matches everything below and wins over
			// /.* and /var/.*, read before it: they never win there.
			`/var/lib(/.*)?`,
			`/var/lib/`, // the path "/var/lib/\n" is its key as it is
			`/var/lib/x`, `/var/l[aeiou]b/y`, `/var/lib/z\z`,
			`/var/lib/bad(?=x)`, // cannot be evaluated: kept, by its literal prefix
		}},
		{"/var", []string{
			`/.*`,
			`/[^/]+`, // a file /var/run is looked up as /run
			`/var/.*`, `/var/lib(/.*)?`, `/var/lib64(/.*)?`, `/var/lib/`, `/var/lib/x`,
			`/(var|srv)/www(/.*)?`, `/var/l[aeiou]b/y`,
			`/var/lib\z`, // "/var/lib" is below /var
			`/var/lib/z\z`,
			`/run/.*`, `/run`, // /var/run is an alias of /run
			`/var/lib/bad(?=x)`,
		}},
		{"/var/run", []string{`/run/.*`}}, // all of it is /run's, and /run/.* shadows /.*
		{"/srv", []string{
			`/.*`, `/var/.*`, `/var/lib(/.*)?`, `/var/lib/`, `/var/lib/x`, // /srv/alias is an alias of /var/lib
			`/(var|srv)/www(/.*)?`, `/srv/([^/]*/)?ftp(/.*)?`,
			`/var/l[aeiou]b/y`, `/var/lib\z`, `/var/lib/z\z`, `/var/lib/bad(?=x)`,
		}},
		{"/usr/x", []string{`/.*`, `/usr/a|/lib/b`}}, // "/usr/x/lib/b" matches the second branch
		{"/usr", []string{`/.*`, `/usr/a|/lib/b`}},
		{"/home", []string{`/.*`, `/home/[^/]+`, `/home/[^/]+/.+`}},
		{"/home/joe/", []string{`/home/[^/]+/.+`}}, // a regex that covers all below, too
		{"//home//joe", []string{`/home/[^/]+/.+`}},
		{"/opt", []string{`/.*`, `/opt/(?=x)`}},
		{"/", all(`/x\-y/z`, `/var/lib/ctx`)}, // one never matches, one has no context
	}
	for _, tt := range tests {
		ms, err := c.Under(tt.dir)
		if err != nil {
			t.Errorf("Under(%q): %v", tt.dir, err)
			continue
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Pattern)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Under(%q) =\n\t%q\nwant\n\t%q", tt.dir, got, tt.want)
		}
	}
	if _, err := c.Under(""); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("Under(\"\"): %v, want ErrInvalidPath", err)
	}
}

// TestUnderNeverMisses checks, on real policies, that whatever entry wins
// for a path is among those Under gives for every directory above it.
func TestUnderNeverMisses(t *testing.T) {
	policies := []struct {
		name string
		dir  func(*testing.T) string
	}{
		{"debian", func(t *testing.T) string {
			return filepath.Dir(testutil.File(t, "/etc/selinux/default/contexts/files/file_contexts"))
		}},
		{"fedora-41", func(t *testing.T) string { return testutil.Shared(t, "policy/fedora-41") }},
	}
	for _, p := range policies {
		t.Run(p.name, func(t *testing.T) {
			c, _, err := Load(p.dir(t))
			if err != nil {
				t.Fatal(err)
			}
			_, paths := testPaths(c, 2)
			under := map[string]map[Source]bool{}
			checked := 0
			for _, path := range paths {
				var winners []Match
				for ft := range modes {
					if m, err := c.Lookup(path, FileType(ft)); err == nil {
						winners = append(winners, m)
					}
				}
				for _, dir := range ancestors(path, 3) {
					if under[dir] == nil {
						ms, err := c.Under(dir)
						if err != nil {
							t.Fatalf("Under(%q): %v", dir, err)
						}
						under[dir] = map[Source]bool{}
						for _, m := range ms {
							under[dir][m.Source] = true
						}
					}
					for _, m := range winners {
						checked++
						if !under[dir][m.Source] {
							t.Errorf("Lookup(%q, %q) gives %s (%q), which Under(%q) misses", path, m.FileType, m.Source, m.Pattern, dir)
						}
					}
				}
			}
			t.Logf("%d lookups below %d directories", checked, len(under))
		})
	}
}

// ancestors gives the directories strictly above path, as cleaned keys,
// down to depth components below "/"; none when the path is not below
// one, such as "rel".
func ancestors(path string, depth int) []string {
	key, err := cleanKey(path)
	if err != nil || !strings.HasPrefix(key, "/") || key == "/" {
		return nil
	}
	dirs := []string{"/"}
	for i := 1; i < len(key) && len(dirs) <= depth; i++ {
		if key[i] == '/' {
			dirs = append(dirs, key[:i])
		}
	}
	return dirs
}

// TestUnderVersusUdica shows, for Fedora 41, the types a container meets
// under four mounts by Under's rule and by udica's: every entry whose
// pattern's text starts with the mount path.
func TestUnderVersusUdica(t *testing.T) {
	dir := testutil.Shared(t, "policy/fedora-41")
	c, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# Types under a mount of Fedora 41's file_contexts (with .homedirs):\n")
	fmt.Fprintf(&out, "# Under's, from entries that can match a path below it, versus udica's,\n")
	fmt.Fprintf(&out, "# from entries whose pattern's text starts with the mount path.\n")
	for _, mount := range []string{"/var", "/var/spool", "/srv", "/home"} {
		ours, err := c.Under(mount)
		if err != nil {
			t.Fatal(err)
		}
		theirs := udicaRule(c, mount)
		ourTypes, theirTypes := typesOf(ours), typesOf(theirs)
		fmt.Fprintf(&out, "\n== %s\n", mount)
		fmt.Fprintf(&out, "Under: %d types from %d entries\n", len(ourTypes), len(ours))
		fmt.Fprintf(&out, "udica: %d types from %d entries\n", len(theirTypes), len(theirs))
		writeTypes(&out, "only Under", ourTypes, theirTypes)
		writeTypes(&out, "only udica", theirTypes, ourTypes)
		var both []string
		for _, ty := range sortedKeys(ourTypes) {
			if theirTypes[ty] != nil {
				both = append(both, ty)
			}
		}
		fmt.Fprintf(&out, "both (%d):\n", len(both))
		for len(both) > 0 {
			n := min(6, len(both))
			fmt.Fprintf(&out, "  %s\n", strings.Join(both[:n], " "))
			both = both[n:]
		}
		writeEntries(&out, "entries only Under", ours, theirs)
		writeEntries(&out, "entries only udica", theirs, ours)
	}
	testutil.Golden(t, filepath.Join(testutil.RepoRoot(), "testdata", "fcontext", "under-udica.golden"), out.Bytes())
}

// TestUdicaRule checks udicaRule against the counts measured with udica
// itself on Debian's refpolicy (../shared/reference/udica.md).
func TestUdicaRule(t *testing.T) {
	c, _, err := Load(filepath.Dir(testutil.File(t, "/etc/selinux/default/contexts/files/file_contexts")))
	if err != nil {
		t.Fatal(err)
	}
	for mount, want := range map[string]int{"/var": 493, "/var/lib": 203, "/opt": 25, "/var/lib/mysql": 2} {
		if got := len(typesOf(udicaRule(c, mount))); got != want {
			t.Errorf("udica's rule gives %d types under %s, udica %d", got, mount, want)
		}
	}
}

// udicaRule lists the entries udica's list_contexts takes for a mount:
// those whose pattern's text starts with the mount path, labelled.
func udicaRule(c *Contexts, mount string) []Match {
	var ms []Match
	for k := range c.t.entries {
		if strings.HasPrefix(c.t.entries[k].pattern, mount) {
			if m, err := c.t.match(k); err == nil && !m.NoLabel {
				ms = append(ms, m)
			}
		}
	}
	return ms
}

// typesOf gives the types of matches, each with the first entry that has
// it; entries without a label have none.
func typesOf(ms []Match) map[string]*Match {
	types := map[string]*Match{}
	for i := range ms {
		if !ms[i].NoLabel && types[ms[i].Context.Type] == nil {
			types[ms[i].Context.Type] = &ms[i]
		}
	}
	return types
}

func sortedKeys(m map[string]*Match) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeTypes lists the types in a that are not in b, each with an entry
// that brings it.
func writeTypes(out *bytes.Buffer, title string, a, b map[string]*Match) {
	var only []string
	for _, ty := range sortedKeys(a) {
		if b[ty] == nil {
			only = append(only, ty)
		}
	}
	fmt.Fprintf(out, "%s (%d):\n", title, len(only))
	for _, ty := range only {
		m := a[ty]
		fmt.Fprintf(out, "  %-32s %s:%d %s %s\n", ty, filepath.Base(m.Source.File), m.Source.Line, m.Pattern, m.FileType)
	}
}

// writeEntries lists the labelled entries in a that are not in b.
func writeEntries(out *bytes.Buffer, title string, a, b []Match) {
	in := map[Source]bool{}
	for _, m := range b {
		in[m.Source] = true
	}
	var only []Match
	for _, m := range a {
		if !in[m.Source] && !m.NoLabel {
			only = append(only, m)
		}
	}
	fmt.Fprintf(out, "%s (%d):\n", title, len(only))
	for _, m := range only {
		fmt.Fprintf(out, "  %s:%d %s %s %s\n", filepath.Base(m.Source.File), m.Source.Line, m.Pattern, m.FileType, m.Context.Type)
	}
}
