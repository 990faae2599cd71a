package fcontext

import (
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
)

// benchPaths are looked up in turn by the benchmarks: common paths from
// several parts of the tree, deep and shallow, labelled by literal entries
// and by regexes.
var benchPaths = []string{
	"/etc/passwd",
	"/usr/bin/ls",
	"/usr/lib/systemd/system/sshd.service",
	"/usr/lib64/libc.so.6",
	"/var/lib/mysql/ibdata1",
	"/var/log/audit/audit.log",
	"/var/run/docker.sock",
	"/home/user/.ssh/authorized_keys",
	"/srv/www/html/index.html",
	"/opt/app/bin/server",
	"/dev/sda1",
	"/tmp/x",
	"/usr/share/doc/bash/README",
	"/etc/httpd/conf/httpd.conf",
	"/var/spool/cron/root",
	"/root/.bashrc",
}

// BenchmarkLoadAndFirstLookup is what a run of confine pays before its
// first answer: reading Fedora 41's file_contexts (6,445 lines) and
// .homedirs, and one lookup.
func BenchmarkLoadAndFirstLookup(b *testing.B) {
	dir := testutil.Shared(b, "policy/fedora-41")
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Lookup("/var/lib/mysql", Directory); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup is one further lookup, of one of benchPaths in turn,
// once every entry they reach has been compiled.
func BenchmarkLookup(b *testing.B) {
	dir := testutil.Shared(b, "policy/fedora-41")
	c, _, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range benchPaths {
		c.Lookup(p, AnyFile)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.Lookup(benchPaths[i%len(benchPaths)], AnyFile); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkUnder is the entries below a mount of /var, the largest tree of
// the policy, on a fresh load.
func BenchmarkUnder(b *testing.B) {
	dir := testutil.Shared(b, "policy/fedora-41")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c, _, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := c.Under("/var"); err != nil {
			b.Fatal(err)
		}
	}
}
