package policydb_test

import (
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/policydb"
)

// BenchmarkOpenLookupPort opens Debian's policy and asks for one port's
// type, as `confine port` does once per run. The target is under 50 ms
// and 100 MB; with SkipMembers, as pkg/host opens it, and without.
func BenchmarkOpenLookupPort(b *testing.B) {
	path := testutil.File(b, "/etc/selinux/default/policy/policy.33")
	for _, bm := range []struct {
		name string
		opts policydb.Options
	}{
		{"whole", policydb.Options{}},
		{"SkipMembers", policydb.Options{SkipMembers: true}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := policydb.OpenWith(path, bm.opts)
				if err != nil {
					b.Fatal(err)
				}
				if l := p.LookupPort(policydb.TCP, 80); l.Type() != "http_port_t" {
					b.Fatalf("tcp port 80 has type %q", l.Type())
				}
			}
		})
	}
}
