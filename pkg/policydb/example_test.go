package policydb_test

import (
	"fmt"
	"log"

	"github.com/confine-policy/confine/pkg/policydb"
)

func Example() {
	// On a host: path, err := policydb.Find("/")
	p, err := policydb.Open("../../testdata/policydb/seed/full-mls.33")
	if err != nil {
		log.Fatal(err)
	}
	// The first portcon in the policy's order wins: 8008 is also in a
	// range 8000-8010 of http_cache_port_t.
	for _, port := range []uint16{80, 8008, 9999} {
		l := p.LookupPort(policydb.TCP, port)
		fmt.Printf("tcp/%d\t%s\t%s\n", port, l.Type(), l.Portcon)
	}
	// No portcon covers udp/2000: the port initial SID labels it.
	l := p.LookupPort(policydb.UDP, 2000)
	fmt.Printf("udp/2000\t%s\tdefault: %t\n", l.Type(), l.Default)

	// A rule may name only what the policy has.
	fmt.Println(p.HasType("http_port_t"), p.HasClass("tcp_socket"), p.HasPermission("tcp_socket", "name_bind"))
	fmt.Println(p.HasType("sge_spool_t"), p.HasPermission("tcp_socket", "fly"))
	alias, _ := p.Resolve("www_port_t")
	fmt.Println("www_port_t is an alias of", alias)
	fmt.Println("port_type holds", len(p.Members("port_type")), "types")
	// Output:
	// tcp/80	http_port_t	portcon tcp 80 system_u:object_r:http_port_t:s0
	// tcp/8008	http_port_t	portcon tcp 8008 system_u:object_r:http_port_t:s0
	// tcp/9999	unreserved_port_t	portcon tcp 1024-65535 system_u:object_r:unreserved_port_t:s0
	// udp/2000	reserved_port_t	default: true
	// true true true
	// false false
	// www_port_t is an alias of http_port_t
	// port_type holds 8 types
}
