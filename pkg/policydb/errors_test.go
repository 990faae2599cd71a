package policydb_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/policydb"
	"github.com/confine-policy/confine/pkg/secontext"
)

// Offsets in a policy's header.
const (
	versionOffset = 16 // after the magic, the target's length and "SE Linux"
	configOffset  = 20
	symNumOffset  = 24
)

func patch32(data []byte, off int, v uint32) []byte {
	data = bytes.Clone(data)
	binary.LittleEndian.PutUint32(data[off:], v)
	return data
}

func TestHeaderErrors(t *testing.T) {
	seed := readSeed(t, "full-mls.33")
	xen := bytes.Clone(seed)
	copy(xen[8:16], "XenFlask")
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, policydb.ErrTruncated, "truncated at offset 0 in the header"},
		{"short", seed[:19], policydb.ErrTruncated, "truncated at offset 16 in the header"},
		{"not a policy", []byte("#!/bin/sh\necho hello\n"), policydb.ErrBadMagic, "bad magic number 0x622f2123, want 0xf97cff8c"},
		{"module", patch32(seed, 0, 0xf97cff8d), policydb.ErrBadMagic, "bad magic number 0xf97cff8d: a policy module, not a kernel policy"},
		{"xen", xen, policydb.ErrUnsupportedTarget, `unsupported policy target "XenFlask": only SELinux policies are read`},
		{"target length", patch32(seed, 4, 1<<20), policydb.ErrMalformed, "malformed at offset 8 in the header: target name length 1048576"},
		{"version 35", patch32(seed, versionOffset, 35), policydb.ErrUnsupportedVersion, "unsupported policy version 35: this reader knows 30 to 34"},
		{"version 29", patch32(seed, versionOffset, 29), policydb.ErrUnsupportedVersion, "unsupported policy version 29: this reader knows 30 to 34"},
		{"version 30 with 9 ocontext lists", patch32(seed, versionOffset, 30), policydb.ErrMalformed,
			"malformed at offset 32 in the header: 8 symbol tables and 9 ocontext lists, want 8 and 7"},
		{"symbol tables", patch32(seed, symNumOffset, 7), policydb.ErrMalformed,
			"malformed at offset 32 in the header: 7 symbol tables and 9 ocontext lists, want 8 and 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policydb.Read(bytes.NewReader(tt.data), policydb.Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err.Error() != tt.msg {
				t.Errorf("got message %q, want %q", err, tt.msg)
			}
		})
	}
}

// truncation matches the error of a cut policy.
var truncation = regexp.MustCompile(`^truncated at offset (\d+) in the ([a-zA-Z0-9 _]+?)(: .*)?$`)

// readCut reads data[:n] and checks that the error reports truncation at
// an offset within the cut, at or after the offset of the previous cut's
// error: the reader walks the file forward. It returns the offset and the
// section the error names.
func readCut(t *testing.T, data []byte, n int, hide bool, prev int64) (int64, []string) {
	t.Helper()
	var r interface{ Read([]byte) (int, error) } = bytes.NewReader(data[:n])
	if hide {
		r = hiddenLength{r}
	}
	_, err := policydb.Read(r, policydb.Options{})
	if !errors.Is(err, policydb.ErrTruncated) {
		t.Fatalf("cut at %d (length hidden: %t): got %v, want truncation", n, hide, err)
	}
	m := truncation.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("cut at %d (length hidden: %t): %q does not say where", n, hide, err)
	}
	off, _ := strconv.ParseInt(m[1], 10, 64)
	if off > int64(n) || off < prev {
		t.Fatalf("cut at %d (length hidden: %t): %q, after an error at offset %d", n, hide, err, prev)
	}
	return off, m
}

// TestTruncation cuts seeds at every length, with the input's length
// known and hidden, and checks that every cut is reported as truncation at
// a place within the cut and no earlier than the shorter cuts' places. The
// golden file sums up the known-length errors of two versions: one line
// per section and kind of message, in the order first met, with how many
// cuts met it and the range of places it named, which shows that the
// reader walks every section.
func TestTruncation(t *testing.T) {
	numbers := regexp.MustCompile(`\b\d+\b`)
	type kind struct {
		message           string
		cuts              int
		firstOff, lastOff int64
	}
	var report strings.Builder
	for _, name := range []string{"full-mls.33", "full-nomls.31", "full-mls.30", "mini-mls.32"} {
		data := readSeed(t, name)
		var kinds []*kind
		index := map[string]*kind{}
		var prevKnown, prevHidden int64
		for n := range len(data) {
			prevHidden, _ = readCut(t, data, n, true, prevHidden)
			off, m := readCut(t, data, n, false, prevKnown)
			prevKnown = off
			message := numbers.ReplaceAllString(m[0], "N")
			k := index[message]
			if k == nil {
				k = &kind{message: message, firstOff: off}
				index[message] = k
				kinds = append(kinds, k)
			}
			k.cuts++
			k.lastOff = off
		}
		if name != "full-mls.33" && name != "full-mls.30" {
			continue
		}
		fmt.Fprintf(&report, "%s (%d bytes)\n", name, len(data))
		for _, k := range kinds {
			fmt.Fprintf(&report, "\t%5d cuts, offsets %5d-%5d: %s\n", k.cuts, k.firstOff, k.lastOff, k.message)
		}
	}
	testutil.Golden(t, testdata("truncation.golden"), []byte(report.String()))
}

