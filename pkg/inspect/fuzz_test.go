package inspect_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/pkg/inspect"
)

var sentinels = []error{
	inspect.ErrNotJSON, inspect.ErrEmpty, inspect.ErrTooLarge, inspect.ErrUnknownShape,
	inspect.ErrFieldType, inspect.ErrFieldValue, inspect.ErrUnknownEngine,
}

var engines = []inspect.Engine{"", inspect.Docker, inspect.Podman, inspect.CRIO, inspect.Containerd, inspect.OCI}

// fuzzSeeds are small inputs of every shape Parse reads, with every
// feature it reads. The fixtures are real but large, and mutating (and
// minimizing) 30 kB inputs is slow; the fuzzer finds its way from these.
var fuzzSeeds = []string{
	// docker
	`[{"Id":"a1","Name":"/web","Mounts":[{"Type":"bind","Source":"/srv","Destination":"/srv","Mode":"ro,Z","RW":false},` +
		`{"Type":"volume","Source":"/v","Destination":"/v","Mode":"z","RW":true}],` +
		`"HostConfig":{"NetworkMode":"default","CapAdd":["NET_ADMIN","cap_syslog"],"CapDrop":["MKNOD"],"Privileged":false,` +
		`"ReadonlyRootfs":true,"SecurityOpt":["label=type:t","label=level:s0:c1,c2"],"Tmpfs":{"/run":"ro"},` +
		`"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"8000-8001/udp":[{"HostPort":"9000-9001"}]},` +
		`"Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"}]},` +
		`"NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"9/sctp":null}}}]`,
	`[{"Name":"/a","HostConfig":{"CapAdd":["ALL"],"CapDrop":["NET_RAW"]}},{"Name":"/b","HostConfig":{"CapDrop":["all"],"CapAdd":["CHOWN"],"Privileged":true}}]`,
	// podman
	`[{"Id":"b2","Name":"p","OCIRuntime":"crun","EffectiveCaps":["CAP_CHOWN","CAP_SYSLOG"],"ProcessLabel":"u:r:t:s0","MountLabel":"u:object_r:f:s0",` +
		`"Mounts":[{"Type":"bind","Source":"/h","Destination":"/h","Mode":"","RW":true,"Options":["rbind","z"]}],` +
		`"HostConfig":{"NetworkMode":"host","SecurityOpt":["label=type:x,label=level:s0:c1,c2,label=nested,label=disable"],` +
		`"PortBindings":{"53/udp":[{"HostIp":"127.0.0.1","HostPort":"5353"}]},"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":""}]}}]`,
	// crictl, CRI-O, as older crictl printed several: one object after another
	`{"status":{"id":"c3","metadata":{"name":"redis"},"mounts":[{"containerPath":"/d","hostPath":"/h","readonly":true,"selinuxRelabel":true}]},` +
		`"info":{"privileged":false,"runtimeSpec":{"ociVersion":"1.0.2","process":{"capabilities":{"effective":["CAP_KILL"]},"selinuxLabel":"l"},` +
		`"root":{"path":"r","readonly":true},"linux":{"namespaces":[{"type":"network","path":"/n"}],"mountLabel":"m",` +
		`"devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}],"resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"}]}}}}}` +
		"\n" + `{"status":{"id":"c4","metadata":{"name":"old"}}}`,
	// crictl, containerd's CRI plugin
	`[{"status":{"id":"c5","metadata":{"name":"api"},"mounts":[]},"info":{"runtimeType":"io.containerd.runc.v2","snapshotKey":"k",` +
		`"config":{"devices":[{"container_path":"/dev/xvdb","host_path":"/dev/vdb","permissions":"r"}],` +
		`"linux":{"security_context":{"privileged":true,"selinux_options":{"user":"u","role":"r","type":"t","level":"s0"}}}},` +
		`"runtimeSpec":{"ociVersion":"1.1.0","process":{"capabilities":{"effective":[]}},"linux":{"namespaces":[{"type":"network"}]}}}}]`,
	// nerdctl inspect --mode=native
	`[{"ID":"d6","Runtime":{"Name":"io.containerd.runc.v2"},"Labels":{"nerdctl/name":"web","nerdctl/networks":"[\"bridge\"]",` +
		`"nerdctl/ports":"[{\"HostPort\":8080,\"ContainerPort\":80,\"Protocol\":\"tcp\",\"HostIP\":\"0.0.0.0\"}]"},` +
		`"Spec":{"ociVersion":"1.1.0","mounts":[{"destination":"/w","type":"bind","source":"/s","options":["rbind","ro"]},{"destination":"/t","type":"tmpfs","source":"tmpfs"}]}}]`,
	// a bare OCI runtime spec
	`{"ociVersion":"1.2.0","process":{"capabilities":{"effective":["CAP_NET_BIND_SERVICE"]}},"root":{"path":"rootfs"},` +
		`"mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/data","source":"/srv/data","options":["bind","rw"]}],` +
		`"linux":{"devices":[{"path":"/dev/loop0","type":"b","major":7,"minor":0}],"resources":{"devices":[{"allow":true,"type":"b","access":"r"}]}}}`,
	// escapes and white space where the quick split must not be fooled
	"\t[ {\"Name\":\"/q\\\"]}\",\"Host\\u0043onfig\":{\"SecurityOpt\":[\"a]\\\\\"]}} ,{\"HostConfig\":{}}\r\n]\n",
}

