package policydb

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/confine-policy/confine/pkg/secontext"
)

// Facts of the format, as libsepol writes it and the kernel reads it.
const (
	policyMagic = 0xf97cff8c
	moduleMagic = 0xf97cff8d // a .pp module, which only the toolchain reads

	configMLS = 1 // in the header's config word

	versionInfiniband = 31 // adds two ocontext lists
	versionCompFtrans = 33 // filename transitions grouped by name
	versionCondXperms = 34 // extended permissions in conditional rules

	symNum = 8

	typePropertyPrimary   = 1
	typePropertyAttribute = 2

	cexprNames = 5 // a constraint expression that carries name sets

	maxPerms = 32 // permissions per class or common: one access vector
)

// The symbol tables, in file order.
const (
	symCommons = iota
	symClasses
	symRoles
	symTypes
	symUsers
	symBooleans
	symSensitivities
	symCategories
)

var symtabNames = [symNum]string{"commons", "classes", "roles", "types", "users", "booleans", "sensitivities", "categories"}

// The ocontext lists, in file order.
const (
	ocISID = iota
	ocFS
	ocPort
	ocNetif
	ocNode
	ocFSUse
	ocNode6
	ocIBPkey
	ocIBEndport
)

var ocontextNames = [...]string{"initial SIDs", "fs contexts", "portcons", "netifcons", "nodecons", "fs_use rules", "IPv6 nodecons", "ibpkeycons", "ibendportcons"}

// initialSIDNames are the kernel's names for the initial SIDs, by number.
var initialSIDNames = [...]string{
	1: "kernel", "security", "unlabeled", "fs", "file", "file_labels", "init", "any_socket", "port",
	"netif", "netmsg", "node", "igmp_packet", "icmp_socket", "tcp_socket", "sysctl_modprobe", "sysctl",
	"sysctl_fs", "sysctl_kernel", "sysctl_net", "sysctl_net_unix", "sysctl_vm", "sysctl_dev", "kmod",
	"policy", "scmp_packet", "devnull",
}

const portSID = 9

// The bytes the MLS ranges of the contexts kept may print to: a base,
// and a multiple of the bytes read so far.
const (
	maxPrintedBase  = 1 << 20
	maxPrintedRatio = 16
)

// A symbol is a symbol table entry as read, its name not yet a string.
type symbol struct {
	name  nameRef
	value uint32
	flags uint32 // type properties, alias flag or boolean state
}

// A permSet is a common or a class as read: its permissions are
// perms[first:end] of the reader.
type permSet struct {
	symbol
	common     nameRef // a class's common; len 0 when none
	first, end int
}

// A reader holds what decoding needs beyond the stream: the symbols read
// so far, and the names contexts are printed with.
type reader struct {
	*decoder
	p       *Policy
	version uint32

	nprim   [symNum]uint32
	syms    [symNum][]symbol // roles, types, users, booleans, sensitivities, categories
	sets    [2][]permSet     // commons, classes
	perms   []symbol
	roles   []string // names by value-1
	users   []string
	sens    []string
	cats    []string
	ranges  map[string]string // MLS ranges already printed, by encoding
	printed int64             // bytes that ranges holds
	key     []byte
	catBits [2][]uint32
}

