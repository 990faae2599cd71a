package inspect_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/confine-policy/confine/pkg/inspect"
)

// TestDockerAgreesWithMoby decodes every docker fixture a second time, into
// Docker's own API type container.InspectResponse, and checks that what
// Parse read from our narrow structs agrees with what Docker's types hold:
// a guard that those structs follow Docker's real schema.
func TestDockerAgreesWithMoby(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		if !strings.HasPrefix(name, "docker-") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var moby []container.InspectResponse
			if err := json.Unmarshal(data, &moby); err != nil {
				t.Fatalf("decoding with moby's types: %v", err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ours, err := inspect.Parse(f, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(ours) != len(moby) {
				t.Fatalf("Parse found %d containers, moby's types %d", len(ours), len(moby))
			}
			for i, m := range moby {
				checkAgainstMoby(t, ours[i], m)
			}
		})
	}
}

func checkAgainstMoby(t *testing.T, c inspect.Container, m container.InspectResponse) {
	t.Helper()
	hc := m.HostConfig
	networkMode := string(hc.NetworkMode)
	if networkMode == "default" {
		networkMode = "bridge"
	}
	scalars := []struct {
		field     string
		ours, its any
	}{
		{"Name", c.Name, strings.TrimPrefix(m.Name, "/")},
		{"Id", c.ID, m.ID},
		{"Engine", c.Engine, inspect.Docker},
		{"HostConfig.Privileged", c.Privileged, hc.Privileged},
		{"HostConfig.ReadonlyRootfs", c.ReadOnlyRootfs, hc.ReadonlyRootfs},
		{"HostConfig.NetworkMode", c.NetworkMode, networkMode},
		{"ProcessLabel", c.ProcessLabel, m.ProcessLabel},
		{"MountLabel", c.MountLabel, m.MountLabel},
		{"HostConfig.SecurityOpt", c.Label, mobyLabel(t, hc.SecurityOpt)},
	}
	for _, s := range scalars {
		if s.ours != s.its {
			t.Errorf("%s: Parse read %v, moby's types hold %v", s.field, s.ours, s.its)
		}
	}
	compareSets(t, "Mounts", c.Mounts, mobyMounts(m))
	compareSets(t, "ports", c.Ports, mobyPorts(t, m))
	compareSets(t, "capabilities", c.Capabilities, mobyCapabilities(t, hc))
	var devices []inspect.Device
	for _, d := range hc.Devices {
		devices = append(devices, inspect.Device{HostPath: d.PathOnHost, ContainerPath: d.PathInContainer, Permissions: d.CgroupPermissions})
	}
	compareSets(t, "HostConfig.Devices", c.Devices, devices)
}

// compareSets reports the elements that only one of ours and its holds.
func compareSets[T comparable](t *testing.T, what string, ours, its []T) {
	t.Helper()
	for _, o := range ours {
		if !slices.Contains(its, o) {
			t.Errorf("%s: Parse read %+v, which moby's types do not hold", what, o)
		}
	}
	for _, m := range its {
		if !slices.Contains(ours, m) {
			t.Errorf("%s: moby's types hold %+v, which Parse did not read", what, m)
		}
	}
}

func mobyMounts(m container.InspectResponse) []inspect.Mount {
	var mounts []inspect.Mount
	for _, mp := range m.Mounts {
		relabel := ""
		for _, o := range strings.Split(mp.Mode, ",") {
			if o == "z" || o == "Z" {
				relabel = o
			}
		}
		mounts = append(mounts, inspect.Mount{
			Source:      mp.Source,
			Destination: mp.Destination,
			ReadOnly:    !mp.RW,
			Type:        inspect.MountType(mp.Type),
			Relabel:     relabel,
		})
	}
	// docker lists --tmpfs mounts only in HostConfig.Tmpfs.
	for dest, opts := range m.HostConfig.Tmpfs {
		mounts = append(mounts, inspect.Mount{
			Destination: dest,
			ReadOnly:    slices.Contains(strings.Split(opts, ","), "ro"),
			Type:        inspect.Tmpfs,
		})
	}
	return mounts
}

