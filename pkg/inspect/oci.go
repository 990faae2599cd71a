package inspect

import (
	"encoding/json"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runtimeSpec is the part of an OCI runtime spec that confine reads,
// decoded with the runtime-spec's own types. Like the other engines'
// structs it leaves out what confine does not read (the seccomp profile,
// hooks, the process's environment...), so that it can neither break
// parsing nor cost time: a seccomp profile's hundreds of syscall names
// would take most of the time spent decoding a spec.
type runtimeSpec struct {
	Process *specs.Process `json:"process"`
	Root    *specs.Root    `json:"root"`
	Mounts  []specs.Mount  `json:"mounts"`
	Linux   *struct {
		Namespaces []specs.LinuxNamespace `json:"namespaces"`
		Devices    []specs.LinuxDevice    `json:"devices"`
		Resources  *struct {
			Devices []specs.LinuxDeviceCgroup `json:"devices"`
		} `json:"resources"`
		MountLabel string `json:"mountLabel"`
	} `json:"linux"`
}

// parseOCI reads a bare OCI runtime config.json.
func parseOCI(obj json.RawMessage) (Container, error) {
	var spec runtimeSpec
	if err := json.Unmarshal(obj, &spec); err != nil {
		return Container{}, fieldError("", err)
	}
	c := Container{Engine: OCI, Mounts: specMounts(spec.Mounts)}
	if err := readSpec(&c, &spec, ""); err != nil {
		return Container{}, err
	}
	return c.finish(), nil
}

// readSpec fills in what a runtime spec says of c's capabilities (unless c
// is privileged), devices, network, SELinux labels and root filesystem.
// prefix is the spec's path in the input, for errors.
func readSpec(c *Container, spec *runtimeSpec, prefix string) error {
	if p := spec.Process; p != nil {
		c.ProcessLabel = p.SelinuxLabel
		if p.Capabilities != nil && !c.Privileged {
			caps, err := capabilitySet(prefix+"process.capabilities.effective", p.Capabilities.Effective)
			if err != nil {
				return err
			}
			c.Capabilities = caps
		}
	}
	if c.Privileged {
		c.Capabilities = allCapabilities()
	}
	c.ReadOnlyRootfs = spec.Root != nil && spec.Root.Readonly
	c.NetworkMode = "host"
	if l := spec.Linux; l != nil {
		c.MountLabel = l.MountLabel
		for _, ns := range l.Namespaces {
			if ns.Type != specs.NetworkNamespace {
				continue
			}
			// A namespace joined by path is another container's or a
			// pod's; one without is the container's own.
			c.NetworkMode = "private"
			if ns.Path != "" {
				c.NetworkMode = "ns:" + ns.Path
			}
		}
		var rules []specs.LinuxDeviceCgroup
		if l.Resources != nil {
			rules = l.Resources.Devices
		}
		for _, d := range l.Devices {
			c.Devices = append(c.Devices, Device{d.Path, d.Path, devicePermissions(d, rules)})
		}
	}
	return nil
}

// specMounts returns a spec's bind and tmpfs mounts. The others (proc,
// sysfs, devpts, mqueue, cgroup) are filesystems the kernel makes, not files
// of the host.
func specMounts(in []specs.Mount) []Mount {
	mounts := make([]Mount, 0, len(in))
	for _, m := range in {
		mount := Mount{Source: m.Source, Destination: m.Destination}
		switch {
		case m.Type == "tmpfs":
			mount.Type = Tmpfs
			mount.Source = ""
		case m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind"):
			mount.Type = Bind
		default:
			continue
		}
		for _, o := range m.Options {
			switch o {
			case "ro":
				mount.ReadOnly = true
			case "rw":
				mount.ReadOnly = false
			}
		}
		mounts = append(mounts, mount)
	}
	return mounts
}

// devicePermissions returns the access ("rwm" or part of it) that the
// spec's device cgroup rules leave to d. Rules apply in order: an allow
// rule adds its access, a deny rule takes it away.
func devicePermissions(d specs.LinuxDevice, rules []specs.LinuxDeviceCgroup) string {
	devType := d.Type
	if devType == "u" { // unbuffered character device
		devType = "c"
	}
	var granted [3]bool // r, w, m
	for _, rule := range rules {
		if rule.Type != "" && rule.Type != "a" && rule.Type != devType ||
			rule.Major != nil && *rule.Major != d.Major ||
			rule.Minor != nil && *rule.Minor != d.Minor {
			continue
		}
		access := rule.Access
		if access == "" {
			access = "rwm"
		}
		for i, perm := range "rwm" {
			if strings.ContainsRune(access, perm) {
				granted[i] = rule.Allow
			}
		}
	}
	var perms strings.Builder
	for i, perm := range "rwm" {
		if granted[i] {
			perms.WriteRune(perm)
		}
	}
	return perms.String()
}
