package fcontext

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/confine-policy/confine/pkg/secontext"
)

// Errors returned by Load, Open, Lookup and Under, and wrapped in warnings.
var (
	// ErrNoMatch: no entry matches the path (libselinux's ENOENT).
	ErrNoMatch = errors.New("no file context matches")
	// ErrInvalidPath: the path is empty or holds a NUL byte.
	ErrInvalidPath = errors.New("invalid path")
	// ErrCompiled: the file is a compiled file_contexts.bin.
	ErrCompiled = errors.New("compiled file contexts are not supported")

	// ErrMissingFields: a line has a path pattern but no context, or a
	// subs line has no replacement.
	ErrMissingFields = errors.New("missing fields")
	// ErrNonASCII: a field holds a byte above 0x7f.
	ErrNonASCII = errors.New("non-ASCII characters")
	// ErrBadFileType: the file type field is none of --, -d, -l, -c, -b, -s, -p.
	ErrBadFileType = errors.New("bad file type")
	// ErrBadPattern: the path pattern is not valid PCRE2.
	ErrBadPattern = errors.New("bad pattern")
	// ErrUnsupportedPattern: the path pattern uses a PCRE2 feature, such as
	// a back reference or a lookahead, that Go's regexp has no exact
	// equivalent for.
	ErrUnsupportedPattern = errors.New("unsupported pattern")
	// ErrNoEntries: the files hold no entry that can be used, so they
	// cannot be a policy's file contexts.
	ErrNoEntries = errors.New("no valid entry")
	// ErrDuplicate: an entry has the same pattern as an earlier one and a
	// file type that overlaps it. libselinux keeps both (the later wins)
	// unless asked to validate, when it refuses the whole file.
	ErrDuplicate = errors.New("duplicate entry")
)

// A FileType is the file type field of a file_contexts entry, and the kind
// of file a lookup is for.
type FileType uint8

// File types. AnyFile is an entry without a type field, which applies to
// files of every type; as a lookup argument it makes every entry apply,
// as libselinux does for mode 0.
const (
	AnyFile     FileType = iota // (no field)
	RegularFile                 // --
	Directory                   // -d
	Symlink                     // -l
	CharDevice                  // -c
	BlockDevice                 // -b
	Socket                      // -s
	NamedPipe                   // -p
)

var fileTypeFields = [...]string{"", "--", "-d", "-l", "-c", "-b", "-s", "-p"}

// String gives the type as file_contexts writes it: "--", "-d" and so on,
// and "" for AnyFile.
func (t FileType) String() string {
	if int(t) < len(fileTypeFields) {
		return fileTypeFields[t]
	}
	return fmt.Sprintf("FileType(%d)", t)
}

// FileTypeOf gives the file type of a file with the given mode, as
// fs.FileInfo reports it. A plain fs.FileMode cannot be the lookup argument
// itself: its type bits are zero both for a regular file and for "any".
func FileTypeOf(mode fs.FileMode) FileType {
	switch mode.Type() {
	case 0:
		return RegularFile
	case fs.ModeDir:
		return Directory
	case fs.ModeSymlink:
		return Symlink
	case fs.ModeDevice | fs.ModeCharDevice:
		return CharDevice
	case fs.ModeDevice:
		return BlockDevice
	case fs.ModeSocket:
		return Socket
	case fs.ModeNamedPipe:
		return NamedPipe
	}
	return AnyFile
}

// A Source is where an entry was read: a file and a 1-based line number.
type Source struct {
	File string
	Line int
}

func (s Source) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// A Match is a file_contexts entry that matched.
type Match struct {
	// Context is the entry's context; zero when NoLabel is set.
	Context secontext.Context
	// NoLabel is set for an entry whose context is <<none>>: the path is
	// to be left as it is, and libselinux's lookup fails with ENOENT.
	NoLabel bool
	// Pattern is the entry's path pattern as written.
	Pattern string
	// FileType is the entry's file type field.
	FileType FileType
	Source   Source
}

// A Warning is a line that was skipped (libselinux would refuse the whole
// file for some of them) or an entry that was kept but cannot be used.
type Warning struct {
	Source Source
	Err    error
}

func (w Warning) String() string { return w.Source.String() + ": " + w.Err.Error() }

// Contexts holds the entries of a policy's file_contexts files, ready for
// lookups. It is safe for concurrent use.
type Contexts struct {
	t *table
}

