package fcontext

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/confine-policy/confine/pkg/fcontext/internal/pattern"
	"github.com/confine-policy/confine/pkg/secontext"
)

// compiledMagic starts a file_contexts.bin (little-endian).
const compiledMagic = 0xf97cff8a

// A file is the text of one input file.
type file struct {
	name string
	data string
}

// readFile reads a file, giving "" for a missing optional one.
func readFile(path string, optional bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("reading file contexts: %w", err)
	}
	defer f.Close()
	// A strings.Builder hands its bytes over as a string without a copy.
	var b strings.Builder
	if info, err := f.Stat(); err == nil {
		b.Grow(int(info.Size()) + 1)
	}
	if _, err := io.Copy(&b, f); err != nil {
		return "", fmt.Errorf("reading file contexts: %w", err)
	}
	data := b.String()
	if len(data) >= 4 && binary.LittleEndian.Uint32([]byte(data[:4])) == compiledMagic {
		return "", fmt.Errorf("reading %s: %w", path, ErrCompiled)
	}
	return data, nil
}

// lines calls fn for every line of data with its 1-based number, cut at
// the first NUL byte as libselinux's C strings are.
func lines(data string, fn func(line string, n int)) {
	hasNUL := strings.IndexByte(data, 0) >= 0
	for n := 1; data != ""; n++ {
		line := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		if hasNUL {
			if i := strings.IndexByte(line, 0); i >= 0 {
				line = line[:i]
			}
		}
		fn(line, n)
	}
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// fields splits a line into at most three whitespace-separated fields, as
// libselinux's read_spec_entries does: text after the third field is
// ignored, and a line whose first field starts with '#' is a comment.
func fields(line string) (fs [3]string, n int, err error) {
	i := 0
	for n < len(fs) {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		if n == 0 && line[i] == '#' {
			return fs, 0, nil
		}
		start := i
		for i < len(line) && !isSpace(line[i]) {
			if line[i] >= 0x80 {
				return fs, 0, ErrNonASCII
			}
			i++
		}
		fs[n] = line[start:i]
		n++
	}
	return fs, n, nil
}

// parseFileType reads a file type field.
func parseFileType(s string) (FileType, error) {
	for t, f := range fileTypeFields {
		if t > 0 && s == f {
			return FileType(t), nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrBadFileType, s)
}

// parseEntries appends the entries of a piece of a file_contexts file, in
// file order, and reports what is wrong with its lines, in line order.
func parseEntries(p piece, entries []entry, warn func(Source, error)) []entry {
	var ps pattern.Parser // its memory serves every pattern of the piece
	lines(p.data, func(line string, n int) {
		n += p.line0
		src := Source{File: p.name, Line: n}
		fs, nf, err := fields(line)
		if err != nil {
			warn(src, err)
			return
		}
		if nf == 0 {
			return
		}
		if nf == 1 {
			warn(src, fmt.Errorf("%w: %q has no context", ErrMissingFields, fs[0]))
			return
		}
		e := entry{pattern: fs[0], context: fs[nf-1], file: p.file, line: int32(n)}
		if nf == 3 {
			if e.fileType, err = parseFileType(fs[1]); err != nil {
				// libselinux refuses the whole file; one line is enough.
				warn(src, err)
				return
			}
		}
		if e.context != "<<none>>" {
			if _, err := secontext.Parse(e.context); err != nil {
				// libselinux does not check contexts unless asked to, and
				// would hand this one out, so the entry stays and the
				// lookups it wins fail.
				e.badContext = true
				warn(src, err)
			}
		}
		e.analyse(&ps)
		if e.patErr != nil {
			warn(src, fmt.Errorf("pattern %q: %w", e.pattern, e.patErr))
		}
		entries = append(entries, e)
	})
	return entries
}

// A piece is whole lines of a file_contexts file, parsed on their own.
type piece struct {
	name  string
	file  uint8 // index in table.files
	data  string
	line0 int // lines before the piece
	lines int // at most, in the piece
	at    int // where its entries go in table.entries, before compacting
	n     int // how many there are
	warns []Warning
}

// pieceSize is about how much of a file one CPU parses: files below it
// are not worth splitting.
const pieceSize = 64 << 10

// split cuts the files into pieces at line ends, so that parsing and
// analysing the patterns, most of what Load costs, runs on every CPU.
func split(files []file, cpus int) []piece {
	var pieces []piece
	at := 0
	for i, f := range files {
		n := min(cpus, len(f.data)/pieceSize+1)
		data, line0 := f.data, 0
		for k := n; k > 0; k-- {
			end := len(data)
			if k > 1 {
				end = len(data) / k
				if nl := strings.IndexByte(data[end:], '\n'); nl >= 0 {
					end += nl + 1
				} else {
					end = len(data)
				}
			}
			p := piece{name: f.name, file: uint8(i), data: data[:end], line0: line0, at: at}
			p.lines = strings.Count(p.data, "\n") + 1
			pieces = append(pieces, p)
			at += p.lines
			line0 += p.lines - 1
			data = data[end:]
		}
	}
	return pieces
}

// A sub is one line of a subs file: paths at or below src are looked up
// as if they were at or below dst.
type sub struct {
	src, dst string
}

// parseSubs reads a subs file into the order libselinux tries its lines:
// the last line first.
func parseSubs(f file, warn func(Source, error)) []sub {
	var subs []sub
	lines(f.data, func(line string, n int) {
		fs := fieldsAnyByte(line)
		switch {
		case len(fs) == 0 || fs[0][0] == '#':
			return
		case len(fs) == 1:
			warn(Source{File: f.name, Line: n}, fmt.Errorf("%w: alias %q has no target", ErrMissingFields, fs[0]))
			return
		}
		subs = append(subs, sub{src: fs[0], dst: fs[1]})
	})
	for i, j := 0, len(subs)-1; i < j; i, j = i+1, j-1 {
		subs[i], subs[j] = subs[j], subs[i]
	}
	return subs
}

// fieldsAnyByte splits off the first two fields of a subs line, which
// libselinux takes byte for byte, non-ASCII included.
func fieldsAnyByte(line string) []string {
	var out []string
	i := 0
	for len(out) < 2 {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && !isSpace(line[i]) {
			i++
		}
		out = append(out, line[start:i])
	}
	return out
}

// duplicates warns of entries with the same pattern as an earlier one of
// the same file and overlapping file types: what libselinux's nodups_specs
// refuses the file for when it validates. (It checks the main file alone;
// file_contexts.homedirs repeats some of its patterns on purpose.)
func (t *table) duplicates(warn func(Source, error)) {
	// last holds the last entry read with a pattern, and previous the
	// one before each entry with the same pattern.
	last := make(map[string]int32, len(t.entries))
	previous := make([]int32, len(t.entries))
	for i := range t.entries {
		e := &t.entries[i]
		previous[i] = -1
		if j, ok := last[e.pattern]; ok {
			previous[i] = j
		}
		last[e.pattern] = int32(i)
		for j := previous[i]; j >= 0 && t.entries[j].file == e.file; j = previous[j] {
			if p := &t.entries[j]; p.fileType == AnyFile || e.fileType == AnyFile || p.fileType == e.fileType {
				warn(t.source(e), fmt.Errorf("%w: pattern %q is also at line %d; the later line wins", ErrDuplicate, e.pattern, p.line))
				break
			}
		}
	}
}
