package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/confine-policy/confine/internal/testutil"
)

// Contexts the cases share.
const (
	webCtx   = "system_u:system_r:web.process:s0:c1,c2"
	ctrCtx   = "system_u:system_r:container_t:s0:c3,c4"
	htmlCtx  = "system_u:object_r:httpd_sys_content_t:s0"
	stamp    = "type=AVC msg=audit(1796200000.125:7): "
	webRead  = `avc:  denied  { read } for  pid=51 comm="nginx" name="index.html" dev="sda1" ino=12 scontext=` + webCtx + ` tcontext=` + htmlCtx + ` tclass=file permissive=0`
	ctrWrite = `avc:  denied  { write } for  pid=52 comm="app" path="/data/out" dev="vdb" ino=3 scontext=` + ctrCtx + ` tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0`
)

// webReadDenial is what webRead says, on line 1.
func webReadDenial() Denial {
	return Denial{
		Line: 1, Event: "AVC", Perms: []string{"read"},
		Source: webCtx, Target: htmlCtx, SourceType: "web.process", TargetType: "httpd_sys_content_t",
		Class: "file", Comm: "nginx", Name: "index.html", Count: 1,
	}
}

// with returns webReadDenial changed by f.
func with(f func(*Denial)) Denial {
	d := webReadDenial()
	f(&d)
	return d
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Log
	}{
		{"empty", "", Log{}},
		{"no avc", "----\ntime->Wed Dec  2 10:00:00 2026\ntype=SYSCALL msg=audit(1796200000.125:7): arch=c000003e syscall=2 comm=\"nginx\"\n", Log{}},
		{"raw", stamp + webRead + "\n", Log{Denials: []Denial{webReadDenial()}}},
		{"no final newline", stamp + webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"crlf", stamp + webRead + "\r\n" + stamp + webRead + "\r\n", Log{Denials: []Denial{with(func(d *Denial) { d.Count = 2 })}, Duplicates: 1}},
		{"line number", "----\n\n" + stamp + webRead + "\n", Log{Denials: []Denial{with(func(d *Denial) { d.Line = 3 })}}},
		{"node prefix", "node=guest " + stamp + webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"journalctl kernel", "Dec 02 10:00:00 guest kernel: audit: type=1400 audit(1796200000.125:7): " + webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"dmesg", "[   12.345678] audit: type=1400 audit(1796200000.125:7): " + webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"journald audit", "Dec 02 10:00:00 guest audit[51]: AVC " + webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"bare", webRead, Log{Denials: []Denial{webReadDenial()}}},
		{"single spaces", "avc: denied { read } for pid=51 comm=\"nginx\" name=\"index.html\" scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{webReadDenial()}}},
		{"interpreted", "type=AVC msg=audit(12/02/2026 10:00:00.125:7) : avc:  denied  { read } for  pid=51 comm=nginx name=index.html dev=\"sda1\" ino=12 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file permissive=0",
			Log{Denials: []Denial{webReadDenial()}}},
		{"interpreted, another locale", "type=AVC msg=audit(2.12.2026 10:00:00.125:7) : avc:  denied  { read } for  pid=51 comm=nginx name=4142 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{with(func(d *Denial) { d.Name = "4142" })}}},
		{"interpreted spaces", "type=AVC msg=audit(12/02/2026 10:00:00.125:7) : avc:  denied  { read } for  pid=51 comm=web worker 2 path=/srv/my site/a b.html dev=\"sda1\" ino=12 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file permissive=0",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm, d.Name, d.Path = "web worker 2", "", "/srv/my site/a b.html" })}}},
		{"interpreted space at the end", "type=AVC msg=audit(12/02/2026 10:00:00.125:7) : avc:  denied  { read } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file name=a b  ",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm, d.Name = "", "a b" })}}},
		{"hex", stamp + "avc:  denied  { read } for  pid=51 comm=6E67696E7820776B name=2F746D702F6120622E747874 path=C3A9 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm, d.Name, d.Path = "nginx wk", "/tmp/a b.txt", "é" })}}},
		{"not hex", stamp + `avc:  denied  { read } for  comm="414243" name=(null) path=abcd scontext=` + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm, d.Name, d.Path = "414243", "(null)", "abcd" })}}},
		{"odd hex", stamp + `avc:  denied  { read } for  comm=ABC name=4 scontext=` + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm, d.Name = "ABC", "4" })}}},
		{"quoted empty", stamp + `avc:  denied  { read } for  comm="" name="index.html" scontext=` + webCtx + " tcontext=" + htmlCtx + " tclass=file",
			Log{Denials: []Denial{with(func(d *Denial) { d.Comm = "" })}}},
		{"first of two fields", stamp + `avc:  denied  { read } for  comm="nginx" name="index.html" name="other" scontext=` + webCtx + " tcontext=" + htmlCtx + " tclass=file tclass=dir",
			Log{Denials: []Denial{webReadDenial()}}},
		{"enriched", stamp + webRead + "\x1dAUID=\"unset\" UID=\"root\"", Log{Denials: []Denial{webReadDenial()}}},
		{"level with colons", stamp + "avc:  denied  { read } for scontext=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 tcontext=u:object_r:etc_t tclass=file",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"read"}, Source: "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023", Target: "u:object_r:etc_t",
				SourceType: "unconfined_t", TargetType: "etc_t", Class: "file", Count: 1}}}},
		{"perms sorted and unique", stamp + strings.Replace(webRead, "{ read }", "{ write read  open read }", 1),
			Log{Denials: []Denial{with(func(d *Denial) { d.Perms = []string{"open", "read", "write"} })}}},
		{"unknown perm bits", stamp + strings.Replace(webRead, "{ read }", "{ read 0x800000 }", 1),
			Log{Denials: []Denial{with(func(d *Denial) { d.Perms = []string{"0x800000", "read"} })}}},
		{"self", stamp + "avc:  denied  { sys_time } for  pid=51 comm=\"probe\" capability=25  scontext=" + ctrCtx + " tcontext=" + ctrCtx + " tclass=capability permissive=0",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"sys_time"}, Source: ctrCtx, Target: ctrCtx, SourceType: "container_t", TargetType: "container_t",
				Class: "capability", Comm: "probe", Count: 1}}}},

		// Merging.
		{"noise merges", stamp + webRead + "\n" + "type=AVC msg=audit(1796200999.500:99): " + strings.NewReplacer("pid=51", "pid=700", "sda1", "sdb", "ino=12", "ino=5000").Replace(webRead) + "\n",
			Log{Denials: []Denial{with(func(d *Denial) { d.Count = 2 })}, Duplicates: 1}},
		{"permissive after enforcing", stamp + webRead + "\n" + stamp + strings.Replace(webRead, "permissive=0", "permissive=1", 1),
			Log{Denials: []Denial{with(func(d *Denial) { d.Count, d.Permissive = 2, true })}, Duplicates: 1}},
		{"enforcing after permissive", stamp + strings.Replace(webRead, "permissive=0", "permissive=1", 1) + "\n" + stamp + webRead,
			Log{Denials: []Denial{with(func(d *Denial) { d.Count, d.Permissive = 2, true })}, Duplicates: 1}},
		{"perm order merges", stamp + strings.Replace(webRead, "{ read }", "{ read write }", 1) + "\n" + stamp + strings.Replace(webRead, "{ read }", "{ write read }", 1),
			Log{Denials: []Denial{with(func(d *Denial) { d.Perms, d.Count = []string{"read", "write"}, 2 })}, Duplicates: 1}},
		{"other perms apart", stamp + webRead + "\n" + stamp + strings.Replace(webRead, "{ read }", "{ read open }", 1),
			Log{Denials: []Denial{webReadDenial(), with(func(d *Denial) { d.Line, d.Perms = 2, []string{"open", "read"} })}}},
		{"other level apart", stamp + webRead + "\n" + stamp + strings.ReplaceAll(webRead, "c1,c2", "c7,c9"),
			Log{Denials: []Denial{webReadDenial(), with(func(d *Denial) { d.Line, d.Source = 2, strings.ReplaceAll(webCtx, "c1,c2", "c7,c9") })}}},
		{"order of first appearance", stamp + webRead + "\n" + stamp + ctrWrite + "\n" + stamp + webRead,
			Log{Denials: []Denial{with(func(d *Denial) { d.Count = 2 }), {Line: 2, Event: "AVC", Perms: []string{"write"}, Source: ctrCtx, Target: "system_u:object_r:var_lib_t:s0",
				SourceType: "container_t", TargetType: "var_lib_t", Class: "file", Comm: "app", Path: "/data/out", Count: 1}}, Duplicates: 1}},
		{"raw and interpreted merge", stamp + webRead + "\ntype=AVC msg=audit(12/02/2026 10:00:00.125:7) : " + strings.ReplaceAll(webRead, `"`, ""),
			Log{Denials: []Denial{with(func(d *Denial) { d.Count = 2 })}, Duplicates: 1}},
		{"two records on a line", "type=SYSCALL msg=audit(1796200000.125:7): comm=\"nginx\" " + stamp + webRead + " " + stamp + ctrWrite + " type=PATH msg=audit(1796200000.125:7): item=0 name=\"avc:\"",
			Log{Denials: []Denial{webReadDenial(), {Line: 1, Event: "AVC", Perms: []string{"write"}, Source: ctrCtx, Target: "system_u:object_r:var_lib_t:s0",
				SourceType: "container_t", TargetType: "var_lib_t", Class: "file", Comm: "app", Path: "/data/out", Count: 1}}}},

		// USER_AVC.
		{"user avc", "type=USER_AVC msg=audit(1796200000.125:7): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 msg='avc:  denied  { status } for auid=n/a uid=0 gid=0 path=\"/usr/lib/systemd/system/web.service\" cmdline=\"\" scontext=" + webCtx + " tcontext=system_u:object_r:systemd_unit_file_t:s0 tclass=service permissive=0  exe=\"/usr/lib/systemd/systemd\" sauid=0 hostname=? addr=? terminal=?'",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"status"}, Source: webCtx, Target: "system_u:object_r:systemd_unit_file_t:s0",
				SourceType: "web.process", TargetType: "systemd_unit_file_t", Class: "service", Path: "/usr/lib/systemd/system/web.service", Count: 1}}}},
		{"user avc fields after the quote", "type=USER_AVC msg=audit(1796200000.125:7): pid=1 msg='avc:  denied  { status } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=service' tclass=other permissive=1 path=\"/x\"",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"status"}, Source: webCtx, Target: htmlCtx,
				SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "service", Count: 1}}}},
		{"user avc by number", "audit: type=1107 audit(1796200000.125:7): pid=1 uid=0 msg='avc:  denied  { start } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=service'",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"start"}, Source: webCtx, Target: htmlCtx,
				SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "service", Count: 1}}}},
		{"user avc from journald", "Dec 02 10:00:00 guest audit[1]: USER_AVC pid=1 uid=0 msg='avc:  denied  { start } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=service'",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"start"}, Source: webCtx, Target: htmlCtx,
				SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "service", Count: 1}}}},
		{"user avc, no type", "pid=1 uid=0 msg='avc:  denied  { start } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=service'",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"start"}, Source: webCtx, Target: htmlCtx,
				SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "service", Count: 1}}}},
		{"user avc and avc apart", stamp + webRead + "\ntype=USER_AVC msg=audit(1796200000.125:8): pid=1 msg='" + webRead + "'",
			Log{Denials: []Denial{webReadDenial(), with(func(d *Denial) { d.Line, d.Event = 2, "USER_AVC" })}}},
		{"dbus dest is no port", "type=USER_AVC msg=audit(1796200000.125:7): pid=880 uid=81 msg='avc:  denied  { send_msg } for msgtype=method_call interface=org.freedesktop.DBus member=Hello dest=org.freedesktop.DBus spid=51 scontext=" + webCtx + " tcontext=system_u:system_r:system_dbusd_t:s0 tclass=dbus permissive=0  exe=\"/usr/bin/dbus-broker\"'",
			Log{Denials: []Denial{{Line: 1, Event: "USER_AVC", Perms: []string{"send_msg"}, Source: webCtx, Target: "system_u:system_r:system_dbusd_t:s0",
				SourceType: "web.process", TargetType: "system_dbusd_t", Class: "dbus", Count: 1}}}},
		{"policyload notice", "type=USER_AVC msg=audit(1796200000.125:7): pid=1 uid=0 msg='avc:  received policyload notice (seqno=2)  exe=\"/usr/lib/systemd/systemd\"'", Log{}},

		// Ports.
		{"src", stamp + "avc:  denied  { name_bind } for  pid=51 comm=\"nginx\" src=8080 scontext=" + webCtx + " tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket permissive=0",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"name_bind"}, Source: webCtx, Target: "system_u:object_r:http_cache_port_t:s0",
				SourceType: "web.process", TargetType: "http_cache_port_t", Class: "tcp_socket", Comm: "nginx", Port: 8080, Count: 1}}}},
		{"dest", stamp + "avc:  denied  { name_connect } for  pid=51 comm=\"curl\" dest=443 scontext=" + webCtx + " tcontext=system_u:object_r:http_port_t:s0 tclass=tcp_socket permissive=0",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"name_connect"}, Source: webCtx, Target: "system_u:object_r:http_port_t:s0",
				SourceType: "web.process", TargetType: "http_port_t", Class: "tcp_socket", Comm: "curl", Port: 443, Count: 1}}}},
		{"lport before fport", stamp + "avc:  denied  { read } for  pid=51 fport=50123 laddr=10.0.0.5 lport=443 faddr=10.0.0.9 scontext=" + webCtx + " tcontext=" + webCtx + " tclass=tcp_socket",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"read"}, Source: webCtx, Target: webCtx,
				SourceType: "web.process", TargetType: "web.process", Class: "tcp_socket", Port: 443, Count: 1}}}},
		{"fport", stamp + "avc:  denied  { read } for  pid=51 fport=50123 scontext=" + webCtx + " tcontext=" + webCtx + " tclass=tcp_socket",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"read"}, Source: webCtx, Target: webCtx,
				SourceType: "web.process", TargetType: "web.process", Class: "tcp_socket", Port: 50123, Count: 1}}}},
		{"no port number", stamp + "avc:  denied  { name_bind } for src=0 dest=70000 lport=-1 fport=http scontext=" + webCtx + " tcontext=" + webCtx + " tclass=udp_socket",
			Log{Denials: []Denial{{Line: 1, Event: "AVC", Perms: []string{"name_bind"}, Source: webCtx, Target: webCtx,
				SourceType: "web.process", TargetType: "web.process", Class: "udp_socket", Count: 1}}}},
		{"ports apart", stamp + "avc:  denied  { name_bind } for src=80 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=tcp_socket\n" + stamp + "avc:  denied  { name_bind } for src=81 scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=tcp_socket",
			Log{Denials: []Denial{
				{Line: 1, Event: "AVC", Perms: []string{"name_bind"}, Source: webCtx, Target: htmlCtx, SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "tcp_socket", Port: 80, Count: 1},
				{Line: 2, Event: "AVC", Perms: []string{"name_bind"}, Source: webCtx, Target: htmlCtx, SourceType: "web.process", TargetType: "httpd_sys_content_t", Class: "tcp_socket", Port: 81, Count: 1},
			}}},

		// Not denials.
		{"granted", stamp + "avc:  granted  { setexec } for  pid=51 comm=\"runc\" scontext=" + ctrCtx + " tcontext=" + ctrCtx + " tclass=process\n" + stamp + "avc:  granted  { transition }",
			Log{Granted: 2}},
		{"other record types", "type=SYSCALL msg=audit(1796200000.125:7): comm=\"avc:\" exe=\"/usr/bin/grep\"\n" +
			"type=PROCTITLE msg=audit(12/02/2026 10:00:00.125:7) : proctitle=grep avc:  denied  { read } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file\n" +
			"type=MAC_STATUS msg=audit(1796200000.125:8): avc: enforcing=1\n" +
			"audit: type=1404 audit(1796200000.125:9): avc:  denied  { read } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file\n",
			Log{}},

		// Unreadable.
		{"cut short", stamp + `avc:  denied  { read } for  pid=51 comm="nginx" name="ind`, Log{Unreadable: []int{1}}},
		{"no braces", stamp + "avc:  denied  read for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file", Log{Unreadable: []int{1}}},
		{"no closing brace", stamp + "avc:  denied  { read for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file", Log{Unreadable: []int{1}}},
		{"empty braces", stamp + "avc:  denied  {  } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file", Log{Unreadable: []int{1}}},
		{"no class", stamp + "avc:  denied  { read } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=", Log{Unreadable: []int{1}}},
		{"no type", stamp + "avc:  denied  { read } for scontext=system_u:system_r tcontext=" + htmlCtx + " tclass=file", Log{Unreadable: []int{1}}},
		{"empty type", stamp + "avc:  denied  { read } for scontext=" + webCtx + " tcontext=u:r::s0 tclass=file", Log{Unreadable: []int{1}}},
		{"empty level", stamp + "avc:  denied  { read } for scontext=" + webCtx + " tcontext=u:r:t: tclass=file", Log{Unreadable: []int{1}}},
		{"unknown decision", stamp + "avc:  audited  { read } for scontext=" + webCtx + " tcontext=" + htmlCtx + " tclass=file", Log{Unreadable: []int{1}}},
		{"nothing after avc", stamp + "avc:", Log{Unreadable: []int{1}}},
		{"once per line", stamp + "avc:  denied " + stamp + "avc:  denied\nfine\n" + stamp + "avc: ?\n" + stamp + webRead,
			Log{Denials: []Denial{with(func(d *Denial) { d.Line = 4 })}, Unreadable: []int{1, 3}}},
		{"unreadable beside a denial", stamp + "avc:  denied " + stamp + webRead,
			Log{Denials: []Denial{webReadDenial()}, Unreadable: []int{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse:\n%s\nwant:\n%s", render(got), render(&tt.want))
			}
		})
	}
}

