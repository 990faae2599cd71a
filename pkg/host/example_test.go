package host_test

import (
	"fmt"

	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/templates"
)

// A Fake stands for a host in tests and examples: here one whose /srv/data
// holds var_t files and a directory of web content, whose port 8080 is
// http_cache_port_t, and whose other ports get unreserved_port_t. What
// it answers is what a module for a container mounting /srv/data and
// publishing 8080 and 9000 grants.
func ExampleFake() {
	facts := &host.Fake{
		Labels: map[string]host.Label{"/srv/data": {Type: "var_t", Source: "file_contexts:2"}},
		Below: map[string][]host.TypeSource{"/srv/data": {
			{Type: "httpd_sys_content_t", Source: "file_contexts:10", Path: "/srv/data/site", Count: 12, Classes: []string{"dir", "file"}},
		}},
		Ports:       map[string]string{"8080/tcp": "http_cache_port_t"},
		DefaultPort: "unreserved_port_t",
	}
	ts, _ := facts.Types("/srv/data")
	for _, t := range ts.Types {
		fmt.Printf("/srv/data holds %s (%d paths, first %s)\n", t.Type, t.Count, t.Path)
	}
	p, _ := facts.Port("udp", 9000)
	fmt.Println("9000/udp is", p.Type, "with a warning:", p.Warning)

	c := inspect.Container{
		Name:   "cache",
		Mounts: []inspect.Mount{{Source: "/srv/data", Destination: "/data", Type: inspect.Bind}},
		Ports:  []inspect.Port{{ContainerPort: 8080, Protocol: "tcp"}, {ContainerPort: 9000, Protocol: "udp"}},
	}
	m, err := policy.Generate(c, facts, policy.Options{Name: "cache", Flavor: templates.Refpolicy})
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := m.CIL()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s", text)
	// Output:
	// /srv/data holds httpd_sys_content_t (12 paths, first /srv/data/site)
	// /srv/data holds var_t (1 paths, first /srv/data)
	// 9000/udp is unreserved_port_t with a warning: port 9000/udp: no portcon covers it; the kernel gives it the policy's default type unreserved_port_t
	// ; SELinux policy module for container cache, written by confine.
	// (block cache
	//     (blockinherit container)
	//     ; published ports
	//     (blockinherit restricted_net_container)
	//
	//     ; port 8080/tcp, portcon 8080-8080
	//     (allow process http_cache_port_t (tcp_socket (name_bind)))
	//
	//     ; port 9000/udp, default
	//     (allow process unreserved_port_t (udp_socket (name_bind)))
	//
	//     ; mount /srv/data -> /data (rw), /srv/data/site and 11 more, file_contexts:10
	//     (allow process httpd_sys_content_t (dir (add_name create getattr ioctl lock open read remove_name rename reparent rmdir search setattr write)))
	//     (allow process httpd_sys_content_t (file (append create getattr ioctl link lock map open read rename setattr unlink write)))
	//     (allow process httpd_sys_content_t (lnk_file (create getattr read rename setattr unlink)))
	//     (allow process httpd_sys_content_t (fifo_file (append create getattr ioctl lock open read rename setattr unlink write)))
	//     (allow process httpd_sys_content_t (sock_file (append create getattr open read rename setattr unlink write)))
	//
	//     ; mount /srv/data -> /data (rw), /srv/data, file_contexts:2
	//     (allow process var_t (dir (add_name create getattr ioctl lock open read remove_name rename reparent rmdir search setattr write)))
	//     (allow process var_t (file (append create getattr ioctl link lock map open read rename setattr unlink write)))
	//     (allow process var_t (lnk_file (create getattr read rename setattr unlink)))
	//     (allow process var_t (fifo_file (append create getattr ioctl lock open read rename setattr unlink write)))
	//     (allow process var_t (sock_file (append create getattr open read rename setattr unlink write)))
	// )
}
