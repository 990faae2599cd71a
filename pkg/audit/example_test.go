package audit_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/confine-policy/confine/pkg/audit"
)

// Two attempts at one access, the second once the domain was made
// permissive, a port denial as journalctl shows the kernel's lines, and
// a record cut short.
const exampleLog = `type=AVC msg=audit(1796200000.125:7): avc:  denied  { read } for  pid=51 comm="nginx" name="index.html" dev="sda1" ino=12 scontext=system_u:system_r:web.process:s0:c1,c2 tcontext=system_u:object_r:httpd_sys_content_t:s0 tclass=file permissive=0
type=AVC msg=audit(1796200060.500:9): avc:  denied  { read } for  pid=77 comm="nginx" name="index.html" dev="sda1" ino=12 scontext=system_u:system_r:web.process:s0:c1,c2 tcontext=system_u:object_r:httpd_sys_content_t:s0 tclass=file permissive=1
Dec 02 10:01:02 guest kernel: audit: type=1400 audit(1796200062.000:10): avc:  denied  { name_bind } for  pid=77 comm="nginx" src=8080 scontext=system_u:system_r:web.process:s0:c1,c2 tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket permissive=1
type=AVC msg=audit(1796200070.000:11): avc:  denied  { write } for  pid=77 comm="ngi
`

func ExampleParse() {
	l, err := audit.Parse(strings.NewReader(exampleLog))
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range l.Denials {
		fmt.Printf("%s %s %s {%s} port=%d permissive=%t x%d\n",
			d.SourceType, d.TargetType, d.Class, strings.Join(d.Perms, " "), d.Port, d.Permissive, d.Count)
	}
	for _, n := range l.Unreadable {
		fmt.Printf("line %d: not a readable denial\n", n)
	}
	// Output:
	// web.process httpd_sys_content_t file {read} port=0 permissive=true x2
	// web.process http_cache_port_t tcp_socket {name_bind} port=8080 permissive=true x1
	// line 4: not a readable denial
}
