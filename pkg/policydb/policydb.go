package policydb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/confine-policy/confine/pkg/secontext"
)

// Errors returned by Find, Open and Read, wrapped with the file and the
// place at fault.
var (
	// ErrBadMagic is returned when the file does not start as a kernel
	// policy does: another file, or a policy module (.pp).
	ErrBadMagic = errors.New("bad magic number")
	// ErrUnsupportedVersion is returned for a policy version outside
	// MinVersion to MaxVersion.
	ErrUnsupportedVersion = errors.New("unsupported policy version")
	// ErrUnsupportedTarget is returned for a policy for another target
	// than SELinux, such as Xen's.
	ErrUnsupportedTarget = errors.New("unsupported policy target")
	// ErrTruncated is returned when the file ends inside a section.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed is returned when a section contradicts itself or
	// another: a name defined twice, a value no symbol has.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge is returned for a policy that may be valid but is past
	// what the reader will spend on it, such as MLS ranges that print to
	// more than a context can hold.
	ErrTooLarge = errors.New("too large")
	// ErrNoPolicy is returned by Find when the SELinux config or the
	// policy file it names is not there.
	ErrNoPolicy = errors.New("no policy found")
)

// The policy versions Read understands: 30 added extended permissions
// (ioctl rules), 31 Infiniband contexts, 32 glblub default ranges, 33
// compressed filename transitions and 34 conditional extended permissions.
const (
	MinVersion = 30
	MaxVersion = 34
)

// Options choose how much of a policy Read decodes.
type Options struct {
	// SkipMembers leaves out which types each attribute holds. That map
	// is the last section of the file, so Read then stops right after the
	// lists of contexts (initial SIDs, portcons and the like), leaving the
	// genfscons, range transitions and attribute map unread; Members and
	// TypeAttributes return nil. Everything else answers as without it.
	SkipMembers bool
}

// A Protocol is an IP protocol number as portcon entries store it.
type Protocol uint8

// The protocols a portcon can name.
const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	DCCP Protocol = 33
	SCTP Protocol = 132
)

// String returns the protocol's name in policy language, or its number
// when it has none.
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case DCCP:
		return "dccp"
	case SCTP:
		return "sctp"
	}
	return strconv.Itoa(int(p))
}

