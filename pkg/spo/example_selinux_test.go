package spo_test

import (
	"fmt"
	"os"

	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/spo"
)

// A module as policy.Generate makes it becomes a SelinuxProfile; what SPO
// refuses by default is kept, and Advice says how to let it through.
func ExampleSelinuxProfile() {
	m := &policy.Module{
		Name:      "web",
		Templates: []policy.Template{{Block: "container"}},
		Groups: []policy.Group{
			{Target: "process", Rules: []policy.Rule{{Class: "capability", Perms: []string{"net_bind_service"}}}},
			{Target: "http_port_t", Rules: []policy.Rule{{Class: "tcp_socket", Perms: []string{"name_bind"}}}},
		},
	}
	doc, warnings, err := spo.SelinuxProfile(m, spo.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := doc.YAML()
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(text)
	fmt.Println("# seLinuxOptions.type:", doc.Usage())
	fmt.Println("#", len(warnings), "warning;", spo.Needs(doc).KubectlPatch(""))
	// Output:
	// apiVersion: security-profiles-operator.x-k8s.io/v1
	// kind: SelinuxProfile
	// metadata:
	//   name: web
	// spec:
	//   allow:
	//     '@self':
	//       capability:
	//       - net_bind_service
	//     http_port_t:
	//       tcp_socket:
	//       - name_bind
	//   inherit:
	//   - kind: System
	//     name: container
	// # seLinuxOptions.type: web.process
	// # 1 warning; kubectl -n security-profiles-operator patch spod spod --type=merge -p '{"spec":{"selinux":{"options":{"allowedClasses":["capability"]}}}}'
}
