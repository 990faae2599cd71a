package cil_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/cil"
)

var testdata = filepath.Join(testutil.RepoRoot(), "testdata")

// names are checked both by ValidateName and, in TestNamesAgreeWithSecilc,
// by libsepol itself.
var names = []struct {
	name  string
	valid bool
}{
	{"web", true},
	{"Web2", true},
	{"my-web", true},
	{"my_web", true},
	{"self", false},
	{"all", false},
	{"selfish", true},
	{"a", true},
	{strings.Repeat("a", cil.MaxNameLen), true},
	{strings.Repeat("a", cil.MaxNameLen+1), false},
	{"", false},
	{"9web", false},
	{"_web", false},
	{"-web", false},
	{"my.web", false},
	{"we b", false},
	{"web)", false},
	{"web(", false},
	{"web;", false},
	{`web"`, false},
	{"web\n(allow", false},
	{"we:b", false},
	{"web+1", false},
	{"wéb", false},
}

func TestValidateName(t *testing.T) {
	for _, tc := range names {
		err := cil.ValidateName(tc.name)
		if (err == nil) != tc.valid {
			t.Errorf("ValidateName(%.30q) = %v, want valid=%v", tc.name, err, tc.valid)
		}
		if err != nil && !errors.Is(err, cil.ErrInvalidName) {
			t.Errorf("ValidateName(%.30q) = %v, not ErrInvalidName", tc.name, err)
		}
	}
}

func TestValidateReference(t *testing.T) {
	for _, tc := range []struct {
		ref   string
		valid bool
	}{
		{"process", true},
		{"web.process", true},
		{"a.b.c", true},
		{".process", false},
		{"web.", false},
		{"web..process", false},
		{"web.pro cess", false},
		{"web.process)", false},
	} {
		if err := cil.ValidateReference(tc.ref); (err == nil) != tc.valid {
			t.Errorf("ValidateReference(%q) = %v, want valid=%v", tc.ref, err, tc.valid)
		}
	}
}

func sample() *cil.Module {
	return &cil.Module{
		Header: []string{"web.cil: written by confine for container web", ""},
		Name:   "web",
		Body: []cil.Statement{
			cil.BlockInherit("container"),
			cil.BlockInherit("restricted_net_container"),
			cil.Blank{},
			cil.Comment("capabilities"),
			cil.Allow{Source: "process", Target: "process", Class: "capability", Perms: []string{"net_bind_service", "chown", "chown"}},
			cil.Blank{},
			cil.Comment("mount /srv/www -> /www (ro)"),
			cil.Comment("a path with a newline\n(allow process shadow_t (file (read)))"),
			cil.Comment("bytes that are not UTF-8: \xff\xfe, and a real \ufffd"),
			cil.Allow{Source: "process", Target: "httpd_sys_content_t", Class: "dir", Perms: []string{"search", "read", "open", "getattr"}},
			cil.Allow{Source: "process", Target: "other.socket", Class: "sock_file", Perms: []string{"write"}},
		},
	}
}

func TestFormatGolden(t *testing.T) {
	got, err := cil.Format(sample())
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join(testdata, "cil", "sample.cil.golden"), got)
}

