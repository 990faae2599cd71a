package inspect_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/inspect"
)

// parseOne parses input, which must hold one container.
func parseOne(t *testing.T, input string, engine inspect.Engine) (inspect.Container, error) {
	t.Helper()
	containers, err := inspect.Parse(strings.NewReader(input), engine)
	if err != nil {
		return inspect.Container{}, err
	}
	if len(containers) != 1 {
		t.Fatalf("got %d containers, want 1", len(containers))
	}
	return containers[0], nil
}

// dockerWith is docker inspect output for one container with hostConfig as
// its HostConfig.
func dockerWith(hostConfig string) string {
	return `[{"Id": "c0ffee", "Name": "/web", "HostConfig": ` + hostConfig + `}]`
}

func TestDockerCapabilities(t *testing.T) {
	defaults := "audit_write chown dac_override fowner fsetid kill mknod net_bind_service net_raw setfcap setgid setpcap setuid sys_chroot"
	tests := []struct {
		name       string
		hostConfig string
		want       string // space-separated; "error: ..." for an error
	}{
		{"none", `{}`, defaults},
		{"null lists", `{"CapAdd": null, "CapDrop": null}`, defaults},
		{"add in any spelling", `{"CapAdd": ["NET_ADMIN", "cap_sys_time", "Cap_Syslog"]}`,
			"audit_write chown dac_override fowner fsetid kill mknod net_admin net_bind_service net_raw setfcap setgid setpcap setuid sys_chroot sys_time syslog"},
		{"drop", `{"CapDrop": ["NET_RAW", "CAP_MKNOD", "setuid"]}`,
			"audit_write chown dac_override fowner fsetid kill net_bind_service setfcap setgid setpcap sys_chroot"},
		{"add and drop the same: add wins", `{"CapAdd": ["NET_RAW"], "CapDrop": ["NET_RAW"]}`, defaults},
		{"drop ALL keeps only CapAdd", `{"CapAdd": ["chown", "SYSLOG"], "CapDrop": ["ALL"]}`, "chown syslog"},
		{"drop all in lowercase", `{"CapDrop": ["all"]}`, ""},
		{"add ALL less CapDrop", `{"CapAdd": ["ALL"], "CapDrop": ["CAP_SYS_ADMIN", "net_raw"]}`,
			"audit_control audit_read audit_write block_suspend bpf checkpoint_restore chown dac_override dac_read_search fowner fsetid ipc_lock ipc_owner kill lease linux_immutable mac_admin mac_override mknod net_admin net_bind_service net_broadcast perfmon setfcap setgid setpcap setuid sys_boot sys_chroot sys_module sys_nice sys_pacct sys_ptrace sys_rawio sys_resource sys_time sys_tty_config syslog wake_alarm"},
		{"add ALL and drop ALL: add wins", `{"CapAdd": ["ALL"], "CapDrop": ["ALL"]}`, allCapabilities},
		{"privileged has all whatever is dropped", `{"Privileged": true, "CapDrop": ["ALL"]}`, allCapabilities},
		{"unknown capability", `{"CapAdd": ["FLY"]}`, `error: container 1 ("web"): HostConfig.CapAdd: unknown capability "FLY"`},
		{"CAP_ALL is not ALL", `{"CapDrop": ["CAP_ALL"]}`, `error: container 1 ("web"): HostConfig.CapDrop: unknown capability "CAP_ALL"`},
		{"a string, not a list", `{"CapAdd": "NET_ADMIN"}`, `error: container 1 ("web"): HostConfig.CapAdd: want array of strings, got string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseOne(t, dockerWith(tt.hostConfig), "")
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || err.Error() != want {
					t.Fatalf("error %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.Capabilities, " "); got != tt.want {
				t.Errorf("capabilities\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

const allCapabilities = "audit_control audit_read audit_write block_suspend bpf checkpoint_restore chown dac_override dac_read_search fowner fsetid ipc_lock ipc_owner kill lease linux_immutable mac_admin mac_override mknod net_admin net_bind_service net_broadcast net_raw perfmon setfcap setgid setpcap setuid sys_admin sys_boot sys_chroot sys_module sys_nice sys_pacct sys_ptrace sys_rawio sys_resource sys_time sys_tty_config syslog wake_alarm"

func TestLabelOptions(t *testing.T) {
	tests := []struct {
		name string
		opts string // HostConfig.SecurityOpt
		want inspect.Label
		err  string
	}{
		{"none", `null`, inspect.Label{}, ""},
		{"docker, one option an element", `["label=type:my_t", "label=level:s0:c1,c2", "label=user:system_u", "label=role:system_r"]`,
			inspect.Label{Type: "my_t", Level: "s0:c1,c2", User: "system_u", Role: "system_r"}, ""},
		{"podman, joined with commas", `["label=type:my_t,label=level:s0:c1,c2,label=user:system_u,label=role:system_r"]`,
			inspect.Label{Type: "my_t", Level: "s0:c1,c2", User: "system_u", Role: "system_r"}, ""},
		{"level range and category range", `["label=level:s0-s0:c0.c1023,label=type:spc_t"]`,
			inspect.Label{Type: "spc_t", Level: "s0-s0:c0.c1023"}, ""},
		{"deprecated colon separator", `["label:type:spc_t", "label:level:s0:c5"]`, inspect.Label{Type: "spc_t", Level: "s0:c5"}, ""},
		{"disable", `["label=disable"]`, inspect.Label{Disable: true}, ""},
		{"nested", `["label=nested,label=type:container_engine_t"]`, inspect.Label{Type: "container_engine_t", Nested: true}, ""},
		{"other options are not labels", `["seccomp=unconfined", "no-new-privileges", "apparmor=unconfined,label=type:my_t"]`, inspect.Label{Type: "my_t"}, ""},
		{"filetype is not kept", `["label=filetype:my_file_t"]`, inspect.Label{}, ""},
		{"unknown label option", `["label=colour:blue"]`, inspect.Label{}, `container 1 ("web"): HostConfig.SecurityOpt: unknown label option "label=colour:blue"`},
		{"type without a value", `["label=type"]`, inspect.Label{}, `container 1 ("web"): HostConfig.SecurityOpt: unknown label option "label=type"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseOne(t, dockerWith(`{"SecurityOpt": `+tt.opts+`}`), "")
			if tt.err != "" || err != nil {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if c.Label != tt.want {
				t.Errorf("label %+v, want %+v", c.Label, tt.want)
			}
		})
	}
}

