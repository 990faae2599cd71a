package inspect

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// criInspect is the part of `crictl inspect` output that confine reads:
// the CRI container status, and the verbose info the runtime adds. Both
// CRI-O and containerd put the runtime spec in info; CRI-O adds whether the
// container is privileged, containerd the CRI request it was created from.
type criInspect struct {
	Status struct {
		ID       string `json:"id"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Mounts []struct {
			ContainerPath  string `json:"containerPath"`
			HostPath       string `json:"hostPath"`
			Readonly       bool   `json:"readonly"`
			SelinuxRelabel bool   `json:"selinuxRelabel"`
		} `json:"mounts"`
	} `json:"status"`
	Info *struct {
		RuntimeSpec *runtimeSpec `json:"runtimeSpec"`
		Privileged  bool         `json:"privileged"` // CRI-O
		Config      *struct {    // containerd; encoding/json of the CRI types, so snake_case
			Devices []struct {
				ContainerPath string `json:"container_path"`
				HostPath      string `json:"host_path"`
				Permissions   string `json:"permissions"`
			} `json:"devices"`
			Linux *struct {
				SecurityContext *struct {
					Privileged     bool `json:"privileged"`
					SelinuxOptions *struct {
						User  string `json:"user"`
						Role  string `json:"role"`
						Type  string `json:"type"`
						Level string `json:"level"`
					} `json:"selinux_options"`
				} `json:"security_context"`
			} `json:"linux"`
		} `json:"config"`
	} `json:"info"`
}

// parseCRI reads one container of crictl inspect output. Without verbose
// info (crictl inspect -q, or CRI-O before 1.18) only the name, id and
// mounts are known.
func parseCRI(obj json.RawMessage, engine Engine) (Container, error) {
	var in criInspect
	if err := json.Unmarshal(obj, &in); err != nil {
		return Container{}, fieldError("", err)
	}
	c := Container{
		Name:   in.Status.Metadata.Name,
		ID:     in.Status.ID,
		Engine: engine,
	}
	for _, m := range in.Status.Mounts {
		// CRI-O and containerd relabel a mount privately (as with Z)
		// when the kubelet asks for a relabel.
		relabel := ""
		if m.SelinuxRelabel {
			relabel = "Z"
		}
		c.Mounts = append(c.Mounts, Mount{m.HostPath, m.ContainerPath, m.Readonly, Bind, relabel})
	}
	info := in.Info
	if info == nil {
		return c.finish(), nil
	}
	c.Privileged = info.Privileged
	if cfg := info.Config; cfg != nil {
		if cfg.Linux != nil && cfg.Linux.SecurityContext != nil {
			sc := cfg.Linux.SecurityContext
			c.Privileged = c.Privileged || sc.Privileged
			if o := sc.SelinuxOptions; o != nil {
				c.Label = Label{Type: o.Type, Level: o.Level, User: o.User, Role: o.Role}
			}
		}
	}
	if info.RuntimeSpec != nil {
		if err := readSpec(&c, info.RuntimeSpec, "info.runtimeSpec."); err != nil {
			return Container{}, err
		}
	} else if c.Privileged {
		c.Capabilities = allCapabilities()
	}
	if c.Privileged {
		// The pod's added and dropped capabilities are not in the
		// output; the runtime's defaults are what it has without.
		c.UnprivilegedCapabilities = slices.Clone(dockerDefaultCapabilities)
		if engine == CRIO {
			c.UnprivilegedCapabilities = slices.Clone(crioDefaultCapabilities)
		}
	}
	// containerd keeps the devices of the CRI request, host paths
	// included; those replace the spec's, which name only container paths.
	if cfg := info.Config; cfg != nil {
		c.Devices = c.Devices[:0]
		for _, d := range cfg.Devices {
			c.Devices = append(c.Devices, Device{d.HostPath, d.ContainerPath, d.Permissions})
		}
	}
	return c.finish(), nil
}

// nerdctlInspect is the part of `nerdctl inspect --mode=native` output
// (containerd's container record) that confine reads.
type nerdctlInspect struct {
	ID     string
	Labels map[string]string
	Spec   *runtimeSpec
}

// nerdctl's labels: the name, the published ports as a JSON array of
// go-cni PortMappings, and the networks as a JSON array of names.
const (
	nerdctlNameLabel     = "nerdctl/name"
	nerdctlPortsLabel    = "nerdctl/ports"
	nerdctlNetworksLabel = "nerdctl/networks"
)

type nerdctlPortMapping struct {
	HostPort      int32
	ContainerPort int32
	Protocol      string
	HostIP        string
}

// parseNerdctl reads one container of nerdctl inspect --mode=native output.
func parseNerdctl(obj json.RawMessage) (Container, error) {
	var in nerdctlInspect
	if err := json.Unmarshal(obj, &in); err != nil {
		return Container{}, fieldError("", err)
	}
	c := Container{
		Name:   in.Labels[nerdctlNameLabel],
		ID:     in.ID,
		Engine: Containerd,
	}
	if in.Spec != nil {
		c.Mounts = specMounts(in.Spec.Mounts)
		if err := readSpec(&c, in.Spec, "Spec."); err != nil {
			return Container{}, err
		}
	}
	if s, ok := in.Labels[nerdctlNetworksLabel]; ok {
		var networks []string
		if err := labelJSON(nerdctlNetworksLabel, s, &networks); err != nil {
			return Container{}, err
		}
		c.NetworkMode = strings.Join(networks, ",")
	}
	if s, ok := in.Labels[nerdctlPortsLabel]; ok {
		var mappings []nerdctlPortMapping
		if err := labelJSON(nerdctlPortsLabel, s, &mappings); err != nil {
			return Container{}, err
		}
		field := fmt.Sprintf("Labels[%q]", nerdctlPortsLabel)
		var ports portList
		for _, m := range mappings {
			if m.ContainerPort < 1 || m.ContainerPort > 65535 || m.HostPort < 0 || m.HostPort > 65535 {
				return Container{}, badValue(field, "port mapping %d:%d, want ports from 1 to 65535", m.HostPort, m.ContainerPort)
			}
			protocol, err := parseProtocol(field, m.Protocol)
			if err != nil {
				return Container{}, err
			}
			cp, hp := uint16(m.ContainerPort), uint16(m.HostPort)
			if err := ports.add(field, cp, cp, protocol, hp, hp, m.HostIP); err != nil {
				return Container{}, err
			}
		}
		c.Ports = ports.sorted()
	}
	return c.finish(), nil
}

// labelJSON decodes the JSON that a nerdctl label holds.
func labelJSON(label, s string, v any) error {
	field := fmt.Sprintf("Labels[%q]", label)
	if !json.Valid([]byte(s)) {
		return badValue(field, "not JSON: %q", s)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fieldError(field+".", err)
	}
	return nil
}