// TestFormatRefuses checks that every place a name goes refuses one that
// could inject policy, names the value, and writes nothing.
func TestFormatRefuses(t *testing.T) {
	const bad = "x (allow process shadow_t (file (read)))"
	for _, tc := range []struct {
		what   string
		module func(m *cil.Module)
		want   string
	}{
		{"block name", func(m *cil.Module) { m.Name = bad }, `block name: invalid CIL name "x (allow`},
		{"blockinherit", func(m *cil.Module) { m.Body[0] = cil.BlockInherit(bad) }, `block web, statement 1: blockinherit: invalid CIL name "x (allow`},
		{"target", func(m *cil.Module) {
			m.Body[4] = cil.Allow{Source: "process", Target: bad, Class: "file", Perms: []string{"read"}}
		}, `block web, statement 5: allow target: invalid CIL name "x (allow`},
		{"source", func(m *cil.Module) {
			m.Body[4] = cil.Allow{Source: "a;b", Target: "t", Class: "file", Perms: []string{"read"}}
		}, `block web, statement 5: allow source: invalid CIL name "a;b"`},
		{"class", func(m *cil.Module) {
			m.Body[4] = cil.Allow{Source: "process", Target: "t", Class: "file)", Perms: []string{"read"}}
		}, `block web, statement 5: allow class: invalid CIL name "file)"`},
		{"permission", func(m *cil.Module) {
			m.Body[4] = cil.Allow{Source: "process", Target: "t", Class: "file", Perms: []string{"read", `"write"`}}
		}, `block web, statement 5: allow process t (file) permission: invalid CIL name "\"write\""`},
		{"no permissions", func(m *cil.Module) { m.Body[4] = cil.Allow{Source: "process", Target: "t", Class: "file"} }, `block web, statement 5: allow process t (file): empty list of permissions`},
	} {
		t.Run(tc.what, func(t *testing.T) {
			m := sample()
			tc.module(m)
			out, err := cil.Format(m)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Format error = %v, want prefix %q", err, tc.want)
			}
			if out != nil {
				t.Errorf("Format returned %d bytes with its error", len(out))
			}
		})
	}
}

// FuzzFormat checks the property that makes the validation worth having:
// whatever the names and comments, a module that Format accepts has exactly
// the lines and statements its model has, so nothing was injected.
func FuzzFormat(f *testing.F) {
	f.Add("web", "httpd_sys_content_t", "file", "read", "mount /srv -> /srv")
	f.Add("web", "x (allow process shadow_t (file (read)))", "file", "read", "a\nb")
	f.Add("w", "a.b", "c", "d", "\x00\r\u0085;(")
	f.Fuzz(func(t *testing.T, name, target, class, perm, comment string) {
		m := &cil.Module{
			Header: []string{comment},
			Name:   name,
			Body: []cil.Statement{
				cil.Comment(comment),
				cil.BlockInherit(target),
				cil.Allow{Source: "process", Target: target, Class: class, Perms: []string{perm}},
			},
		}
		out, err := cil.Format(m)
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != 6 {
			t.Fatalf("%d lines, want 6:\n%s", len(lines), out)
		}
		depth, statements := 0, 0
		for _, line := range lines {
			if strings.HasPrefix(strings.TrimSpace(line), ";") {
				continue
			}
			for _, c := range line {
				switch c {
				case '(':
					if depth == 1 {
						statements++
					}
					depth++
				case ')':
					depth--
				case ';', '"':
					t.Fatalf("%q outside a comment:\n%s", c, out)
				}
			}
		}
		if depth != 0 || statements != 2 {
			t.Fatalf("depth %d, %d statements in the block, want 0 and 2:\n%s", depth, statements, out)
		}
	})
}

// TestNamesAgreeWithSecilc declares a type named after each test name,
// and checks that libsepol accepts exactly the names ValidateName accepts.
// (A type, not a block: a block's name is qualified into its members'
// names, which makes them longer than the name itself.)
func TestNamesAgreeWithSecilc(t *testing.T) {
	secilc := testutil.Tool(t, "secilc")
	base := filepath.Join(testdata, "policy", "mini-base.cil")
	dir := t.TempDir()
	for i, tc := range names {
		if strings.ContainsAny(tc.name, "()\n;\"") || tc.name == "" {
			continue // these change the statement itself, not its name
		}
		mod := filepath.Join(dir, "m.cil")
		text := fmt.Sprintf("(type %[1]s)\n(allow %[1]s %[1]s (file (read)))\n", tc.name)
		if err := os.WriteFile(mod, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(secilc, "-o", filepath.Join(dir, "policy"), "-f", os.DevNull, base, mod).CombinedOutput()
		if accepted := err == nil; accepted != tc.valid {
			t.Errorf("name %d %.30q: secilc accepted=%v, ValidateName valid=%v\n%s", i, tc.name, accepted, tc.valid, out)
		}
	}
}