// ParseProtocol returns the protocol named tcp, udp, sctp or dccp.
func ParseProtocol(name string) (Protocol, error) {
	for _, p := range []Protocol{TCP, UDP, SCTP, DCCP} {
		if name == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown protocol %q: want tcp, udp, sctp or dccp", name)
}

// A PortRange is a range of ports of one protocol, as semanage port and
// confine port name it: 8080/tcp, 9000-9010/udp.
type PortRange struct {
	Protocol  Protocol
	Low, High uint16
}

// ParsePortRange reads PORT/PROTO or LOW-HIGH/PROTO.
func ParsePortRange(s string) (PortRange, error) {
	ports, proto, ok := strings.Cut(s, "/")
	if !ok {
		return PortRange{}, fmt.Errorf("port %q: want PORT/PROTO, such as 8080/tcp", s)
	}
	p, err := ParseProtocol(proto)
	if err != nil {
		return PortRange{}, fmt.Errorf("port %q: %w", s, err)
	}
	lowText, highText, isRange := strings.Cut(ports, "-")
	if !isRange {
		highText = lowText
	}
	l, err1 := strconv.ParseUint(lowText, 10, 16)
	h, err2 := strconv.ParseUint(highText, 10, 16)
	if err1 != nil || err2 != nil || l > h {
		return PortRange{}, fmt.Errorf("port %q: want a port 0-65535 or a range LOW-HIGH", s)
	}
	return PortRange{Protocol: p, Low: uint16(l), High: uint16(h)}, nil
}

// A Portcon labels a range of ports of one protocol.
type Portcon struct {
	Protocol  Protocol
	Low, High uint16
	Context   secontext.Context
}

// String returns the entry in policy language, as setools prints it.
func (pc Portcon) String() string {
	ports := strconv.Itoa(int(pc.Low))
	if pc.High != pc.Low {
		ports += "-" + strconv.Itoa(int(pc.High))
	}
	return "portcon " + pc.Protocol.String() + " " + ports + " " + pc.Context.String()
}

// A PortLabel answers LookupPort.
type PortLabel struct {
	Context secontext.Context
	// Portcon is the entry that labels the port; zero when Default is set.
	Portcon Portcon
	// Default is set when no portcon covers the port, so that the label
	// is the port initial SID's: the kernel's answer, which a caller may
	// want to warn about. Context is empty if the policy has no port SID.
	Default bool
}

// Type returns the port's type.
func (l PortLabel) Type() string { return l.Context.Type }

// An InitialSID is the context the policy gives to one of the kernel's
// fixed security identifiers.
type InitialSID struct {
	// Number is the SID as the kernel numbers it; Name is the kernel's
	// name for it, empty for a number the kernel does not name.
	Number  uint32
	Name    string
	Context secontext.Context
}

// A Boolean is a policy boolean and the state it starts in.
type Boolean struct {
	Name    string
	Default bool
}

// A TypeKind tells what a name in the type namespace is.
type TypeKind uint8

// The kinds of names in the type namespace.
const (
	NoType TypeKind = iota
	Type
	Alias
	Attribute
)

// A Policy is what was read from a kernel binary policy. It is immutable
// and safe for concurrent use.
type Policy struct {
	version   int
	mls       bool
	types     []typeInfo
	typeNames map[string]typeName
	classes   []class
	classIdx  map[string]int
	booleans  []Boolean // by name
	isids     []InitialSID
	portcons  []Portcon
	// The port initial SID's context, which labels ports no portcon covers.
	portSID secontext.Context

	// Attribute membership: typeAttrs[attrStart[v-1]:attrStart[v]] are the
	// attribute values of the type with value v.
	membersRead bool
	attrStart   []uint32
	typeAttrs   []uint32

	// The names of the blocks that declare types, made the first time
	// HasBlock is asked.
	blocksOnce sync.Once
	blocks     map[string]bool
}

type typeInfo struct {
	name      string
	attribute bool
}

type typeName struct {
	value uint32
	alias bool
}

type class struct {
	name      string
	common    string          // empty when the class has none
	own       []string        // permissions
	inherited []string        // the common's permissions
	perms     map[string]bool // own and inherited, for HasPermission
}

// Find returns the path of the policy a system loads: it reads
// SELINUXTYPE from root/etc/selinux/config and picks the policy.N file
// with the highest N in root/etc/selinux/TYPE/policy. An empty root
// means "/".
func Find(root string) (string, error) {
	if root == "" {
		root = "/"
	}
	name, err := PolicyType(root)
	if err != nil {
		return "", err
	}
	return Latest(filepath.Join(root, "etc", "selinux", name, "policy"))
}

// PolicyType returns the SELINUXTYPE that root/etc/selinux/config names,
// such as targeted or default: the policy's directory under /etc/selinux
// and its module store's name. An empty root means "/".
func PolicyType(root string) (string, error) {
	if root == "" {
		root = "/"
	}
	return policyType(filepath.Join(root, "etc", "selinux", "config"))
}

// Latest returns the policy file of the highest version in dir, a
// policy's policy directory such as /etc/selinux/default/policy, where
// semodule writes policy.N. A directory without one is ErrNoPolicy.
func Latest(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoPolicy, err)
	}
	best, found := 0, ""
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), "policy.")
		if !ok || e.IsDir() {
			continue
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || strconv.Itoa(v) != n {
			continue
		}
		if found == "" || v > best {
			best, found = v, e.Name()
		}
	}
	if found == "" {
		return "", fmt.Errorf("%s: %w: no policy.N file", dir, ErrNoPolicy)
	}
	return filepath.Join(dir, found), nil
}