// FuzzParse checks, for any bytes and any engine, that Parse does not
// panic; that it calls the input not JSON exactly when encoding/json's
// decoder does; that any other error is one line and wraps one of the
// package's sentinels; and that what it returns keeps the model's promises,
// the same each time.
func FuzzParse(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	for _, path := range fixtures(f) {
		if data, err := os.ReadFile(path); err == nil && len(data) < 1024 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		isJSON := decodes(data)
		for _, engine := range engines {
			containers, err := inspect.Parse(bytes.NewReader(data), engine)
			if err != nil {
				msg := err.Error()
				switch {
				case errors.Is(err, inspect.ErrNotJSON) == isJSON:
					t.Fatalf("engine %q: input is JSON: %v, but Parse says: %v", engine, isJSON, err)
				case !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }):
					t.Fatalf("engine %q: error wraps none of the package's errors: %v", engine, err)
				case msg == "" || strings.ContainsAny(msg, "\n\r"):
					t.Fatalf("engine %q: error is not one line: %q", engine, msg)
				}
				continue
			}
			if !isJSON {
				t.Fatalf("engine %q: Parse accepted input that is not JSON", engine)
			}
			if len(containers) == 0 {
				t.Fatalf("engine %q: no containers and no error", engine)
			}
			for _, c := range containers {
				checkContainer(t, c, engine)
			}
			if _, err := json.Marshal(containers); err != nil {
				t.Fatalf("engine %q: %v", engine, err)
			}
			if engine != "" {
				continue
			}
			again, err := inspect.Parse(bytes.NewReader(data), engine)
			if err != nil || !reflect.DeepEqual(containers, again) {
				t.Fatalf("second parse differs (%v)", err)
			}
		}
	})
}

// decodes reports whether data is JSON values one after another, as
// encoding/json's decoder reads them.
func decodes(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v json.RawMessage
		switch err := dec.Decode(&v); err {
		case nil:
		case io.EOF:
			return true
		default:
			return false
		}
	}
}

var (
	knownCapabilities = strings.Fields(allCapabilities)
	mountTypes        = []inspect.MountType{inspect.Bind, inspect.Volume, inspect.Tmpfs}
	protocols         = []string{"tcp", "udp", "sctp"}
)

// checkContainer checks the promises the model makes whatever the input:
// no nil lists, sorted and known capabilities, valid ports and mounts, and
// the engine asked for.
func checkContainer(t *testing.T, c inspect.Container, engine inspect.Engine) {
	t.Helper()
	if c.Mounts == nil || c.Ports == nil || c.Capabilities == nil || c.Devices == nil {
		t.Fatalf("nil list in %+v", c)
	}
	if engine != "" && c.Engine != engine || !slices.Contains(engines[1:], c.Engine) {
		t.Fatalf("engine %q, asked for %q", c.Engine, engine)
	}
	if !slices.IsSorted(c.Capabilities) || len(slices.Compact(slices.Clone(c.Capabilities))) != len(c.Capabilities) {
		t.Fatalf("capabilities not a sorted set: %q", c.Capabilities)
	}
	for _, name := range c.Capabilities {
		if !slices.Contains(knownCapabilities, name) {
			t.Fatalf("capability %q is not a known lowercase name", name)
		}
	}
	if c.Privileged && len(c.Capabilities) != len(knownCapabilities) {
		t.Fatalf("privileged, yet only capabilities %q", c.Capabilities)
	}
	for _, p := range c.Ports {
		if p.ContainerPort == 0 || !slices.Contains(protocols, p.Protocol) {
			t.Fatalf("bad port %+v", p)
		}
	}
	for _, m := range c.Mounts {
		if !slices.Contains(mountTypes, m.Type) || m.Relabel != "" && m.Relabel != "z" && m.Relabel != "Z" {
			t.Fatalf("bad mount %+v", m)
		}
	}
}