// Load reads the file contexts configuration in dir, such as
// /etc/selinux/targeted/contexts/files, as libselinux does when told that
// dir/file_contexts is the file to use: the entries of file_contexts, then
// those of file_contexts.homedirs and file_contexts.local, which count as
// later, and the path aliases of file_contexts.subs and
// file_contexts.subs_dist. Only file_contexts must exist; a file that exists
// but cannot be read is an error.
//
// Lines that cannot be used are skipped, or kept and reported when
// libselinux would keep them, as warnings; files that hold no usable
// entry at all are ErrNoEntries. Compiled .bin files are never read: they
// are compiled from the text files beside them.
func Load(dir string) (*Contexts, []Warning, error) {
	main := filepath.Join(dir, "file_contexts")
	var files [5]file
	for i, suffix := range []string{"", ".homedirs", ".local", ".subs", ".subs_dist"} {
		data, err := readFile(main+suffix, i > 0)
		if err != nil {
			return nil, nil, err
		}
		files[i] = file{name: main + suffix, data: data}
	}
	t, warnings := build(files[:3], files[3], files[4])
	// The other files only add to file_contexts: without an entry of its
	// own it is not a policy's.
	if !slices.ContainsFunc(t.entries, func(e entry) bool { return e.file == 0 }) {
		return nil, warnings, noEntries(main, warnings)
	}
	return &Contexts{t}, warnings, nil
}

// noEntries is the error for files in which no line was an entry.
func noEntries(path string, skipped []Warning) error {
	return fmt.Errorf("%s: %w (%d lines skipped)", path, ErrNoEntries, len(skipped))
}

// Open reads the single file_contexts-format file at path, without any
// file beside it. Like Load, it refuses a file with no usable entry.
func Open(path string) (*Contexts, []Warning, error) {
	data, err := readFile(path, false)
	if err != nil {
		return nil, nil, err
	}
	t, warnings := build([]file{{name: path, data: data}}, file{}, file{})
	if len(t.entries) == 0 {
		return nil, warnings, noEntries(path, warnings)
	}
	return &Contexts{t}, warnings, nil
}

// Lookup finds the context a file at path of type ft gets, exactly as
// libselinux's selabel_lookup does (see the package documentation). Use
// AnyFile when the type is not known, as libselinux's mode 0 does.
//
// It returns ErrNoMatch when no entry matches. An entry whose context is
// <<none>> is a match with NoLabel set. A lookup that reaches an entry whose
// pattern cannot be evaluated (a warning from Load said so), or whose
// context is malformed, fails with an error that names the entry.
func (c *Contexts) Lookup(path string, ft FileType) (Match, error) {
	key, err := cleanKey(path)
	if err != nil {
		return Match{}, err
	}
	i, err := c.t.find(c.t.substitute(key), ft)
	if err != nil {
		return Match{}, err
	}
	if i < 0 {
		return Match{}, fmt.Errorf("%w %q", ErrNoMatch, path)
	}
	return c.t.match(i)
}

// Under returns the entries that can match some path strictly below dir,
// in the order they were read: the labels a container meets on a mount of
// dir when the files below it are labelled as the policy says. The label of
// dir itself is Lookup's business.
//
// It is decided from each entry's pattern, not from its text, and takes
// the path aliases into account: under /var/lib, "/var/lib64(/.*)?" is not
// listed by accident of spelling, "/(var|srv)/www(/.*)?" is found under
// /srv, and the entries of /run are found under /var when /var/run is an
// alias of /run. dir is cleaned as Lookup cleans a path. The answer is conservative: no entry that
// matches a path below dir is ever missing, but an entry may be listed
// that matches none of them, because the analysis assumes that what follows
// dir can be any string of bytes, "//" and a trailing newline included, and
// that assertions such as \b or $ after dir can hold. Entries whose pattern
// cannot be evaluated are listed when their literal prefix allows a match;
// entries with a malformed context are left out (Load warned of both).
// An entry is listed whatever its file type, even when later entries win
// for every path it matches.
func (c *Contexts) Under(dir string) ([]Match, error) {
	idx, err := c.t.under(dir)
	if err != nil {
		return nil, err
	}
	matches := make([]Match, 0, len(idx))
	for _, i := range idx {
		m, err := c.t.match(i)
		if err == nil {
			matches = append(matches, m)
		}
	}
	return matches, nil
}
