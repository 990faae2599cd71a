package confine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/templates"
)

// Generating the module for the container of a docker inspect output and
// writing it, as `docker inspect web | confine web -o DIR/web.cil` does,
// for a Fedora host whose facts a host.Fake gives: port 80 is http_port_t,
// and the other ports get the policy's default type.
func Example() {
	dir, err := os.MkdirTemp("", "modules")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	cs, err := confine.Read(context.Background(), confine.Source{File: "../../testdata/inspect/docker-20.10-ports.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ms, err := confine.Generate(cs.Containers, confine.Options{
		Name:   "web",
		Output: filepath.Join(dir, "web.cil"),
		// The Fake knows every name but the module's own.
		Facts:  &host.Fake{Ports: map[string]string{"80/tcp": "http_port_t"}, DefaultPort: "unreserved_port_t", Known: map[string]bool{"web": false}},
		Flavor: templates.Fedora,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ms.Write(os.Stdout); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range ms.Modules {
		fmt.Println(m.Name, "runs as", m.Recipe.Domain())
		for _, c := range m.Recipe.Load() {
			fmt.Println("#", strings.ReplaceAll(c, dir, "DIR"))
		}
	}
	text, err := os.ReadFile(filepath.Join(dir, "web.cil"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s", text)
	// Output:
	// web runs as web.process
	// # semodule -i DIR/web.cil /usr/share/udica/templates/{base_container.cil,net_container.cil}
	// ; SELinux policy module for container ports (docker a97c70aade2e), written by confine.
	// (block web
	//     (blockinherit container)
	//     ; published ports
	//     (blockinherit restricted_net_container)
	//
	//     ; capabilities the container has
	//     (allow process process (capability (audit_write chown dac_override fowner fsetid kill mknod net_bind_service net_raw setfcap setgid setpcap setuid sys_chroot)))
	//
	//     ; port 80/tcp (host port 8080), portcon 80-80
	//     ; port 80/tcp (host port 8081), portcon 80-80
	//     (allow process http_port_t (tcp_socket (name_bind)))
	//
	//     ; port 443/tcp (host port 8443), default
	//     ; port 53/udp (host port 5353), default
	//     ; port 8000/tcp, default
	//     ; port 8001/tcp, default
	//     ; port 8002/tcp, default
	//     ; port 8003/tcp, default
	//     ; port 9090/tcp, default
	//     ; port 9999/sctp, default
	//     (allow process unreserved_port_t (tcp_socket (name_bind)))
	//     (allow process unreserved_port_t (udp_socket (name_bind)))
	//     (allow process unreserved_port_t (sctp_socket (name_bind)))
	// )
}

// Installing confine's templates for a refpolicy host, as confine
// templates --write does; the load recipe names them in
// templates.Refpolicy.Dir().
func ExampleWriteTemplates() {
	dir, err := os.MkdirTemp("", "templates")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	paths, err := confine.WriteTemplates(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// base_container.cil
	// config_container.cil
	// home_container.cil
	// log_container.cil
	// net_container.cil
	// tmp_container.cil
	// tty_container.cil
	// virt_container.cil
	// x_container.cil
	// debian_engines.cil
}

// Writing the AppArmor profile of the same kind of input, as `docker
// inspect web | confine apparmor -o DIR/web web` does: a profile reads
// nothing of the host.
func ExampleGenerateProfiles() {
	dir, err := os.MkdirTemp("", "profiles")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	cs, err := confine.Read(context.Background(), confine.Source{File: "../../testdata/inspect/docker-20.10-web.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ps, err := confine.GenerateProfiles(cs.Containers, confine.ProfileOptions{Name: "web", Output: filepath.Join(dir, "web")})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ps.Write(os.Stdout); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps.Profiles {
		fmt.Println(p.Name, "runs with --security-opt", p.Recipe.SecurityOpt())
		for _, c := range p.Recipe.Load() {
			fmt.Println("#", strings.ReplaceAll(c, dir, "DIR"))
		}
	}
	// Output:
	// web runs with --security-opt apparmor=web
	// # install -D -m 0644 DIR/web /etc/apparmor.d/containers/web
	// # apparmor_parser -r -W /etc/apparmor.d/containers/web
}