// policyType returns the SELINUXTYPE set in an SELinux config file.
func policyType(config string) (string, error) {
	data, err := os.ReadFile(config)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoPolicy, err)
	}
	name := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && strings.TrimSpace(key) == "SELINUXTYPE" {
			name = strings.Trim(strings.TrimSpace(value), `"'`)
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", config, err)
	}
	// The name becomes a directory: refuse anything that would leave
	// /etc/selinux.
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("%s: %w: SELINUXTYPE %q", config, ErrNoPolicy, name)
	}
	return name, nil
}

// Open reads the whole policy in the file at path.
func Open(path string) (*Policy, error) {
	return OpenWith(path, Options{})
}

// OpenWith reads the policy in the file at path as far as opts need.
func OpenWith(path string, opts Options) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	p, err := read(newDecoder(f, size), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Read reads a policy from r as far as opts need. When r tells its length
// (a *bytes.Reader, *strings.Reader or *os.File does), a count in the
// input larger than the bytes left is reported at once.
func Read(r io.Reader, opts Options) (*Policy, error) {
	size := int64(-1)
	switch r := r.(type) {
	case interface{ Len() int }:
		size = int64(r.Len())
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := r.Seek(0, io.SeekCurrent); err == nil {
				size = fi.Size() - off
			}
		}
	}
	return read(newDecoder(r, size), opts)
}

// Version returns the policy's format version.
func (p *Policy) Version() int { return p.version }

// MLS reports whether the policy enforces MLS; its contexts then carry a
// range.
func (p *Policy) MLS() bool { return p.mls }

// LookupType tells whether name is a type, an alias of one, an attribute,
// or not in the policy.
func (p *Policy) LookupType(name string) TypeKind {
	t, ok := p.typeNames[name]
	switch {
	case !ok:
		return NoType
	case t.alias:
		return Alias
	case p.types[t.value-1].attribute:
		return Attribute
	}
	return Type
}

// HasType reports whether a rule may name name where it names types: as a
// type, an alias or an attribute.
func (p *Policy) HasType(name string) bool { return p.LookupType(name) != NoType }

// HasBlock reports whether the policy holds a name declared in the CIL
// block name: a type, attribute or alias named name.something, such as
// web.process. A binary policy keeps no blocks, only the names declared in
// them.
func (p *Policy) HasBlock(name string) bool {
	p.blocksOnce.Do(func() {
		// Every prefix of a dotted name ending before a dot: web.process
		// and web.db.socket are declared in blocks web and web.db.
		p.blocks = map[string]bool{}
		for n := range p.typeNames {
			for i := strings.IndexByte(n, '.'); i >= 0; i = nextDot(n, i) {
				p.blocks[n[:i]] = true
			}
		}
	})
	return p.blocks[name]
}

