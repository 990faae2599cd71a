package inspect_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/confine-policy/confine/pkg/inspect"
)

func ExampleParse() {
	// Part of `docker inspect web` for a container made with
	// docker create --name web -v /srv/www:/www:ro,Z -p 8080:80 --cap-drop ALL --cap-add NET_BIND_SERVICE
	const dockerInspect = `[{
		"Id": "4a7c",
		"Name": "/web",
		"Mounts": [{"Type": "bind", "Source": "/srv/www", "Destination": "/www", "Mode": "ro,Z", "RW": false}],
		"HostConfig": {
			"NetworkMode": "default",
			"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
			"CapAdd": ["NET_BIND_SERVICE"],
			"CapDrop": ["ALL"]
		}
	}]`
	containers, err := inspect.Parse(strings.NewReader(dockerInspect), "")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range containers {
		fmt.Println(c.Name, c.Engine, c.NetworkMode, c.Capabilities)
		for _, m := range c.Mounts {
			fmt.Printf("%s -> %s read-only=%v relabel=%s\n", m.Source, m.Destination, m.ReadOnly, m.Relabel)
		}
		for _, p := range c.Ports {
			fmt.Printf("%d/%s on host port %d\n", p.ContainerPort, p.Protocol, p.HostPort)
		}
	}
	// Output:
	// web docker bridge [net_bind_service]
	// /srv/www -> /www read-only=true relabel=Z
	// 80/tcp on host port 8080
}

func ExampleParse_error() {
	_, err := inspect.Parse(strings.NewReader(`[{"Name": "/web", "HostConfig": {"CapAdd": "NET_ADMIN"}}]`), "")
	fmt.Println(err)
	// Output:
	// container 1 ("web"): HostConfig.CapAdd: want array of strings, got string
}

func ExampleParseEngine() {
	for _, name := range []string{"Docker", "CRI-O", "rkt"} {
		engine, err := inspect.ParseEngine(name)
		fmt.Printf("%q %v\n", engine, err)
	}
	// Output:
	// "docker" <nil>
	// "crio" <nil>
	// "" engine "rkt": unknown engine; want docker, podman, crio, containerd or oci
}
