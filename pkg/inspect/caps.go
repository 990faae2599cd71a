package inspect

import (
	"fmt"
	"slices"
	"strings"
)

// capabilityNames are the capabilities the kernel knows, indexed by number,
// from CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40, Linux 5.9), as in
// include/uapi/linux/capability.h.
var capabilityNames = [...]string{
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
	"net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
	"sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
	"setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
}

var knownCapabilities = func() map[string]bool {
	known := make(map[string]bool, len(capabilityNames))
	for _, name := range capabilityNames {
		known[name] = true
	}
	return known
}()

// dockerDefaultCapabilities is the set dockerd gives a container that adds
// and drops nothing: DefaultCapabilities in moby's oci/caps/defaults.go,
// unchanged from Docker 1.13 to 28. containerd's CRI plugin gives the
// same.
var dockerDefaultCapabilities = []string{
	"audit_write", "chown", "dac_override", "fowner", "fsetid", "kill",
	"mknod", "net_bind_service", "net_raw", "setfcap", "setgid", "setpcap",
	"setuid", "sys_chroot",
}

// podmanDefaultCapabilities is podman's default set since 4.0
// (default_capabilities in containers.conf): docker's without
// audit_write, mknod and net_raw. Podman reports the effective set
// itself; this is for a privileged container, whose effective set is
// everything.
var podmanDefaultCapabilities = []string{
	"chown", "dac_override", "fowner", "fsetid", "kill", "net_bind_service",
	"setfcap", "setgid", "setpcap", "setuid", "sys_chroot",
}

// crioDefaultCapabilities is CRI-O's default set since 1.18
// (default_capabilities in crio.conf).
var crioDefaultCapabilities = []string{
	"chown", "dac_override", "fowner", "fsetid", "kill", "net_bind_service",
	"setgid", "setpcap", "setuid",
}

// allCapabilities returns every capability the kernel knows, sorted.
func allCapabilities() []string {
	all := slices.Clone(capabilityNames[:])
	slices.Sort(all)
	return all
}

// capabilityName returns the lowercase name of a capability written with or
// without the CAP_ prefix, in any case, and whether the kernel knows it.
func capabilityName(s string) (string, bool) {
	name := strings.ToLower(s)
	name = strings.TrimPrefix(name, "cap_")
	return name, knownCapabilities[name]
}

// ParseCapabilities returns capability names, written with or without the
// CAP_ prefix in any case (CAP_NET_ADMIN, net_admin), as Container names
// them: sorted, lowercase, without "cap_", each once. A name the kernel does
// not know is an error that wraps ErrFieldValue.
func ParseCapabilities(names []string) ([]string, error) {
	set := make([]string, 0, len(names))
	for _, s := range names {
		name, ok := capabilityName(s)
		if !ok {
			return nil, &fieldProblem{ErrFieldValue, fmt.Sprintf("unknown capability %q", s)}
		}
		set = append(set, name)
	}
	slices.Sort(set)
	return slices.Compact(set), nil
}

// capabilitySet is ParseCapabilities for names read from field.
func capabilitySet(field string, names []string) ([]string, error) {
	set, err := ParseCapabilities(names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return set, nil
}

// engineCapabilities computes the effective set an engine whose default
// set is defaults gives a container from HostConfig.CapAdd and
// HostConfig.CapDrop, the way dockerd and podman do it: adding ALL starts
// from every capability and drops what CapDrop names; otherwise dropping
// ALL leaves only what CapAdd names; otherwise CapDrop is taken from the
// default set and CapAdd added to it, so a capability in both is kept.
// Names are matched in any case, with or without the CAP_ prefix; ALL is
// not a capability and CAP_ALL is refused, as dockerd refuses it.
func engineCapabilities(defaults, add, drop []string) ([]string, error) {
	addAll, added, err := capabilitiesOrAll("HostConfig.CapAdd", add)
	if err != nil {
		return nil, err
	}
	dropAll, dropped, err := capabilitiesOrAll("HostConfig.CapDrop", drop)
	if err != nil {
		return nil, err
	}
	var caps []string
	switch {
	case addAll:
		caps = allCapabilities()
		caps = slices.DeleteFunc(caps, func(c string) bool { return slices.Contains(dropped, c) })
	case dropAll:
		caps = added
	default:
		caps = slices.Clone(defaults)
		caps = slices.DeleteFunc(caps, func(c string) bool { return slices.Contains(dropped, c) })
		caps = append(caps, added...)
	}
	slices.Sort(caps)
	return slices.Compact(caps), nil
}

// capabilitiesOrAll reads a CapAdd or CapDrop list: whether it holds ALL,
// and the capabilities it names besides.
func capabilitiesOrAll(field string, names []string) (bool, []string, error) {
	all := false
	rest := make([]string, 0, len(names))
	for _, s := range names {
		if strings.EqualFold(s, "all") {
			all = true
			continue
		}
		rest = append(rest, s)
	}
	caps, err := capabilitySet(field, rest)
	return all, caps, err
}

// IsCapability reports whether name is a capability the kernel knows, as
// Container names them: lowercase, without "cap_".
func IsCapability(name string) bool { return knownCapabilities[name] }