// nextDot returns the index of the first '.' in s after i, or -1.
func nextDot(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// Types returns the names of the policy's types, sorted, without aliases
// and attributes.
func (p *Policy) Types() []string { return p.typeList(false) }

// Attributes returns the names of the policy's attributes, sorted.
func (p *Policy) Attributes() []string { return p.typeList(true) }

func (p *Policy) typeList(attributes bool) []string {
	var names []string
	for _, t := range p.types {
		if t.name != "" && t.attribute == attributes {
			names = append(names, t.name)
		}
	}
	slices.Sort(names)
	return names
}

// Resolve returns the type an alias stands for, or name itself when it
// is a type or an attribute, and false when it is none of these.
func (p *Policy) Resolve(name string) (string, bool) {
	t, ok := p.typeNames[name]
	if !ok {
		return "", false
	}
	return p.types[t.value-1].name, true
}

// Aliases returns the aliases of the type named name, sorted.
func (p *Policy) Aliases(name string) []string {
	t, ok := p.typeNames[name]
	if !ok || t.alias {
		return nil
	}
	var aliases []string
	for alias, a := range p.typeNames {
		if a.alias && a.value == t.value {
			aliases = append(aliases, alias)
		}
	}
	slices.Sort(aliases)
	return aliases
}

// TypeAttributes returns the attributes that the type (or alias) named
// name has, sorted. It returns nil for an attribute, and for everything
// when the policy was read with SkipMembers.
func (p *Policy) TypeAttributes(name string) []string {
	t, ok := p.typeNames[name]
	if !ok || !p.membersRead || p.types[t.value-1].attribute {
		return nil
	}
	var names []string
	for _, a := range p.typeAttrs[p.attrStart[t.value-1]:p.attrStart[t.value]] {
		names = append(names, p.types[a-1].name)
	}
	slices.Sort(names)
	return names
}

// Members returns the types the attribute named name holds, sorted. It
// returns nil for anything but an attribute, and for everything when the
// policy was read with SkipMembers.
func (p *Policy) Members(name string) []string {
	t, ok := p.typeNames[name]
	if !ok || !p.membersRead || !p.types[t.value-1].attribute {
		return nil
	}
	var names []string
	for i := range p.types {
		if slices.Contains(p.typeAttrs[p.attrStart[i]:p.attrStart[i+1]], t.value) {
			names = append(names, p.types[i].name)
		}
	}
	slices.Sort(names)
	return names
}

// Classes returns the names of the policy's object classes, sorted.
func (p *Policy) Classes() []string {
	names := make([]string, 0, len(p.classes))
	for _, c := range p.classes {
		names = append(names, c.name)
	}
	slices.Sort(names)
	return names
}

// HasClass reports whether the policy has the object class name.
func (p *Policy) HasClass(name string) bool {
	_, ok := p.classIdx[name]
	return ok
}

// Common returns the name of the common a class inherits permissions
// from, or "" if it has none or is not in the policy.
func (p *Policy) Common(class string) string {
	i, ok := p.classIdx[class]
	if !ok {
		return ""
	}
	return p.classes[i].common
}

// Permissions returns the permissions of a class, its common's included,
// sorted; nil if the class is not in the policy.
func (p *Policy) Permissions(class string) []string {
	i, ok := p.classIdx[class]
	if !ok {
		return nil
	}
	perms := slices.Concat(p.classes[i].own, p.classes[i].inherited)
	slices.Sort(perms)
	return perms
}

// HasPermission reports whether class has the permission perm, its own or
// its common's.
func (p *Policy) HasPermission(class, perm string) bool {
	i, ok := p.classIdx[class]
	return ok && p.classes[i].perms[perm]
}

// Booleans returns the policy's booleans, sorted by name.
func (p *Policy) Booleans() []Boolean { return slices.Clone(p.booleans) }

// Boolean returns the default state of the boolean name, and whether the
// policy has it.
func (p *Policy) Boolean(name string) (state, ok bool) {
	i, ok := slices.BinarySearchFunc(p.booleans, name, func(b Boolean, name string) int {
		return strings.Compare(b.Name, name)
	})
	if !ok {
		return false, false
	}
	return p.booleans[i].Default, true
}

// InitialSIDs returns the contexts of the initial SIDs the policy
// defines, in the policy's order.
func (p *Policy) InitialSIDs() []InitialSID { return slices.Clone(p.isids) }

// Portcons returns the policy's portcon entries in the policy's order,
// which is the order the kernel tries them in.
func (p *Policy) Portcons() []Portcon { return slices.Clone(p.portcons) }

// LookupPort returns the label the kernel gives a port: the context of the
// first portcon, in the policy's order, that covers it, or else the port
// initial SID's context with Default set.
func (p *Policy) LookupPort(proto Protocol, port uint16) PortLabel {
	for _, pc := range p.portcons {
		if pc.Protocol == proto && pc.Low <= port && port <= pc.High {
			return PortLabel{Context: pc.Context, Portcon: pc}
		}
	}
	return PortLabel{Context: p.portSID, Default: true}
}