func TestDockerPorts(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []inspect.Port
		wantErr string
	}{
		{"key without protocol is tcp", dockerWith(`{"PortBindings": {"80": [{"HostIp": "", "HostPort": "8080"}]}}`),
			[]inspect.Port{{80, "tcp", 8080, ""}}, ""},
		{"exposed only, not published", dockerWith(`{"PortBindings": {"80/tcp": null, "81/tcp": []}}`), []inspect.Port{}, ""},
		{"protocols in any case", dockerWith(`{"PortBindings": {"53/UDP": [{"HostPort": "53"}], "9/Sctp": [{"HostPort": "9"}]}}`),
			[]inspect.Port{{9, "sctp", 9, ""}, {53, "udp", 53, ""}}, ""},
		{"ranges pair port by port", dockerWith(`{"PortBindings": {"8000-8002/udp": [{"HostPort": "9000-9002"}]}}`),
			[]inspect.Port{{8000, "udp", 9000, ""}, {8001, "udp", 9001, ""}, {8002, "udp", 9002, ""}}, ""},
		{"one port on a host range", dockerWith(`{"PortBindings": {"80/tcp": [{"HostPort": "8080-8081"}]}}`),
			[]inspect.Port{{80, "tcp", 8080, ""}, {80, "tcp", 8081, ""}}, ""},
		{"all addresses said three ways", `[{"HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}},
			"NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}]}}}]`,
			[]inspect.Port{{80, "tcp", 8080, ""}}, ""},
		{"picked port replaces port 0", `[{"HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": ""}]}},
			"NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}]}}}]`,
			[]inspect.Port{{80, "tcp", 49153, ""}}, ""},
		{"one host IP", dockerWith(`{"PortBindings": {"443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}, {"HostIp": "::1", "HostPort": "8443"}]}}`),
			[]inspect.Port{{443, "tcp", 8443, "127.0.0.1"}, {443, "tcp", 8443, "::1"}}, ""},
		{"unequal ranges", dockerWith(`{"PortBindings": {"8000-8002/tcp": [{"HostPort": "9000-9001"}]}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings["8000-8002/tcp"]: 3 container ports published on 2 host ports`},
		{"backwards range", dockerWith(`{"PortBindings": {"8002-8000/tcp": [{"HostPort": ""}]}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings["8002-8000/tcp"]: port range "8002-8000" ends before it starts`},
		{"port 0", dockerWith(`{"PortBindings": {"0/tcp": [{"HostPort": "80"}]}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings["0/tcp"]: no container port`},
		{"port too large", dockerWith(`{"PortBindings": {"80/tcp": [{"HostPort": "65536"}]}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings["80/tcp"].HostPort: port "65536", want a number from 0 to 65535`},
		{"unknown protocol", dockerWith(`{"PortBindings": {"80/dccp": [{"HostPort": "80"}]}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings["80/dccp"]: protocol "dccp", want tcp, udp or sctp`},
		{"bindings not a list", dockerWith(`{"PortBindings": {"80/tcp": {"HostPort": "80"}}}`), nil,
			`container 1 ("web"): HostConfig.PortBindings: want array, got object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseOne(t, tt.input, inspect.Docker)
			if tt.wantErr != "" || err != nil {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if !reflect.DeepEqual(c.Ports, tt.want) {
				t.Errorf("ports\n got %+v\nwant %+v", c.Ports, tt.want)
			}
		})
	}
}

func TestDockerMounts(t *testing.T) {
	input := `[{"Name": "/m", "Mounts": [
		{"Type": "bind", "Source": "/srv/a", "Destination": "/a", "Mode": "Z,ro", "RW": false},
		{"Type": "bind", "Source": "/srv/b", "Destination": "/b", "Mode": "", "RW": true, "Options": ["rbind", "z"]},
		{"Type": "volume", "Source": "/var/lib/docker/volumes/v/_data", "Destination": "/v", "Mode": "z", "RW": true},
		{"Type": "tmpfs", "Source": "", "Destination": "/t", "Mode": "", "RW": true},
		{"Type": "image", "Source": "", "Destination": "/img", "Mode": "", "RW": false},
		{"Source": "/old", "Destination": "/old", "Mode": "rw", "RW": true}],
		"HostConfig": {"Tmpfs": {"/run": "", "/ro": "ro,size=1m", "/t": "rw"}}}]`
	want := []inspect.Mount{
		{Source: "/srv/a", Destination: "/a", ReadOnly: true, Type: inspect.Bind, Relabel: "Z"},
		{Source: "/srv/b", Destination: "/b", Type: inspect.Bind, Relabel: "z"},
		{Source: "/old", Destination: "/old", Type: inspect.Bind},
		{Destination: "/ro", ReadOnly: true, Type: inspect.Tmpfs},
		{Destination: "/run", Type: inspect.Tmpfs},
		{Destination: "/t", Type: inspect.Tmpfs},
		{Source: "/var/lib/docker/volumes/v/_data", Destination: "/v", Type: inspect.Volume, Relabel: "z"},
	}
	c, err := parseOne(t, input, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Mounts, want) {
		t.Errorf("mounts\n got %+v\nwant %+v", c.Mounts, want)
	}
}

func TestParseEngine(t *testing.T) {
	tests := []struct {
		in   string
		want inspect.Engine
	}{
		{"docker", inspect.Docker},
		{"Docker", inspect.Docker},
		{"PODMAN", inspect.Podman},
		{"crio", inspect.CRIO},
		{"CRIO", inspect.CRIO},
		{"CRI-O", inspect.CRIO},
		{"cri-o", inspect.CRIO},
		{"containerd", inspect.Containerd},
		{"OCI", inspect.OCI},
		{"", ""},
		{"rkt", ""},
		{"cri_o", ""},
	}
	for _, tt := range tests {
		got, err := inspect.ParseEngine(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ParseEngine(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, inspect.ErrUnknownEngine) {
			t.Errorf("ParseEngine(%q): error %v does not wrap ErrUnknownEngine", tt.in, err)
		}
	}
}

// TestEngineOverride checks that a given engine picks the parser whatever
// the keys say, in any spelling, and that input that cannot be that
// engine's is refused.
func TestEngineOverride(t *testing.T) {
	tests := []struct {
		fixture string
		engine  inspect.Engine
		want    inspect.Engine // "" for an error
		err     string
	}{
		{"docker-20.10-web", "", inspect.Docker, ""},
		{"docker-20.10-web", "DOCKER", inspect.Docker, ""},
		{"podman-4.3-web", "", inspect.Podman, ""},
		// Read as docker's, podman's output gets docker's computed
		// capabilities instead of its EffectiveCaps.
		{"podman-4.3-web", "docker", inspect.Docker, ""},
		{"crio-1.30-redis", "CRI-O", inspect.CRIO, ""},
		{"crio-1.30-redis", "CRIO", inspect.CRIO, ""},
		{"containerd-1.7-api", "", inspect.Containerd, ""},
		{"containerd-1.7-api", "crio", inspect.CRIO, ""},
		{"nerdctl-1.7-web", "Containerd", inspect.Containerd, ""},
		{"oci-podman-4.3-web", "oci", inspect.OCI, ""},
		{"docker-20.10-web", "crio", "", `container 1 ("lab-web"): unknown shape: no status key, which crictl inspect output has`},
		{"docker-20.10-web", "oci", "", `container 1 ("lab-web"): unknown shape: no ociVersion key, which a runtime spec has`},
		{"crio-1.30-redis", "podman", "", `container 1 ("redis"): unknown shape: no HostConfig key, which podman inspect output has`},
		{"oci-podman-4.3-web", "containerd", "", `container 1: unknown shape: no status or Spec key, which crictl and nerdctl inspect output have`},
		{"docker-20.10-web", "rkt", "", `engine "rkt": unknown engine; want docker, podman, crio, containerd or oci`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+string(tt.engine), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "inspect", tt.fixture+".json"))
			if err != nil {
				t.Fatal(err)
			}
			containers, err := inspect.Parse(strings.NewReader(string(data)), tt.engine)
			if tt.want == "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range containers {
				if c.Engine != tt.want {
					t.Errorf("engine %q, want %q", c.Engine, tt.want)
				}
			}
		})
	}
}

func TestParseCapabilities(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		err  string
	}{
		{[]string{}, []string{}, ""},
		{[]string{"CAP_NET_ADMIN", "net_admin", "Cap_Chown", "SYSLOG"}, []string{"chown", "net_admin", "syslog"}, ""},
		{[]string{"CAP_CHOWN", "FLY"}, nil, `unknown capability "FLY"`},
		{[]string{"ALL"}, nil, `unknown capability "ALL"`},
		{[]string{""}, nil, `unknown capability ""`},
	}
	for _, tt := range tests {
		got, err := inspect.ParseCapabilities(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || !errors.Is(err, inspect.ErrFieldValue) {
				t.Errorf("ParseCapabilities(%q) error %v, want %s wrapping ErrFieldValue", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCapabilities(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
