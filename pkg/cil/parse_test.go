package cil_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/templates"
)

// show writes expressions back as one line each, so a test can compare
// what Parse read with what it should have read.
func show(es []cil.Expr) string {
	var b strings.Builder
	var write func(e cil.Expr)
	write = func(e cil.Expr) {
		if !e.IsList {
			b.WriteString(e.Atom)
			return
		}
		b.WriteByte('(')
		for i, x := range e.List {
			if i > 0 {
				b.WriteByte(' ')
			}
			write(x)
		}
		b.WriteByte(')')
	}
	for _, e := range es {
		write(e)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
		lines            []int // of the top-level expressions
	}{
		{"empty", "", "", nil},
		{"comments only", "; a\n;b\n", "", nil},
		{"one block", "(block web (blockinherit container))", "(block web (blockinherit container))\n", []int{1}},
		{"comments and lines", "; head\n(block web\n  ; inside\n  (allow process self (file (read))) ; after\n)\n(type t)\n",
			"(block web (allow process self (file (read))))\n(type t)\n", []int{2, 6}},
		{"string", `(filecon "/srv/a b(" file ())`, "(filecon /srv/a b( file ())\n", []int{1}},
		{"empty list", "()", "()\n", []int{1}},
		{"atoms at top", "a b", "a\nb\n", []int{1, 1}},
		{"tabs and crlf", "(a\r\n\tb)", "(a b)\n", []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cil.Parse([]byte(tc.text))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s := show(got); s != tc.want {
				t.Errorf("Parse read\n%s\nwant\n%s", s, tc.want)
			}
			for i, e := range got {
				if i < len(tc.lines) && e.Line != tc.lines[i] {
					t.Errorf("expression %d on line %d, want %d", i, e.Line, tc.lines[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"(block web", "line 1: CIL syntax error: ( without a matching )"},
		{"(a)\n)", "line 2: CIL syntax error: unexpected )"},
		{"(a\n \"open", "line 2: CIL syntax error: unterminated string"},
		{strings.Repeat("(", 2000) + strings.Repeat(")", 2000), "line 1: CIL syntax error: nested deeper than 1024 lists"},
	} {
		_, err := cil.Parse([]byte(tc.text))
		if err == nil || err.Error() != tc.want || !errors.Is(err, cil.ErrSyntax) {
			t.Errorf("Parse(%.20q) = %v, want %q", tc.text, err, tc.want)
		}
	}
}

// TestParseWritten reads back what Format writes and confine's own
// templates: every block statement must come out whole, with its name.
func TestParseWritten(t *testing.T) {
	text, err := cil.Format(&cil.Module{
		Header: []string{"a (tricky) comment; with \"quotes\""},
		Name:   "web",
		Body: []cil.Statement{
			cil.Comment("mount /srv/(x) -> /data"),
			cil.BlockInherit("container"),
			cil.Allow{Source: "process", Target: "var_t", Class: "dir", Perms: []string{"read", "search"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cil.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if want := "(block web (blockinherit container) (allow process var_t (dir (read search))))\n"; show(got) != want {
		t.Errorf("Parse(Format(...)) read\n%s\nwant\n%s", show(got), want)
	}

	for _, name := range templates.Files() {
		data, err := templates.Data(name)
		if err != nil {
			t.Fatal(err)
		}
		top, err := cil.Parse(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, e := range top {
			if e.Head() != "block" || len(e.List) < 2 || e.List[1].IsList {
				t.Errorf("%s:%d: a top-level statement that is not a named block: %s", name, e.Line, show([]cil.Expr{e}))
			}
		}
	}
	sample, err := os.ReadFile(filepath.Join(testdata, "cil", "sample.cil.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if top, err := cil.Parse(sample); err != nil || len(top) != 1 || top[0].Head() != "block" {
		t.Errorf("sample.cil.golden: %d top-level statements, %v; want one block", len(top), err)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"(block web (blockinherit container))", "; x\n(a \"b\" (c))", "((", "))", "\"", "(a;b\n)"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		es, err := cil.Parse(text)
		if err != nil {
			if !errors.Is(err, cil.ErrSyntax) {
				t.Fatalf("error %v is not ErrSyntax", err)
			}
			return
		}
		// What Parse read, written back, reads the same.
		again, err := cil.Parse([]byte(show(es)))
		if err != nil && !strings.ContainsAny(string(text), "\"") {
			t.Fatalf("re-parsing %q: %v", show(es), err)
		}
		if err == nil && !strings.ContainsAny(string(text), "\"") && show(again) != show(es) {
			t.Fatalf("re-parsing changed %q to %q", show(es), show(again))
		}
	})
}

func TestInherited(t *testing.T) {
	top, err := cil.Parse([]byte("(block web\n    (blockinherit container)\n    (optional o\n        (blockinherit net_container))\n    (blockinherit (bad))\n)\n(blockinherit top)\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range cil.Inherited(top) {
		got = append(got, fmt.Sprintf("%s:%d", e.Atom, e.Line))
	}
	if want := []string{"container:2", "net_container:4", "top:7"}; !slices.Equal(got, want) {
		t.Errorf("Inherited = %q, want %q", got, want)
	}
}
