package policydb_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/policydb"
)

// seedSpecs are the small policies committed under testdata/policydb/seed,
// for the fuzzer and for the tests that must run without secilc. They
// cover MLS on and off, the first version with Infiniband contexts, the
// last without compressed filename transitions, and a policy without a
// port SID.
var seedSpecs = []struct {
	name    string
	base    string
	version int
	mls     bool
}{
	{"full-mls.33", "full", 33, true},
	{"full-nomls.31", "full", 31, false},
	{"full-mls.30", "full", 30, true},
	{"mini-mls.32", "mini", 32, true},
}

func seedPath(name string) string { return testdata(filepath.Join("seed", name)) }

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(seedPath(name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSeedsAreCurrent recompiles the seeds and fails when the committed
// ones differ; -update rewrites them.
func TestSeedsAreCurrent(t *testing.T) {
	for _, s := range seedSpecs {
		dir := t.TempDir()
		got, err := os.ReadFile(compile(t, dir, s.version, s.mls, baseCIL(s.base)...))
		if err != nil {
			t.Fatal(err)
		}
		if testutil.Updating() {
			if err := os.MkdirAll(filepath.Dir(seedPath(s.name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(seedPath(s.name), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want := readSeed(t, s.name); !bytes.Equal(got, want) {
			t.Errorf("seed %s differs from what secilc builds from the test bases (run with -update)", s.name)
		}
	}
}

// hiddenLength hides a reader's Len method, so that Read cannot check
// counts against the input's length and must find the end by reading.
type hiddenLength struct{ io.Reader }

// allocated returns the bytes the process has allocated so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// readBounded reads a policy and fails the test if reading allocated more
// than a little beyond a small multiple of the input: a count taken from
// the input must never size an allocation that the input cannot back.
func readBounded(t *testing.T, data []byte, hide bool, opts policydb.Options) (*policydb.Policy, error) {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	if hide {
		r = hiddenLength{r}
	}
	before := allocated()
	p, err := policydb.Read(r, opts)
	if grew, limit := allocated()-before, uint64(1<<20+32*len(data)); grew > limit {
		t.Fatalf("reading %d bytes (length hidden: %t) allocated %d bytes, more than %d", len(data), hide, grew, limit)
	}
	return p, err
}

func FuzzRead(f *testing.F) {
	for _, s := range seedSpecs {
		data := readSeed(f, s.name)
		f.Add(data)
		for _, n := range []int{40, len(data) / 3, len(data) / 2, len(data) - 1} {
			f.Add(data[:n])
		}
	}
	// Large counts in every count word of an empty policy, so that the
	// fuzzer starts from the inputs that once made huge allocations.
	empty, fields := emptyPolicy(33)
	f.Add(empty)
	for _, field := range fields {
		for _, v := range []uint32{0xffffffff, 1000} {
			f.Add(patch32(empty, field.off, v))
		}
	}
	f.Add(condXpermPolicy(34))
	// And in the first words of every section of a real policy.
	data := readSeed(f, "full-mls.33")
	for _, off := range sectionStarts(f, data) {
		for _, v := range []uint32{0xffffffff, 1000} {
			f.Add(patch32(data, off, v))
			if off+8 <= len(data) {
				f.Add(patch32(data, off+4, v))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := readBounded(t, data, false, policydb.Options{})
		q, errStream := readBounded(t, data, true, policydb.Options{})
		if (err == nil) != (errStream == nil) {
			t.Fatalf("with the length known: %v; without: %v", err, errStream)
		}
		if err != nil {
			for _, e := range []error{err, errStream} {
				if !slices.ContainsFunc([]error{policydb.ErrTruncated, policydb.ErrMalformed, policydb.ErrBadMagic,
					policydb.ErrUnsupportedVersion, policydb.ErrUnsupportedTarget, policydb.ErrTooLarge}, func(target error) bool { return errors.Is(e, target) }) {
					t.Fatalf("error without a sentinel: %v", e)
				}
			}
			return
		}
		if a, b := symbols(p), symbols(q); a != b {
			t.Fatalf("reading with and without the length differ:\n%s", testutil.Diff([]byte(a), []byte(b)))
		}
		s, err := readBounded(t, data, false, policydb.Options{SkipMembers: true})
		if err != nil {
			t.Fatalf("the whole policy reads but its start does not: %v", err)
		}
		if !slices.Equal(p.Portcons(), s.Portcons()) || !slices.Equal(p.Types(), s.Types()) {
			t.Fatal("SkipMembers changed the portcons or types")
		}
		for _, name := range slices.Concat(p.Types(), p.Attributes()) {
			if !p.HasType(name) {
				t.Fatalf("listed type %q does not exist", name)
			}
			for _, alias := range p.Aliases(name) {
				if got, _ := p.Resolve(alias); got != name {
					t.Fatalf("alias %q of %q resolves to %q", alias, name, got)
				}
			}
		}
		for _, c := range p.Classes() {
			for _, perm := range p.Permissions(c) {
				if !p.HasPermission(c, perm) {
					t.Fatalf("listed permission %s of %s does not exist", perm, c)
				}
			}
		}
		for _, pc := range p.Portcons() {
			if pc.Low > pc.High {
				continue // covers no port, in the kernel as here
			}
			for _, port := range []uint16{pc.Low, pc.High} {
				if l := p.LookupPort(pc.Protocol, port); l.Default {
					t.Fatalf("%s port %d is covered by %s but got the default label", pc.Protocol, port, pc)
				}
			}
		}
	})
}