// mobyPorts lists the published ports of HostConfig.PortBindings and
// NetworkSettings.Ports, leaving out a binding whose host port the engine
// was still to pick when the port it picked is listed too.
func mobyPorts(t *testing.T, m container.InspectResponse) []inspect.Port {
	var ports []inspect.Port
	add := func(pm network.PortMap) {
		for port, bindings := range pm {
			for _, b := range bindings {
				hostPort := 0
				if b.HostPort != "" {
					var err error
					if hostPort, err = strconv.Atoi(b.HostPort); err != nil {
						t.Fatalf("host port %q: %v", b.HostPort, err)
					}
				}
				hostIP := ""
				if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
					hostIP = b.HostIP.String()
				}
				p := inspect.Port{ContainerPort: port.Num(), Protocol: string(port.Proto()), HostPort: uint16(hostPort), HostIP: hostIP}
				if !slices.Contains(ports, p) {
					ports = append(ports, p)
				}
			}
		}
	}
	add(m.HostConfig.PortBindings)
	if m.NetworkSettings != nil {
		add(m.NetworkSettings.Ports)
	}
	return slices.DeleteFunc(ports, func(p inspect.Port) bool {
		return p.HostPort == 0 && slices.ContainsFunc(ports, func(q inspect.Port) bool {
			return q.HostPort != 0 && q.ContainerPort == p.ContainerPort && q.Protocol == p.Protocol && q.HostIP == p.HostIP
		})
	})
}

// Docker's default capability set, and every capability, as dockerd names
// them.
var (
	dockerDefaults = strings.Fields(`CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD
		CAP_NET_RAW CAP_SETGID CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE
		CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE`)
	allCaps = strings.Fields(`CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER
		CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE
		CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK
		CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE
		CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE
		CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE
		CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG
		CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF
		CAP_CHECKPOINT_RESTORE`)
)

// mobyCapabilities computes the effective set from HostConfig as dockerd
// does, and names it as the model does.
func mobyCapabilities(t *testing.T, hc *container.HostConfig) []string {
	normalize := func(names []string) []string {
		var out []string
		for _, n := range names {
			n = strings.ToUpper(n)
			if n != "ALL" && !strings.HasPrefix(n, "CAP_") {
				n = "CAP_" + n
			}
			if n != "ALL" && !slices.Contains(allCaps, n) {
				t.Fatalf("capability %q unknown to the test", n)
			}
			out = append(out, n)
		}
		return out
	}
	add, drop := normalize(hc.CapAdd), normalize(hc.CapDrop)
	var caps []string
	switch {
	case hc.Privileged:
		caps = allCaps
	case slices.Contains(add, "ALL"):
		for _, c := range allCaps {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
	case slices.Contains(drop, "ALL"):
		caps = add
	default:
		for _, c := range dockerDefaults {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
		caps = append(caps, add...)
	}
	var names []string
	for _, c := range caps {
		if n := strings.ToLower(strings.TrimPrefix(c, "CAP_")); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// mobyLabel reads docker's label security options, which docker keeps one
// to an element.
func mobyLabel(t *testing.T, opts []string) inspect.Label {
	var l inspect.Label
	for _, o := range opts {
		v, ok := strings.CutPrefix(o, "label=")
		if !ok {
			v, ok = strings.CutPrefix(o, "label:")
		}
		if !ok {
			continue
		}
		key, arg, _ := strings.Cut(v, ":")
		switch key {
		case "type":
			l.Type = arg
		case "level":
			l.Level = arg
		case "user":
			l.User = arg
		case "role":
			l.Role = arg
		case "disable":
			l.Disable = true
		default:
			t.Fatalf("label option %q unknown to the test", o)
		}
	}
	return l
}