// sectionStarts returns the offsets at which the sections of a policy
// begin, past its header: the shortest cuts whose truncation is reported
// in a section not seen before.
func sectionStarts(t testing.TB, data []byte) []int {
	var starts []int
	seen := map[string]bool{}
	for n := range len(data) {
		_, err := policydb.Read(bytes.NewReader(data[:n]), policydb.Options{})
		m := truncation.FindStringSubmatch(fmt.Sprint(err))
		if m == nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		if !seen[m[2]] {
			seen[m[2]] = true
			if m[2] != "header" {
				starts = append(starts, n)
			}
		}
	}
	return starts
}

// TestTruncationDebian cuts Debian's policy at a few hundred places.
func TestTruncationDebian(t *testing.T) {
	data, err := os.ReadFile(testutil.File(t, "/etc/selinux/default/policy/policy.33"))
	if err != nil {
		t.Fatal(err)
	}
	const cuts = 200
	var prevKnown, prevHidden int64
	sections := map[string]bool{}
	for i := range cuts {
		n := i * len(data) / cuts
		prevHidden, _ = readCut(t, data, n, true, prevHidden)
		var m []string
		prevKnown, m = readCut(t, data, n, false, prevKnown)
		sections[m[2]] = true
	}
	t.Logf("%d cuts met errors in %d sections", cuts, len(sections))
}

