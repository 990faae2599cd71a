package cil

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors returned by the validators and by Format, wrapped with the name at
// fault and the place it was used.
var (
	// ErrInvalidName is returned when a name cannot be a CIL identifier:
	// empty, a reserved word, too long, not starting with a letter, or
	// holding a character other than letters, digits, '_' and '-'.
	ErrInvalidName = errors.New("invalid CIL name")
	// ErrEmptyList is returned when a rule has an empty list, such as an
	// allow rule without permissions, which CIL refuses.
	ErrEmptyList = errors.New("empty list")
)

// MaxNameLen is the longest name libsepol's CIL compiler accepts: its
// buffers hold 2048 bytes with the terminating NUL. A name declared in a
// block is qualified with the block's name, and the result must fit too.
const MaxNameLen = 2047

// A Module is one CIL file holding one block: the shape of every module
// confine writes.
type Module struct {
	// Header lines are written as comments above the block.
	Header []string
	// Name is the block's name; the container's domain is Name.process.
	Name string
	Body []Statement
}

// A Statement is one line of a block's body.
type Statement interface {
	statement()
}

// Comment is a comment line. Characters that would end the line are
// written escaped, so any text is safe here.
type Comment string

// Blank is an empty line that separates groups of statements.
type Blank struct{}

// BlockInherit copies a template block into the module's block.
type BlockInherit string

// Allow grants Source the permissions Perms on objects of class Class
// labelled Target. Perms are written sorted and without duplicates.
type Allow struct {
	Source, Target string
	Class          string
	Perms          []string
}

func (Comment) statement()      {}
func (Blank) statement()        {}
func (BlockInherit) statement() {}
func (Allow) statement()        {}

// ValidateName reports whether s can name a declaration in CIL: an ASCII
// letter followed by ASCII letters, digits, '_' or '-', as libsepol
// requires, and not one of the words it reserves ("self" and "all", which
// a type cannot be named).
func ValidateName(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidName)
	}
	if s == "self" || s == "all" {
		return fmt.Errorf("%w %q: a reserved word", ErrInvalidName, s)
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("%w %.40q...: longer than %d bytes", ErrInvalidName, s, MaxNameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if i == 0 && !letter {
			return fmt.Errorf("%w %q: must start with a letter", ErrInvalidName, s)
		}
		if !letter && !('0' <= c && c <= '9') && c != '_' && c != '-' {
			return fmt.Errorf("%w %q: character %q is not a letter, digit, '_' or '-'", ErrInvalidName, s, rune(c))
		}
	}
	return nil
}

// ValidateReference reports whether s can refer to a declaration: a name,
// or names joined by '.' to reach into a block (such as web.process).
func ValidateReference(s string) error {
	for part := range strings.SplitSeq(s, ".") {
		if err := ValidateName(part); err != nil {
			if part != s {
				return fmt.Errorf("in %q: %w", s, err)
			}
			return err
		}
	}
	return nil
}

// Format validates m and returns its CIL text. It returns an error, and no
// text, if any name in it is invalid, so a module is written whole or not
// at all.
func Format(m *Module) ([]byte, error) {
	if err := ValidateName(m.Name); err != nil {
		return nil, fmt.Errorf("block name: %w", err)
	}
	var b strings.Builder
	for _, h := range m.Header {
		writeComment(&b, "", h)
	}
	fmt.Fprintf(&b, "(block %s\n", m.Name)
	for i, s := range m.Body {
		if err := writeStatement(&b, s); err != nil {
			return nil, fmt.Errorf("block %s, statement %d: %w", m.Name, i+1, err)
		}
	}
	b.WriteString(")\n")
	return []byte(b.String()), nil
}

const indent = "    "

func writeStatement(b *strings.Builder, s Statement) error {
	switch s := s.(type) {
	case Comment:
		writeComment(b, indent, string(s))
	case Blank:
		b.WriteString("\n")
	case BlockInherit:
		if err := ValidateReference(string(s)); err != nil {
			return fmt.Errorf("blockinherit: %w", err)
		}
		fmt.Fprintf(b, "%s(blockinherit %s)\n", indent, s)
	case Allow:
		return writeAllow(b, s)
	default:
		return fmt.Errorf("unknown statement %T", s)
	}
	return nil
}

func writeAllow(b *strings.Builder, a Allow) error {
	for _, f := range []struct{ what, name string }{
		{"source", a.Source}, {"target", a.Target},
	} {
		if err := ValidateReference(f.name); err != nil {
			return fmt.Errorf("allow %s: %w", f.what, err)
		}
	}
	if err := ValidateName(a.Class); err != nil {
		return fmt.Errorf("allow class: %w", err)
	}
	if len(a.Perms) == 0 {
		return fmt.Errorf("allow %s %s (%s): %w of permissions", a.Source, a.Target, a.Class, ErrEmptyList)
	}
	perms := slices.Clone(a.Perms)
	slices.Sort(perms)
	perms = slices.Compact(perms)
	for _, p := range perms {
		if err := ValidateName(p); err != nil {
			return fmt.Errorf("allow %s %s (%s) permission: %w", a.Source, a.Target, a.Class, err)
		}
	}
	// One line of many in a module: written piece by piece, as fmt takes
	// longer than the rest of the writing.
	for _, s := range []string{indent, "(allow ", a.Source, " ", a.Target, " (", a.Class, " ("} {
		b.WriteString(s)
	}
	for i, p := range perms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	b.WriteString(")))\n")
	return nil
}

// writeComment writes text as one comment line. Control characters, which
// could end the line and let the rest be read as policy, are written as Go
// escapes; so are bytes that are not UTF-8, to keep the file valid text.
func writeComment(b *strings.Builder, prefix, text string) {
	b.WriteString(prefix)
	b.WriteString(";")
	if text != "" {
		b.WriteString(" ")
	}
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(b, `\x%02x`, text[0])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(text[:size])
		}
		text = text[size:]
	}
	b.WriteString("\n")
}
