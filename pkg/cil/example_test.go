package cil_test

import (
	"fmt"

	"github.com/confine-policy/confine/pkg/cil"
)

func ExampleFormat() {
	m := &cil.Module{
		Name: "web",
		Body: []cil.Statement{
			cil.BlockInherit("container"),
			cil.Comment("port 80/tcp"),
			cil.Allow{Source: "process", Target: "http_port_t", Class: "tcp_socket", Perms: []string{"name_bind"}},
		},
	}
	text, err := cil.Format(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(text))

	m.Name = "web;(allow"
	_, err = cil.Format(m)
	fmt.Println(err)
	// Output:
	// (block web
	//     (blockinherit container)
	//     ; port 80/tcp
	//     (allow process http_port_t (tcp_socket (name_bind)))
	// )
	// block name: invalid CIL name "web;(allow": character ';' is not a letter, digit, '_' or '-'
}
