package inspect

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// dockerInspect is the part of a docker or podman inspect object that
// confine reads. Podman's output follows docker's, with additions.
type dockerInspect struct {
	ID              string `json:"Id"`
	Name            string
	ProcessLabel    string
	MountLabel      string
	Mounts          []dockerMount
	HostConfig      *dockerHostConfig
	NetworkSettings *struct {
		Ports map[string][]dockerPortBinding
	}
	EffectiveCaps []string // podman only
}

type dockerMount struct {
	Type        string
	Source      string
	Destination string
	Mode        string   // comma-separated: ro, rw, z, Z, propagation...
	Options     []string // podman only
	RW          bool
}

type dockerHostConfig struct {
	NetworkMode    string
	PortBindings   map[string][]dockerPortBinding
	CapAdd         []string
	CapDrop        []string
	Privileged     bool
	ReadonlyRootfs bool
	SecurityOpt    []string
	Tmpfs          map[string]string // destination: options
	Devices        []struct {
		PathOnHost        string
		PathInContainer   string
		CgroupPermissions string
	}
}

type dockerPortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// parseDocker reads docker or podman inspect output.
func parseDocker(obj json.RawMessage, engine Engine) (Container, error) {
	var in dockerInspect
	if err := json.Unmarshal(obj, &in); err != nil {
		return Container{}, fieldError("", err)
	}
	hc := in.HostConfig
	if hc == nil {
		hc = new(dockerHostConfig)
	}
	c := Container{
		Name:           strings.TrimPrefix(in.Name, "/"),
		ID:             in.ID,
		Engine:         engine,
		Mounts:         dockerMounts(in.Mounts, hc.Tmpfs),
		Privileged:     hc.Privileged,
		NetworkMode:    hc.NetworkMode,
		ReadOnlyRootfs: hc.ReadonlyRootfs,
		ProcessLabel:   in.ProcessLabel,
		MountLabel:     in.MountLabel,
	}
	// On Linux, docker's "default" network is its bridge.
	if c.NetworkMode == "default" {
		c.NetworkMode = "bridge"
	}
	var ports portList
	if err := dockerPorts(&ports, "HostConfig.PortBindings", hc.PortBindings); err != nil {
		return Container{}, err
	}
	if in.NetworkSettings != nil {
		if err := dockerPorts(&ports, "NetworkSettings.Ports", in.NetworkSettings.Ports); err != nil {
			return Container{}, err
		}
	}
	c.Ports = ports.sorted()

	defaults := dockerDefaultCapabilities
	if engine == Podman {
		defaults = podmanDefaultCapabilities
	}
	var err error
	switch {
	case hc.Privileged:
		c.Capabilities = allCapabilities()
		c.UnprivilegedCapabilities, err = engineCapabilities(defaults, hc.CapAdd, hc.CapDrop)
	case engine == Podman:
		c.Capabilities, err = capabilitySet("EffectiveCaps", in.EffectiveCaps)
	default:
		c.Capabilities, err = engineCapabilities(defaults, hc.CapAdd, hc.CapDrop)
	}
	if err != nil {
		return Container{}, err
	}
	for _, d := range hc.Devices {
		c.Devices = append(c.Devices, Device{d.PathOnHost, d.PathInContainer, d.CgroupPermissions})
	}
	if c.Label, err = parseLabel("HostConfig.SecurityOpt", hc.SecurityOpt); err != nil {
		return Container{}, err
	}
	return c.finish(), nil
}

// dockerMounts reads the Mounts list and the tmpfs mounts that docker
// keeps only in HostConfig.Tmpfs (podman keeps all of its tmpfs mounts
// there).
func dockerMounts(in []dockerMount, tmpfs map[string]string) []Mount {
	mounts := make([]Mount, 0, len(in)+len(tmpfs))
	for _, m := range in {
		mount := Mount{
			Source:      m.Source,
			Destination: m.Destination,
			ReadOnly:    !m.RW,
			Type:        MountType(strings.ToLower(m.Type)),
			Relabel:     relabelOption(strings.Split(m.Mode, ","), m.Options),
		}
		switch mount.Type {
		case "":
			// Docker before 1.13 gave no type; all its mounts were binds
			// or volumes, and a volume is a host directory too.
			mount.Type = Bind
		case Bind, Volume, Tmpfs:
		default:
			// image, npipe, cluster, devpts...: not a host path that
			// policy could grant, so not a mount the model describes.
			continue
		}
		mounts = append(mounts, mount)
	}
	for dest, opts := range tmpfs {
		if slices.ContainsFunc(mounts, func(m Mount) bool { return m.Type == Tmpfs && m.Destination == dest }) {
			continue
		}
		mounts = append(mounts, Mount{
			Destination: dest,
			ReadOnly:    slices.Contains(strings.Split(opts, ","), "ro"),
			Type:        Tmpfs,
		})
	}
	return mounts
}

// relabelOption returns the SELinux relabel option among a mount's
// options: "Z" (private) if given, else "z" (shared) if given, else "".
// Podman has been seen to keep z in Mode or only in Options, so callers pass
// both.
func relabelOption(lists ...[]string) string {
	relabel := ""
	for _, opts := range lists {
		for _, o := range opts {
			switch {
			case o == "Z":
				return "Z"
			case o == "z":
				relabel = "z"
			}
		}
	}
	return relabel
}

// dockerPorts adds the bindings of a docker or podman port map: keys are
// container ports ("80/tcp", "8000-8003/udp"), values the host bindings; a
// key with no binding is exposed, not published.
func dockerPorts(ports *portList, field string, bindings map[string][]dockerPortBinding) error {
	// Sorted, so that of several bad keys the same one is reported.
	for _, key := range slices.Sorted(maps.Keys(bindings)) {
		binds := bindings[key]
		first, last, protocol, err := parsePortKey(field, key)
		if err != nil {
			return err
		}
		keyField := fmt.Sprintf("%s[%q]", field, key)
		for _, b := range binds {
			hostFirst, hostLast, err := parsePortRange(keyField+".HostPort", b.HostPort)
			if err != nil {
				return err
			}
			if err := ports.add(keyField, first, last, protocol, hostFirst, hostLast, b.HostIP); err != nil {
				return err
			}
		}
	}
	return nil
}
