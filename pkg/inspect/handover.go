package inspect

import (
	"fmt"
	"path"
)

// engineSockets are the engines' API sockets, which a container mounts to
// drive the engine: known to be sockets whether or not this host has them.
var engineSockets = map[string]string{
	"/var/run/docker.sock":            "docker",
	"/run/docker.sock":                "docker",
	"/run/podman/podman.sock":         "podman",
	"/run/containerd/containerd.sock": "containerd",
	"/run/crio/crio.sock":             "CRI-O",
}

// handOver are the mounts that give the container the host itself:
// whatever a policy says, the container can escape through them.
var handOver = map[string]string{
	"/":     "the host's root file system",
	"/etc":  "the host's configuration",
	"/proc": "the host's processes",
	"/sys":  "the host's kernel settings",
	"/dev":  "the host's devices",
}

// EngineSocket returns the engine whose API socket is at the host path
// source ("docker", "podman", "containerd" or "CRI-O"), or "".
func EngineSocket(source string) string {
	return engineSockets[path.Clean(source)]
}

// HandsOver says what a mount gives the container of the host itself (the
// host's own trees, or an engine's socket, through which the container
// can escape whatever confines it), or "".
func (m Mount) HandsOver() string {
	if m.Type == Tmpfs || !path.IsAbs(m.Source) {
		return ""
	}
	if engine := EngineSocket(m.Source); engine != "" {
		return "the " + engine + " socket"
	}
	return handOver[path.Clean(m.Source)]
}

// HandOverWarning returns the warning for a mount that hands the host
// over (see HandsOver), or "". confinement names what cannot help, such
// as "SELinux module" or "AppArmor profile".
func (m Mount) HandOverWarning(confinement string) string {
	what := m.HandsOver()
	if what == "" {
		return ""
	}
	return fmt.Sprintf("%s hands %s to the container: no %s can confine a container given that", m, what, confinement)
}

// String describes the mount as warnings and comments name it:
// "mount /srv/www -> /www (ro)", or "tmpfs /run (rw)".
func (m Mount) String() string {
	access := "rw"
	if m.ReadOnly {
		access = "ro"
	}
	if m.Type == Tmpfs {
		return fmt.Sprintf("tmpfs %s (%s)", m.Destination, access)
	}
	return fmt.Sprintf("mount %s -> %s (%s)", m.Source, m.Destination, access)
}
