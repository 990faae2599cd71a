package cil

import (
	"errors"
	"fmt"
)

// ErrSyntax is returned by Parse for text that is not CIL's
// s-expressions, wrapped with the line at fault.
var ErrSyntax = errors.New("CIL syntax error")

// An Expr is one CIL expression as Parse reads it: an atom (a name, a
// number, a quoted string without its quotes) or a parenthesised list.
type Expr struct {
	// Atom is the atom's text; empty for a list.
	Atom string
	// List holds a list's expressions; nil for an atom.
	List []Expr
	// Line is the line the expression starts on, from 1.
	Line int
	// IsList tells a list, even an empty one, from an atom.
	IsList bool
}

// Head returns the first atom of a list, the statement's keyword, or ""
// when the expression is an atom or does not start with one.
func (e Expr) Head() string {
	if !e.IsList || len(e.List) == 0 || e.List[0].IsList {
		return ""
	}
	return e.List[0].Atom
}

// maxDepth bounds the nesting Parse accepts, so that hostile input cannot
// exhaust the stack; libsepol's own parser stops at a similar depth.
const maxDepth = 1024

// Parse reads CIL text into its top-level expressions, dropping comments.
// It only reads the syntax: whether the statements mean anything is for
// the compiler to say.
func Parse(text []byte) ([]Expr, error) {
	p := parser{text: text, line: 1}
	var top []Expr
	for {
		p.space()
		if p.pos == len(p.text) {
			return top, nil
		}
		e, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		top = append(top, e)
	}
}

type parser struct {
	text []byte
	pos  int
	line int
}

func (p *parser) fail(format string, args ...any) error {
	return fmt.Errorf("line %d: %w: %s", p.line, ErrSyntax, fmt.Sprintf(format, args...))
}

// space skips white space and comments, counting lines.
func (p *parser) space() {
	for p.pos < len(p.text) {
		switch c := p.text[p.pos]; {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == ';':
			for p.pos < len(p.text) && p.text[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *parser) expr(depth int) (Expr, error) {
	start := p.line
	switch c := p.text[p.pos]; c {
	case ')':
		return Expr{}, p.fail("unexpected )")
	case '(':
		if depth == maxDepth {
			return Expr{}, p.fail("nested deeper than %d lists", maxDepth)
		}
		p.pos++
		list := Expr{IsList: true, Line: start, List: []Expr{}}
		for {
			p.space()
			if p.pos == len(p.text) {
				return Expr{}, fmt.Errorf("line %d: %w: ( without a matching )", start, ErrSyntax)
			}
			if p.text[p.pos] == ')' {
				p.pos++
				return list, nil
			}
			e, err := p.expr(depth + 1)
			if err != nil {
				return Expr{}, err
			}
			list.List = append(list.List, e)
		}
	case '"':
		p.pos++
		from := p.pos
		for p.pos < len(p.text) && p.text[p.pos] != '"' {
			if p.text[p.pos] == '\n' {
				p.line++
			}
			p.pos++
		}
		if p.pos == len(p.text) {
			return Expr{}, fmt.Errorf("line %d: %w: unterminated string", start, ErrSyntax)
		}
		p.pos++
		return Expr{Atom: string(p.text[from : p.pos-1]), Line: start}, nil
	}
	from := p.pos
	for p.pos < len(p.text) {
		c := p.text[p.pos]
		if c == '(' || c == ')' || c == ';' || c == '"' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			break
		}
		p.pos++
	}
	return Expr{Atom: string(p.text[from:p.pos]), Line: start}, nil
}

// Inherited returns the blocks the blockinherit statements in es and
// below name, with the line of each statement, in order: the templates a
// module needs.
func Inherited(es []Expr) []Expr {
	var out []Expr
	for _, e := range es {
		if e.Head() == "blockinherit" && len(e.List) == 2 && !e.List[1].IsList {
			out = append(out, Expr{Atom: e.List[1].Atom, Line: e.Line})
		}
		if e.IsList {
			out = append(out, Inherited(e.List)...)
		}
	}
	return out
}