// TestOpenNamesFile checks that Open puts the file's name before the
// place at fault.
func TestOpenNamesFile(t *testing.T) {
	data := readSeed(t, "full-mls.33")
	n := 0
	for ; n < len(data); n++ {
		if _, err := policydb.Read(bytes.NewReader(data[:n]), policydb.Options{}); strings.HasSuffix(err.Error(), " in the avtab") {
			break
		}
	}
	path := filepath.Join(t.TempDir(), "policy.33")
	if err := os.WriteFile(path, data[:n+2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := policydb.Open(path)
	want := fmt.Sprintf("%s: truncated at offset %d in the avtab", path, n)
	if !errors.Is(err, policydb.ErrTruncated) || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestSkipMembersStopsEarly finds the shortest cut of a policy that still
// reads with SkipMembers and checks that it ends where the sections
// SkipMembers leaves out begin, and that it answers as the whole policy
// does.
func TestSkipMembersStopsEarly(t *testing.T) {
	tests := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"seed", func(t *testing.T) []byte { return readSeed(t, "full-mls.33") }},
		{"Debian", func(t *testing.T) []byte {
			data, err := os.ReadFile(testutil.File(t, "/etc/selinux/default/policy/policy.33"))
			if err != nil {
				t.Fatal(err)
			}
			return data
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			full, err := policydb.Read(bytes.NewReader(data), policydb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Reading a prefix with SkipMembers succeeds from some
			// length on, so a binary search finds that length.
			lo, hi := 0, len(data)
			for lo < hi {
				mid := (lo + hi) / 2
				if _, err := policydb.Read(bytes.NewReader(data[:mid]), policydb.Options{SkipMembers: true}); err == nil {
					hi = mid
				} else {
					lo = mid + 1
				}
			}
			_, err = policydb.Read(bytes.NewReader(data[:lo]), policydb.Options{})
			if want := fmt.Sprintf("truncated at offset %d in the genfscons", lo); err == nil || err.Error() != want {
				t.Fatalf("whole read of the shortest cut SkipMembers reads: got %v, want %q", err, want)
			}
			p, err := policydb.Read(bytes.NewReader(data[:lo]), policydb.Options{SkipMembers: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("SkipMembers reads %d of %d bytes", lo, len(data))
			for _, f := range []func(*policydb.Policy) any{
				func(p *policydb.Policy) any { return p.Portcons() },
				func(p *policydb.Policy) any { return p.Types() },
				func(p *policydb.Policy) any { return p.Attributes() },
				func(p *policydb.Policy) any { return p.Classes() },
				func(p *policydb.Policy) any { return p.Booleans() },
				func(p *policydb.Policy) any { return p.InitialSIDs() },
			} {
				if got, want := fmt.Sprint(f(p)), fmt.Sprint(f(full)); got != want {
					t.Errorf("read with SkipMembers differs:\n%s", testutil.Diff([]byte(want), []byte(got)))
				}
			}
			for _, attr := range full.Attributes() {
				if got := p.Members(attr); got != nil {
					t.Errorf("Members(%q) after SkipMembers = %v, want nil", attr, got)
				}
			}
			for _, typ := range full.Types() {
				if got := p.TypeAttributes(typ); got != nil {
					t.Errorf("TypeAttributes(%q) after SkipMembers = %v, want nil", typ, got)
				}
			}
		})
	}
}

// A countField is a count word of the policy emptyPolicy builds.
type countField struct {
	name string
	off  int
	// size is set for a symbol table's number of values, which may
	// exceed its entries only in tables whose values need no name.
	size, sparse bool
}

// emptyPolicy returns a valid policy of the given version with nothing in
// it, and its count words.
func emptyPolicy(version uint32) ([]byte, []countField) {
	var b []byte
	u32 := func(v ...uint32) {
		for _, w := range v {
			b = binary.LittleEndian.AppendUint32(b, w)
		}
	}
	u32(0xf97cff8c, 8)
	b = append(b, "SE Linux"...)
	u32(version, 1, 8, 9)
	u32(64, 0, 0, 64, 0, 0) // no policy capabilities, no permissive types
	var fields []countField
	count := func(name string, size, sparse bool) {
		fields = append(fields, countField{name, len(b), size, sparse})
		u32(0)
	}
	for _, table := range []string{"commons", "classes", "roles", "types", "users", "booleans", "sensitivities", "categories"} {
		sparse := table == "commons" || table == "classes" || table == "booleans"
		count(table+" size", true, sparse)
		count(table, false, false)
	}
	for _, list := range []string{"avtab", "conditional rules", "role transitions", "role allow rules", "filename transitions",
		"initial SIDs", "fs contexts", "portcons", "netifcons", "nodecons", "fs_use rules", "IPv6 nodecons",
		"ibpkeycons", "ibendportcons", "genfscons", "range transitions"} {
		count(list, false, false)
	}
	return b, fields
}

// TestHostileCounts sets each count of an empty policy to large values and
// checks that reading fails, or succeeds for the sizes of tables that may
// leave values unused, without allocating more than a little.
func TestHostileCounts(t *testing.T) {
	data, fields := emptyPolicy(33)
	p, err := policydb.Read(bytes.NewReader(data), policydb.Options{})
	if err != nil {
		t.Fatalf("empty policy: %v", err)
	}
	if l := p.LookupPort(policydb.TCP, 80); !l.Default || l.Context != (secontext.Context{}) {
		t.Errorf("empty policy: LookupPort = %+v, want an empty default", l)
	}
	for _, f := range fields {
		for _, v := range []uint32{0xffffffff, 0x10000000, 1000} {
			for _, hide := range []bool{false, true} {
				name := fmt.Sprintf("%s=%#x/hidden=%t", f.name, v, hide)
				var r interface{ Read([]byte) (int, error) } = bytes.NewReader(patch32(data, f.off, v))
				if hide {
					r = hiddenLength{r}
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				_, err := policydb.Read(r, policydb.Options{})
				runtime.ReadMemStats(&after)
				switch {
				case f.sparse && err != nil:
					t.Errorf("%s: got %v, want no error", name, err)
				case !f.sparse && !errors.Is(err, policydb.ErrTruncated) && !errors.Is(err, policydb.ErrMalformed):
					t.Errorf("%s: got %v, want truncation or corruption", name, err)
				}
				if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
					t.Errorf("%s: allocated %d bytes", name, grew)
				}
			}
		}
	}
}

// condXpermPolicy returns an empty policy with one conditional rule that
// holds an extended permission rule, as version 34 allows.
func condXpermPolicy(version uint32) []byte {
	data, fields := emptyPolicy(version)
	var cond []byte
	u32 := func(v ...uint32) {
		for _, w := range v {
			cond = binary.LittleEndian.AppendUint32(cond, w)
		}
	}
	u32(1)                       // one conditional
	u32(0, 1)                    // state, one expression term
	u32(1, 1)                    // the term: boolean 1
	u32(1)                       // one rule when true
	u32(1<<16 | 1)               // source 1, target 1: 16 bits each
	u32(0x0100<<16 | 1)          // class 1, allowxperm
	cond = append(cond, 1, 0x89) // ioctl function numbers of driver 0x89
	cond = append(cond, make([]byte, 32)...)
	u32(0) // no rules when false
	for _, f := range fields {
		if f.name == "conditional rules" {
			return slices.Concat(data[:f.off], cond, data[f.off+4:])
		}
	}
	panic("no conditional rules in the empty policy")
}

func TestVersion34(t *testing.T) {
	// Version 34 only allows extended permissions in conditional rules,
	// so a version 33 policy relabelled 34 is a valid one.
	v33 := readSeed(t, "full-mls.33")
	p33, err := policydb.Read(bytes.NewReader(v33), policydb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p34, err := policydb.Read(bytes.NewReader(patch32(v33, versionOffset, 34)), policydb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p34.Version() != 34 {
		t.Errorf("Version() = %d, want 34", p34.Version())
	}
	want := symbols(p33) + fmt.Sprint(p33.Portcons())
	if got := symbols(p34) + fmt.Sprint(p34.Portcons()); got != want {
		t.Errorf("version 34 reads differently:\n%s", testutil.Diff([]byte(want), []byte(got)))
	}

	// And only version 34 has them.
	if _, err := policydb.Read(bytes.NewReader(condXpermPolicy(34)), policydb.Options{}); err != nil {
		t.Errorf("version 34 with extended permissions in a conditional rule: %v", err)
	}
	_, err = policydb.Read(bytes.NewReader(condXpermPolicy(33)), policydb.Options{})
	if want := "malformed at offset 156 in the conditional rules: extended permissions in a conditional rule, which version 33 cannot hold"; err == nil || err.Error() != want {
		t.Errorf("version 33 with extended permissions in a conditional rule: got %v, want %q", err, want)
	}
}

func TestMalformed(t *testing.T) {
	seed := readSeed(t, "full-mls.33")
	empty, fields := emptyPolicy(33)
	field := func(name string) int {
		for _, f := range fields {
			if f.name == name {
				return f.off
			}
		}
		panic("no count " + name)
	}
	// The policy capabilities bitmap starts right after the header.
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"bitmap unit", patch32(seed, 32, 32), "malformed at offset 44 in the policy capabilities: bitmap unit 32, want 64"},
		{"bitmap high bit", patch32(seed, 36, 65), "malformed at offset 44 in the policy capabilities: bitmap high bit 65 is not a multiple of 64"},
		{"bitmap without nodes", patch32(seed, 40, 0), "malformed at offset 44 in the policy capabilities: bitmap with high bit 64 and 0 nodes"},
		{"bitmap node past high bit", patch32(seed, 44, 64), "malformed at offset 56 in the policy capabilities: bitmap node at bit 64 out of order or past high bit 64"},
		{"types without names", patch32(empty, field("types size"), 5), "malformed at offset 88 in the types: 5 values but only 0 entries"},
		{"entries without values", patch32(empty, field("users"), 5), "malformed at offset 96 in the users: 5 entries but no values"},
		{"MLS flag cleared", patch32(seed, configOffset, 0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policydb.Read(bytes.NewReader(tt.data), policydb.Options{})
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, policydb.ErrMalformed) || err.Error() != tt.msg {
				t.Errorf("got %v, want %q", err, tt.msg)
			}
		})
	}
}

// TestLongCategoryNames reads a policy whose portcons name long
// categories in many different sets: printing their ranges would take
// far more memory than the file, so the reader refuses it.
func TestLongCategoryNames(t *testing.T) {
	const cats = 64
	var b strings.Builder
	b.WriteString("(roletype object_r http_port_t)\n")
	names := make([]string, cats)
	for i := range names {
		names[i] = fmt.Sprintf("long%02d_%s", i, strings.Repeat("c", 1990))
		fmt.Fprintf(&b, "(category %s)\n", names[i])
	}
	fmt.Fprintf(&b, "(categoryorder (c0 %s))\n(sensitivitycategory s0 (%s))\n", strings.Join(names, " "), strings.Join(names, " "))
	// Every other category, so that no two print as a range, less two
	// of them, so that each portcon has a set of its own.
	for i := range 200 {
		var set []string
		for j := 1; j < cats; j += 2 {
			if j != 2*(i%31)+1 && j != 2*(i/31)+1 {
				set = append(set, names[j])
			}
		}
		level := "(s0 (" + strings.Join(set, " ") + "))"
		fmt.Fprintf(&b, "(portcon tcp %d (system_u object_r http_port_t (%s %s)))\n", 10000+i, level, level)
	}
	dir := t.TempDir()
	cil := filepath.Join(dir, "long.cil")
	if err := os.WriteFile(cil, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := compile(t, dir, 33, true, append(baseCIL("mini"), cil)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := policydb.Open(path)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, policydb.ErrTooLarge) || !strings.Contains(err.Error(), "in the portcons: its MLS ranges print to more than") {
		t.Errorf("got %v, want the ranges found too large", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("allocated %d bytes", grew)
	}
}