func TestParseLongLines(t *testing.T) {
	// A line of exactly MaxLine bytes is read; the denial is at its end.
	pad := strings.Repeat("x", MaxLine-len(stamp+webRead)-1)
	got, err := Parse(strings.NewReader("first\n" + pad + " " + stamp + webRead + "\n" + stamp + webRead + "\n"))
	if err != nil {
		t.Fatalf("a line of MaxLine bytes: %v", err)
	}
	if len(got.Denials) != 1 || got.Denials[0].Line != 2 || got.Denials[0].Count != 2 {
		t.Errorf("a line of MaxLine bytes: got\n%s", render(got))
	}

	// One byte more is an error naming the line.
	_, err = Parse(strings.NewReader("first\n" + pad + "x " + stamp + webRead + "\n"))
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("a line of MaxLine+1 bytes: err = %v, want ErrLineTooLong", err)
	}
	if want := "reading audit records: line 2: longer than 1 MiB"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Parse(iotest.DataErrReader(iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || err.Error() != "reading audit records: line 1: disk on fire" {
		t.Errorf("err = %v, want the reader's, wrapped", err)
	}
}

// TestGolden parses every testdata/audit/*.log and compares the result
// with NAME.golden beside it.
func TestGolden(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(), "testdata", "audit")
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) == 0 {
		t.Fatalf("no *.log in %s", dir)
	}
	for _, path := range logs {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			l, err := Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join(dir, name+".golden"), []byte(render(l)))
		})
	}
}

// render writes a Log as text: one line per denial with every field,
// then the counts.
func render(l *Log) string {
	var b strings.Builder
	for _, d := range l.Denials {
		fmt.Fprintf(&b, "line=%d event=%s perms={%s} class=%s\n", d.Line, d.Event, strings.Join(d.Perms, " "), d.Class)
		fmt.Fprintf(&b, "\tsource=%s type=%s\n", d.Source, d.SourceType)
		fmt.Fprintf(&b, "\ttarget=%s type=%s\n", d.Target, d.TargetType)
		fmt.Fprintf(&b, "\tcomm=%q name=%q path=%q port=%d permissive=%t count=%d\n", d.Comm, d.Name, d.Path, d.Port, d.Permissive, d.Count)
	}
	fmt.Fprintf(&b, "denials=%d granted=%d duplicates=%d unreadable=%v\n", len(l.Denials), l.Granted, l.Duplicates, l.Unreadable)
	return b.String()
}