func read(d *decoder, opts Options) (*Policy, error) {
	r := &reader{decoder: d, p: &Policy{}}
	oconNum := r.header()
	for i := range symNum {
		r.symtab(i)
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := r.index(); err != nil {
		return nil, err
	}
	r.rules()
	r.ocontexts(oconNum)
	if !opts.SkipMembers {
		r.genfs()
		r.rangeTransitions()
		r.attributeMap()
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.p, nil
}

// header reads up to the symbol tables and returns how many ocontext lists
// the version has.
func (r *reader) header() int {
	r.section = "header"
	var h [2]uint32
	r.u32s(h[:])
	if r.err != nil {
		return 0
	}
	switch {
	case h[0] == moduleMagic:
		r.fail(fmt.Errorf("%w %#08x: a policy module, not a kernel policy", ErrBadMagic, h[0]))
		return 0
	case h[0] != policyMagic:
		r.fail(fmt.Errorf("%w %#08x, want %#08x", ErrBadMagic, h[0], policyMagic))
		return 0
	case h[1] == 0 || h[1] > 32:
		r.malformed("target name length %d", h[1])
		return 0
	}
	if target := r.next(int(h[1])); target != nil && string(target) != "SE Linux" {
		r.fail(fmt.Errorf("%w %q: only SELinux policies are read", ErrUnsupportedTarget, target))
		return 0
	}
	var v [4]uint32 // version, config, symbol tables, ocontext lists
	r.u32s(v[:])
	if r.err != nil {
		return 0
	}
	if v[0] < MinVersion || v[0] > MaxVersion {
		r.fail(fmt.Errorf("%w %d: this reader knows %d to %d", ErrUnsupportedVersion, v[0], MinVersion, MaxVersion))
		return 0
	}
	r.version = v[0]
	r.p.version = int(v[0])
	r.p.mls = v[1]&configMLS != 0
	oconNum := ocNode6 + 1
	if r.version >= versionInfiniband {
		oconNum = ocIBEndport + 1
	}
	if v[2] != symNum || v[3] != uint32(oconNum) {
		r.malformed("%d symbol tables and %d ocontext lists, want %d and %d", v[2], v[3], symNum, oconNum)
		return 0
	}
	r.section = "policy capabilities"
	r.ebitmap(nil)
	r.section = "permissive types"
	r.ebitmap(nil)
	return oconNum
}

// value checks a symbol's value against its table's size.
func (r *reader) value(kind string, v, nprim uint32) {
	if r.err == nil && (v == 0 || v > nprim) {
		r.malformed("%s value %d outside 1..%d", kind, v, nprim)
	}
}

// symtab reads symbol table i.
func (r *reader) symtab(i int) {
	if r.err != nil {
		return
	}
	r.section = symtabNames[i]
	var h [2]uint32
	r.u32s(h[:])
	nprim, nel := h[0], h[1]
	switch {
	case nel != 0 && nprim == 0:
		r.malformed("%d entries but no values", nel)
	case nprim > nel && i != symCommons && i != symClasses && i != symBooleans:
		// Every value of these tables must be named (index checks it), and
		// index makes a table of nprim names: refuse a size that no entry
		// backs before it costs memory.
		r.malformed("%d values but only %d entries", nprim, nel)
	}
	r.nprim[i] = nprim
	n := r.count(nel, 13) // the smallest entry: three words and a name
	switch i {
	case symCommons, symClasses:
		r.sets[i] = make([]permSet, 0, n)
	default:
		r.syms[i] = make([]symbol, 0, n)
	}
	for range nel {
		if r.err != nil {
			return
		}
		switch i {
		case symCommons:
			r.common()
		case symClasses:
			r.class()
		case symRoles:
			var w [3]uint32 // name length, value, bounds
			r.u32s(w[:])
			r.add(i, symbol{name: r.name(w[0]), value: w[1]})
			r.ebitmap(nil) // dominated roles
			r.ebitmap(nil) // types
		case symTypes:
			var w [4]uint32 // name length, value, properties, bounds
			r.u32s(w[:])
			r.add(i, symbol{name: r.name(w[0]), value: w[1], flags: w[2]})
		case symUsers:
			var w [3]uint32 // name length, value, bounds
			r.u32s(w[:])
			r.add(i, symbol{name: r.name(w[0]), value: w[1]})
			r.ebitmap(nil) // roles
			r.mlsRange(false)
			r.mlsLevel(nil)
		case symBooleans:
			var w [3]uint32 // value, state, name length
			r.u32s(w[:])
			if r.err == nil && w[1] > 1 {
				r.malformed("boolean state %d", w[1])
			}
			r.add(i, symbol{name: r.name(w[2]), value: w[0], flags: w[1]})
		case symSensitivities:
			var w [2]uint32 // name length, alias flag
			r.u32s(w[:])
			s := symbol{name: r.name(w[0]), flags: w[1]}
			r.mlsLevel(&s.value)
			r.add(i, s)
		case symCategories:
			var w [3]uint32 // name length, value, alias flag
			r.u32s(w[:])
			r.add(i, symbol{name: r.name(w[0]), value: w[1], flags: w[2]})
		}
	}
}

func (r *reader) add(i int, s symbol) {
	r.value(strings.TrimSuffix(symtabNames[i], "s"), s.value, r.nprim[i])
	r.syms[i] = append(r.syms[i], s)
}

// common reads a common permission set.
func (r *reader) common() {
	var w [4]uint32 // name length, value, permission values, permissions
	r.u32s(w[:])
	s := permSet{symbol: symbol{name: r.name(w[0]), value: w[1]}}
	r.value("common", w[1], r.nprim[symCommons])
	s.first, s.end = r.permissions(w[2], w[3])
	r.sets[symCommons] = append(r.sets[symCommons], s)
}

// class reads an object class, skipping its constraints and defaults.
func (r *reader) class() {
	var w [6]uint32 // name length, common name length, value, permission values, permissions, constraints
	r.u32s(w[:])
	s := permSet{symbol: symbol{name: r.name(w[0]), value: w[2]}}
	if w[1] != 0 {
		s.common = r.name(w[1])
	}
	r.value("class", w[2], r.nprim[symClasses])
	s.first, s.end = r.permissions(w[3], w[4])
	r.sets[symClasses] = append(r.sets[symClasses], s)
	r.constraints(w[5])
	r.constraints(r.u32()) // validatetrans
	r.skip(16)             // default user, role, range and type
}

// permissions reads the permissions of a common or class and returns
// where they are in r.perms.
func (r *reader) permissions(nprim, nel uint32) (first, end int) {
	first = len(r.perms)
	if r.err == nil && (nprim > maxPerms || nel > nprim) {
		r.malformed("%d permissions and %d values, at most %d", nel, nprim, maxPerms)
	}
	for range nel {
		if r.err != nil {
			break
		}
		var w [2]uint32 // name length, value
		r.u32s(w[:])
		r.perms = append(r.perms, symbol{name: r.name(w[0]), value: w[1]})
		r.value("permission", w[1], nprim)
	}
	return first, len(r.perms)
}

// constraints skips n constraints.
func (r *reader) constraints(n uint32) {
	for range n {
		if r.err != nil {
			return
		}
		var w [2]uint32 // permissions, expression terms
		r.u32s(w[:])
		for range w[1] {
			if r.err != nil {
				return
			}
			var e [3]uint32 // term type, attribute, operator
			r.u32s(e[:])
			switch {
			case e[0] == cexprNames:
				r.ebitmap(nil) // names
				r.ebitmap(nil) // type set: types
				r.ebitmap(nil) // type set: negated types
				r.skip(4)      // type set: flags
			case e[0] == 0 || e[0] > cexprNames:
				r.malformed("constraint term type %d", e[0])
			}
		}
	}
}

// mlsLevel reads a level, keeping its sensitivity in *sens if not nil.
func (r *reader) mlsLevel(sens *uint32) {
	s := r.u32()
	if sens != nil {
		*sens = s
	}
	r.ebitmap(nil)
}

// index turns the symbols read into the policy's tables, checking that
// values and names are unique as the kernel's tables require.
func (r *reader) index() error {
	p := r.p
	names := r.names.String() // every name kept, in one string
	str := func(n nameRef) string { return names[n.off : n.off+n.len] }

	seen := make(map[string]bool)
	unique := func(kind string, s symbol) error {
		name := str(s.name)
		if seen[name] {
			return fmt.Errorf("%w in the %ss: %s %q defined twice", ErrMalformed, kind, kind, name)
		}
		seen[name] = true
		return nil
	}
	// byValue fills a table of names by value, leaving aliases out.
	byValue := func(i int, isAlias func(symbol) bool) ([]string, error) {
		clear(seen)
		kind := strings.TrimSuffix(symtabNames[i], "s")
		table := make([]string, r.nprim[i])
		for _, s := range r.syms[i] {
			if err := unique(kind, s); err != nil {
				return nil, err
			}
			if isAlias(s) {
				continue
			}
			if table[s.value-1] != "" {
				return nil, fmt.Errorf("%w in the %s: value %d used by %q and %q", ErrMalformed, symtabNames[i], s.value, table[s.value-1], str(s.name))
			}
			table[s.value-1] = str(s.name)
		}
		for v, name := range table {
			if name == "" {
				return nil, fmt.Errorf("%w in the %s: no %s has value %d", ErrMalformed, symtabNames[i], kind, v+1)
			}
		}
		return table, nil
	}
	noAlias := func(symbol) bool { return false }
	flagAlias := func(s symbol) bool { return s.flags != 0 }
	var err error
	if r.roles, err = byValue(symRoles, noAlias); err != nil {
		return err
	}
	if r.users, err = byValue(symUsers, noAlias); err != nil {
		return err
	}
	if r.sens, err = byValue(symSensitivities, flagAlias); err != nil {
		return err
	}
	if r.cats, err = byValue(symCategories, flagAlias); err != nil {
		return err
	}

	types := r.syms[symTypes]
	p.types = make([]typeInfo, r.nprim[symTypes])
	p.typeNames = make(map[string]typeName, len(types))
	for _, s := range types {
		name := str(s.name)
		primary := s.flags&typePropertyPrimary != 0
		// One hash of the name, not two: a name seen before leaves the
		// map as large as it was.
		n := len(p.typeNames)
		p.typeNames[name] = typeName{value: s.value, alias: !primary}
		if len(p.typeNames) == n {
			return fmt.Errorf("%w in the types: %q defined twice", ErrMalformed, name)
		}
		if !primary {
			continue
		}
		t := &p.types[s.value-1]
		if t.name != "" {
			return fmt.Errorf("%w in the types: value %d used by %q and %q", ErrMalformed, s.value, t.name, name)
		}
		*t = typeInfo{name: name, attribute: s.flags&typePropertyAttribute != 0}
	}
	for v, t := range p.types {
		if t.name == "" {
			return fmt.Errorf("%w in the types: no type has value %d", ErrMalformed, v+1)
		}
	}
	for _, s := range types {
		if s.flags&typePropertyPrimary != 0 {
			continue
		}
		if target := p.types[s.value-1]; target.name == "" || target.attribute {
			return fmt.Errorf("%w in the types: alias %q of value %d, which is no type", ErrMalformed, str(s.name), s.value)
		}
	}

	perms := make([]string, len(r.perms))
	for i, s := range r.perms {
		perms[i] = str(s.name)
	}
	// checkPerms checks that a set's permissions have distinct names and values.
	checkPerms := func(set permSet) error {
		var values uint64
		clear(seen)
		for _, s := range r.perms[set.first:set.end] {
			if seen[str(s.name)] || values&(1<<s.value) != 0 {
				return fmt.Errorf("%w: permission %q of %q defined twice", ErrMalformed, str(s.name), str(set.name))
			}
			seen[str(s.name)] = true
			values |= 1 << s.value
		}
		return nil
	}
	commons := make(map[string][]string, len(r.sets[symCommons]))
	// The reader does not require commons, classes and booleans to use
	// every value, so their sizes are not bounded by their entries: find
	// duplicate values with maps the size of the entries, not of nprim.
	commonValues := make(map[uint32]bool, len(r.sets[symCommons]))
	for _, c := range r.sets[symCommons] {
		name := str(c.name)
		if _, dup := commons[name]; dup || commonValues[c.value] {
			return fmt.Errorf("%w in the commons: %q or its value %d defined twice", ErrMalformed, name, c.value)
		}
		if err := checkPerms(c); err != nil {
			return fmt.Errorf("in the commons: %w", err)
		}
		commonValues[c.value] = true
		commons[name] = perms[c.first:c.end:c.end]
	}
	classValues := make(map[uint32]bool, len(r.sets[symClasses]))
	p.classes = make([]class, 0, len(r.sets[symClasses]))
	p.classIdx = make(map[string]int, len(r.sets[symClasses]))
	for _, c := range r.sets[symClasses] {
		name := str(c.name)
		if _, dup := p.classIdx[name]; dup || classValues[c.value] {
			return fmt.Errorf("%w in the classes: %q or its value %d defined twice", ErrMalformed, name, c.value)
		}
		if err := checkPerms(c); err != nil {
			return fmt.Errorf("in the classes: %w", err)
		}
		classValues[c.value] = true
		cl := class{name: name, own: perms[c.first:c.end:c.end]}
		if c.common.len != 0 {
			cl.common = str(c.common)
			var ok bool
			if cl.inherited, ok = commons[cl.common]; !ok {
				return fmt.Errorf("%w in the classes: class %q inherits unknown common %q", ErrMalformed, name, cl.common)
			}
		}
		cl.perms = make(map[string]bool, len(cl.own)+len(cl.inherited))
		for _, perm := range slices.Concat(cl.own, cl.inherited) {
			cl.perms[perm] = true
		}
		p.classIdx[name] = len(p.classes)
		p.classes = append(p.classes, cl)
	}

	clear(seen)
	p.booleans = make([]Boolean, 0, len(r.syms[symBooleans]))
	boolValues := make(map[uint32]bool, len(r.syms[symBooleans]))
	for _, s := range r.syms[symBooleans] {
		if err := unique("boolean", s); err != nil {
			return err
		}
		if boolValues[s.value] {
			return fmt.Errorf("%w in the booleans: value %d used twice", ErrMalformed, s.value)
		}
		boolValues[s.value] = true
		p.booleans = append(p.booleans, Boolean{Name: str(s.name), Default: s.flags == 1})
	}
	slices.SortFunc(p.booleans, func(a, b Boolean) int { return strings.Compare(a.Name, b.Name) })
	r.syms = [symNum][]symbol{}
	r.sets = [2][]permSet{}
	r.perms = nil
	return nil
}

// rules skips the access vector table, the conditional rules, the role
// rules and the filename transitions, which stand between the symbols and
// the ocontexts.
func (r *reader) rules() {
	r.section = "avtab"
	r.avRules(r.u32(), false)

	r.section = "conditional rules"
	n := r.u32()
	r.count(n, 16)
	for range n {
		if r.err != nil {
			return
		}
		var w [2]uint32 // state, expression terms
		r.u32s(w[:])
		r.skip(8 * int64(w[1]))
		r.avRules(r.u32(), true) // rules when true
		r.avRules(r.u32(), true) // rules when false
	}

	r.section = "role transitions"
	r.skip(16 * int64(r.u32())) // role, type, new role, class
	r.section = "role allow rules"
	r.skip(8 * int64(r.u32())) // role, new role

	r.section = "filename transitions"
	n = r.u32()
	r.count(n, 17) // name length, a name, and three words or more
	for range n {
		if r.err != nil {
			return
		}
		r.skipString(r.u32())
		if r.version < versionCompFtrans {
			r.skip(16) // source, target, class, new type
			continue
		}
		var w [3]uint32 // target, class, entries
		r.u32s(w[:])
		r.count(w[2], 16)
		for range w[2] {
			if r.err != nil {
				return
			}
			r.ebitmap(nil) // sources
			r.skip(4)      // new type
		}
	}
}

// Bits of an access vector table entry's kind.
const (
	avtabAV     = 0x0007 // allow, auditallow, dontaudit
	avtabType   = 0x0070 // type_transition, type_member, type_change
	avtabXperms = 0x0700 // allowxperm, auditallowxperm, dontauditxperm
)

// avRules skips n access vector table entries without decoding them.
// Conditional ones may carry extended permissions only from version 34.
func (r *reader) avRules(n uint32, conditional bool) {
	r.count(n, 12)
	for range n {
		b := r.next(8) // source, target, class, kind: four 16-bit words
		if b == nil {
			return
		}
		kind := binary.LittleEndian.Uint16(b[6:])
		if bits.OnesCount16(kind&(avtabAV|avtabType|avtabXperms)) != 1 {
			r.malformed("rule kind %#04x", kind)
			return
		}
		if kind&avtabXperms != 0 {
			if conditional && r.version < versionCondXperms {
				r.malformed("extended permissions in a conditional rule, which version %d cannot hold", r.version)
				return
			}
			r.skip(2 + 32) // kind of extended permission, driver, 256-bit map
		} else {
			r.skip(4)
		}
	}
}

// ocontexts reads the initial SIDs and the portcons, and skips the other
// lists.
func (r *reader) ocontexts(lists int) {
	p := r.p
	for kind := range lists {
		if r.err != nil {
			return
		}
		r.section = ocontextNames[kind]
		n := r.u32()
		c := r.count(n, 16) // a context is at least three words and a range count
		switch kind {
		case ocISID:
			p.isids = make([]InitialSID, 0, c)
		case ocPort:
			p.portcons = make([]Portcon, 0, c)
		}
		for range n {
			if r.err != nil {
				return
			}
			switch kind {
			case ocISID:
				sid := InitialSID{Number: r.u32()}
				if int(sid.Number) < len(initialSIDNames) {
					sid.Name = initialSIDNames[sid.Number]
				}
				sid.Context = r.context(true)
				p.isids = append(p.isids, sid)
				if sid.Number == portSID {
					p.portSID = sid.Context
				}
			case ocPort:
				var w [3]uint32 // protocol, low port, high port
				r.u32s(w[:])
				// The kernel keeps these in 8 and 16 bits.
				pc := Portcon{Protocol: Protocol(w[0]), Low: uint16(w[1]), High: uint16(w[2])}
				pc.Context = r.context(true)
				p.portcons = append(p.portcons, pc)
			case ocFS, ocNetif:
				r.skipString(r.u32())
				r.context(false)
				r.context(false)
			case ocNode:
				r.skip(8) // address, mask
				r.context(false)
			case ocFSUse:
				var w [2]uint32 // behaviour, name length
				r.u32s(w[:])
				r.skipString(w[1])
				r.context(false)
			case ocNode6:
				r.skip(32) // address, mask
				r.context(false)
			case ocIBPkey:
				r.skip(16) // subnet prefix, low and high pkey
				r.context(false)
			case ocIBEndport:
				var w [2]uint32 // name length, port
				r.u32s(w[:])
				r.skipString(w[0])
				r.context(false)
			}
		}
	}
}

// context reads a security context, and names its parts when keep is set.
func (r *reader) context(keep bool) secontext.Context {
	var w [3]uint32 // user, role, type
	r.u32s(w[:])
	rng := r.mlsRange(keep && r.p.mls)
	if !keep || r.err != nil {
		return secontext.Context{}
	}
	p := r.p
	switch {
	case w[0] == 0 || int(w[0]) > len(r.users) || r.users[w[0]-1] == "":
		r.malformed("context user value %d", w[0])
	case w[1] == 0 || int(w[1]) > len(r.roles) || r.roles[w[1]-1] == "":
		r.malformed("context role value %d", w[1])
	case w[2] == 0 || int(w[2]) > len(p.types) || p.types[w[2]-1].name == "" || p.types[w[2]-1].attribute:
		r.malformed("context type value %d", w[2])
	default:
		return secontext.Context{User: r.users[w[0]-1], Role: r.roles[w[1]-1], Type: p.types[w[2]-1].name, Level: rng}
	}
	return secontext.Context{}
}

// mlsRange reads an MLS range and, when print is set, returns it in
// policy language; equal ranges share one string.
func (r *reader) mlsRange(print bool) string {
	items := r.u32()
	if r.err == nil && (items == 0 || items > 2) {
		r.malformed("range of %d levels", items)
	}
	var sens [2]uint32
	r.u32s(sens[:min(items, 2)])
	if items == 1 {
		sens[1] = sens[0]
	}
	var low, high *[]uint32
	if print {
		r.catBits[0], r.catBits[1] = r.catBits[0][:0], r.catBits[1][:0]
		low, high = &r.catBits[0], &r.catBits[1]
	}
	r.ebitmap(low)
	if items == 2 {
		r.ebitmap(high)
	} else if print {
		r.catBits[1] = append(r.catBits[1], r.catBits[0]...)
	}
	if !print || r.err != nil {
		return ""
	}

	key := r.key[:0]
	for i := range 2 {
		key = binary.LittleEndian.AppendUint32(key, sens[i])
		key = binary.LittleEndian.AppendUint32(key, uint32(len(r.catBits[i])))
		for _, c := range r.catBits[i] {
			key = binary.LittleEndian.AppendUint32(key, c)
		}
	}
	r.key = key
	if s, ok := r.ranges[string(key)]; ok {
		return s
	}
	// A category's name is printed in every range that holds it, so a
	// small input naming long categories in many distinct ranges could
	// print gigabytes; real ranges print shorter than their encoding.
	r.printed += int64(len(key))
	limit := maxPrintedBase + maxPrintedRatio*r.off
	var b strings.Builder
	r.level(&b, sens[0], r.catBits[0], limit)
	if sens[1] != sens[0] || !slices.Equal(r.catBits[1], r.catBits[0]) {
		b.WriteString(" - ")
		r.level(&b, sens[1], r.catBits[1], limit)
	}
	if r.err != nil {
		return ""
	}
	s := b.String()
	r.printed += int64(len(s))
	if r.ranges == nil {
		r.ranges = make(map[string]string)
	}
	r.ranges[string(key)] = s
	return s
}

// level prints a sensitivity and its categories to b the way setools
// does: runs of two or more categories as first.last, separated by commas.
// It stops when the ranges printed would pass limit bytes.
func (r *reader) level(b *strings.Builder, sens uint32, cats []uint32, limit int64) {
	if sens == 0 || int(sens) > len(r.sens) {
		r.malformed("sensitivity value %d", sens)
		return
	}
	b.WriteString(r.sens[sens-1])
	for i := 0; i < len(cats); {
		if r.printed+int64(b.Len()) > limit {
			r.fail(fmt.Errorf("%w at offset %d in the %s: its MLS ranges print to more than %d bytes", ErrTooLarge, r.off, r.section, limit))
			return
		}
		j := i
		for j+1 < len(cats) && cats[j+1] == cats[j]+1 {
			j++
		}
		if int(cats[j]) >= len(r.cats) {
			r.malformed("category value %d", cats[j]+1)
			return
		}
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(r.cats[cats[i]])
		if j > i {
			b.WriteByte('.')
			b.WriteString(r.cats[cats[j]])
		}
		i = j + 1
	}
}

// genfs skips the genfscon entries.
func (r *reader) genfs() {
	r.section = "genfscons"
	n := r.u32()
	r.count(n, 8)
	for range n {
		if r.err != nil {
			return
		}
		r.skipString(r.u32()) // file system
		m := r.u32()
		r.count(m, 24)
		for range m {
			if r.err != nil {
				return
			}
			r.skipString(r.u32()) // path
			r.skip(4)             // class
			r.context(false)
		}
	}
}

// rangeTransitions skips the range transition rules.
func (r *reader) rangeTransitions() {
	r.section = "range transitions"
	n := r.u32()
	r.count(n, 24)
	for range n {
		if r.err != nil {
			return
		}
		r.skip(12) // source, target, class
		r.mlsRange(false)
	}
}

// attributeMap reads, for each type, the attributes it has.
func (r *reader) attributeMap() {
	r.section = "attribute map"
	p := r.p
	p.attrStart = make([]uint32, 1, len(p.types)+1)
	var bits []uint32
	for i, t := range p.types {
		if r.err != nil {
			return
		}
		bits = bits[:0]
		r.ebitmap(&bits)
		for _, b := range bits {
			switch {
			case int(b) >= len(p.types):
				r.malformed("type %q has attribute value %d of %d", t.name, b+1, len(p.types))
				return
			case int(b) != i && !t.attribute && p.types[b].attribute:
				p.typeAttrs = append(p.typeAttrs, b+1)
			}
		}
		p.attrStart = append(p.attrStart, uint32(len(p.typeAttrs)))
	}
	p.membersRead = r.err == nil
}
