package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the length, in bytes and without the end of line, of the
// longest line Parse reads.
const MaxLine = 1 << 20

var (
	// ErrLineTooLong is returned when a line of the input is longer than
	// MaxLine bytes.
	ErrLineTooLong = errors.New("longer than 1 MiB")
)

// A Log is what Parse found in a text.
type Log struct {
	// Denials are the denied accesses, in the order of their first
	// record; records of the same access are merged (see Denial.Count).
	Denials []Denial
	// Granted counts the "avc:  granted" records, which auditallow
	// rules cause: they are not denials.
	Granted int
	// Duplicates counts the records merged into an earlier one.
	Duplicates int
	// Unreadable lists, in order and once each, the 1-based numbers of
	// the lines that hold "avc:" (in an AVC or USER_AVC record, or
	// outside any record of another type) but could not be read as a
	// denial: callers should warn about them.
	Unreadable []int
}

// A Denial is one denied access, with what its records agree on.
type Denial struct {
	// Line is the 1-based number of the line of its first record.
	Line int
	// Event is "AVC" for the kernel's records, "USER_AVC" for those of
	// userspace object managers.
	Event string
	// Perms are the permissions in the braces, sorted, each once.
	Perms []string
	// Source and Target are the full scontext and tcontext, level
	// included; SourceType and TargetType are their type fields.
	Source, Target         string
	SourceType, TargetType string
	// Class is the tclass.
	Class string
	// Permissive is true when any merged record says permissive=1: the
	// access was logged but allowed.
	Permissive bool
	// Comm, Name and Path are the comm, name and path fields, decoded,
	// or "" when the record has none.
	Comm, Name, Path string
	// Port is the port number of a network denial: src (as for
	// name_bind), else dest (name_connect), else lport, else fport; 0
	// when the record has none, or when the value is no port number
	// (D-Bus's dest is a bus name).
	Port int
	// Count is the number of records merged into this Denial, itself
	// included: always at least 1.
	Count int
}

// key is what two records of one access have in common.
type key struct {
	event, perms, source, target, class, comm, name, path string
	port                                                  int
}

// Parse reads audit text from r: every AVC and USER_AVC record on every
// line, whatever surrounds it. It fails only when r does, or when a line
// is longer than MaxLine; what it cannot read it lists in
// Log.Unreadable.
func Parse(r io.Reader) (*Log, error) {
	sc := bufio.NewScanner(r)
	// The buffer holds a line and its newline; it grows only as needed.
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine+1)
	l := &Log{}
	seen := map[key]int{}
	n := 0
	for sc.Scan() {
		n++
		if b := sc.Bytes(); bytes.Contains(b, []byte("avc:")) {
			l.line(n, string(b), seen)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = ErrLineTooLong
		}
		return nil, fmt.Errorf("reading audit records: line %d: %w", n+1, err)
	}
	return l, nil
}

// line adds what line n holds to l; seen indexes l.Denials by key.
func (l *Log) line(n int, text string, seen map[key]int) {
	bad := false
	for _, rec := range records(text) {
		d, k := readRecord(rec)
		switch k {
		case granted:
			l.Granted++
		case unreadable:
			bad = true
		case denied:
			d.Line = n
			d.Count = 1
			l.add(d, seen)
		}
	}
	if bad {
		l.Unreadable = append(l.Unreadable, n)
	}
}

// add merges d into the Denial of the same access, or appends it.
func (l *Log) add(d Denial, seen map[key]int) {
	k := key{d.Event, strings.Join(d.Perms, " "), d.Source, d.Target, d.Class, d.Comm, d.Name, d.Path, d.Port}
	if i, ok := seen[k]; ok {
		l.Denials[i].Count++
		l.Denials[i].Permissive = l.Denials[i].Permissive || d.Permissive
		l.Duplicates++
		return
	}
	seen[k] = len(l.Denials)
	l.Denials = append(l.Denials, d)
}
