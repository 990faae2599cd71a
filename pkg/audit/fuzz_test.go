package audit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/secontext"
)

// FuzzParse reads any text. Beyond not panicking, every denial must
// carry what a policy rule needs (permissions sorted and each once, a
// class, contexts that pkg/secontext reads to the same types), point
// at a line of the input, and the counts must add up.
func FuzzParse(f *testing.F) {
	logs, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "audit", "*.log"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range logs {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
		for line := range strings.Lines(string(data)) {
			f.Add(line)
		}
	}
	f.Add("type=AVC msg=audit(1.2:3): avc:  denied  { read } for name=41 scontext=a:b:c tcontext=a:b:c:s0:c1 tclass=file\x1dUID=\"root\"")
	f.Fuzz(func(t *testing.T, data string) {
		l, err := Parse(strings.NewReader(data))
		if err != nil {
			t.Fatalf("Parse: %v", err) // no line of the input can reach MaxLine
		}
		lines := strings.Count(data, "\n")
		if !strings.HasSuffix(data, "\n") {
			lines++
		}
		records := 0
		for _, d := range l.Denials {
			if len(d.Perms) == 0 || !slices.IsSorted(d.Perms) || len(slices.Compact(slices.Clone(d.Perms))) != len(d.Perms) || slices.Contains(d.Perms, "") {
				t.Errorf("perms %q: want some, sorted, each once", d.Perms)
			}
			if d.Class == "" || d.SourceType == "" || d.TargetType == "" {
				t.Errorf("denial without class or types: %+v", d)
			}
			for _, c := range []struct{ ctx, typ string }{{d.Source, d.SourceType}, {d.Target, d.TargetType}} {
				if sc, err := secontext.Parse(c.ctx); err != nil || sc.Type != c.typ {
					t.Errorf("context %q, type %q: secontext reads %+v, %v", c.ctx, c.typ, sc, err)
				}
			}
			if d.Event != "AVC" && d.Event != "USER_AVC" {
				t.Errorf("event %q", d.Event)
			}
			if d.Line < 1 || d.Line > lines {
				t.Errorf("line %d outside 1..%d", d.Line, lines)
			}
			if d.Count < 1 || d.Port < 0 || d.Port > 65535 {
				t.Errorf("count %d, port %d", d.Count, d.Port)
			}
			records += d.Count
		}
		if records-len(l.Denials) != l.Duplicates {
			t.Errorf("%d records in %d denials, but %d duplicates", records, len(l.Denials), l.Duplicates)
		}
		for i, n := range l.Unreadable {
			if n < 1 || n > lines || i > 0 && n <= l.Unreadable[i-1] {
				t.Errorf("unreadable lines %v: want increasing, within 1..%d", l.Unreadable, lines)
				break
			}
		}
	})
}
