package policy_test

import (
	"fmt"
	"os"

	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/templates"
)

// Generating the module for a docker container that publishes port 80,
// is given /dev/null and mounts /srv/www read-only, on a host a host.Fake
// describes: the files below /srv/www are web content and CGI scripts,
// and port 80 is http_port_t. The module grants exactly those types, each
// with the reasons for it.
func ExampleGenerate() {
	f, err := os.Open("../../testdata/inspect/docker-20.10-web.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cs, err := inspect.Parse(f, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := cs[0]
	c.Mounts = []inspect.Mount{{Source: "/srv/www", Destination: "/usr/share/nginx/html", ReadOnly: true, Type: inspect.Bind}}
	facts := &host.Fake{
		Labels: map[string]host.Label{
			"/srv/www":  {Type: "httpd_sys_content_t", Source: "file_contexts:10"},
			"/dev/null": {Type: "null_device_t", Source: "file_contexts:50"},
		},
		Devices: map[string]string{"/dev/null": "chr_file"},
		Below: map[string][]host.TypeSource{"/srv/www": {
			{Type: "httpd_sys_script_exec_t", Source: "file_contexts:11", Path: "/srv/www/cgi-bin", Count: 2, Classes: []string{"dir", "file"}},
		}},
		Ports: map[string]string{"80/tcp": "http_port_t"},
	}
	m, err := policy.Generate(c, facts, policy.Options{Name: "web", Flavor: templates.Fedora})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range m.Templates {
		fmt.Println("inherits", t.Block, t.Reasons)
	}
	for _, g := range m.Groups {
		fmt.Println(g.Target, g.Rules, g.Reasons)
	}
	for _, w := range m.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// inherits container []
	// inherits restricted_net_container [published ports]
	// process [{capability [audit_write chown dac_override fowner fsetid kill mknod net_admin net_bind_service net_raw setfcap setgid setpcap setuid sys_chroot]}] [capabilities the container has]
	// http_port_t [{tcp_socket [name_bind]}] [port 80/tcp (host port 8080), portcon 80-80]
	// null_device_t [{chr_file [append getattr ioctl lock map open read write]}] [device /dev/null (rw), file_contexts:50]
	// httpd_sys_content_t [{dir [getattr ioctl lock open read search]}] [mount /srv/www -> /usr/share/nginx/html (ro), /srv/www, file_contexts:10]
	// httpd_sys_script_exec_t [{dir [getattr ioctl lock open read search]} {file [getattr ioctl lock map open read]}] [mount /srv/www -> /usr/share/nginx/html (ro), /srv/www/cgi-bin and 1 more, file_contexts:11]
}

// A mount that meets a credential store gets no rule for it unless
// Options.AllowTypes names its type; SecretTypes says which types those
// are, and what each holds.
func ExampleSecretTypes() {
	secrets := policy.SecretTypes(templates.Fedora)
	for _, typ := range []string{"ssh_home_t", "httpd_sys_content_t"} {
		what, secret := secrets[typ]
		fmt.Printf("%s: secret %v %s\n", typ, secret, what)
	}
	// Output:
	// ssh_home_t: secret true ssh keys, known hosts and authorized keys (~/.ssh)
	// httpd_sys_content_t: secret false
}
