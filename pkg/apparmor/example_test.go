package apparmor_test

import (
	"fmt"
	"strings"

	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
)

// A container with a read-only and a read-write mount, one published
// port and one capability: the lines of its profile that it alone
// causes.
func ExampleGenerate() {
	c := inspect.Container{
		Name:   "web",
		Engine: inspect.Docker,
		Mounts: []inspect.Mount{
			{Source: "/srv/www", Destination: "/usr/share/nginx/html", ReadOnly: true, Type: inspect.Bind},
			{Source: "/srv/cache", Destination: "/var/cache/nginx", Type: inspect.Bind},
		},
		Ports:        []inspect.Port{{ContainerPort: 80, Protocol: "tcp", HostPort: 8080}},
		Capabilities: []string{"net_bind_service"},
	}
	p, err := apparmor.Generate(c, apparmor.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := p.Text()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(text), "\n") {
		if strings.Contains(line, "nginx") || strings.Contains(line, "inet") || strings.Contains(line, "capability") && !strings.Contains(line, "#") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// # mount /srv/www -> /usr/share/nginx/html (ro): no writes, whatever allows them above
	// audit deny /usr/share/nginx/html{,/**} wl,
	// # mount /srv/cache -> /var/cache/nginx (rw)
	// /var/cache/nginx{,/**} rwlk,
	// network inet stream,
	// network inet6 stream,
	// capability net_bind_service,
}
