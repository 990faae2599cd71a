package inspect

// Engine names the container engine whose inspect output was read.
type Engine string

// The engines confine reads. Their string values are what `confine inspect`
// prints and what --engine accepts (case-insensitively; udica's spellings
// "CRI-O" and "CRIO" are accepted for CRIO).
const (
	Docker     Engine = "docker"
	Podman     Engine = "podman"
	CRIO       Engine = "crio"       // crictl inspect against CRI-O
	Containerd Engine = "containerd" // crictl inspect against containerd, or nerdctl inspect --mode=native
	OCI        Engine = "oci"        // a bare OCI runtime config.json
)

// Container is what confine understood of one container: everything the
// policy generator needs, in one shape whatever the engine.
type Container struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Engine Engine `json:"engine"`

	Mounts []Mount `json:"mounts"`
	Ports  []Port  `json:"ports"`
	// Capabilities is the effective set: sorted, lowercase, without "cap_".
	Capabilities []string `json:"capabilities"`
	// UnprivilegedCapabilities, for a privileged container, is the set it
	// has when run without --privileged: the engine's default set with
	// its added and dropped capabilities. Empty otherwise.
	UnprivilegedCapabilities []string `json:"unprivilegedCapabilities,omitempty"`
	Devices                  []Device `json:"devices"`

	Privileged     bool   `json:"privileged"`
	NetworkMode    string `json:"networkMode"` // host, none, bridge, container:ID, a network name, ...
	Label          Label  `json:"label"`
	ReadOnlyRootfs bool   `json:"readOnlyRootfs"`

	// ProcessLabel and MountLabel are the SELinux contexts the engine
	// reported; empty when SELinux was off on the engine's host.
	ProcessLabel string `json:"processLabel"`
	MountLabel   string `json:"mountLabel"`
}

// MountType is how a mount's source was provided.
type MountType string

// Mount types.
const (
	Bind   MountType = "bind"
	Volume MountType = "volume"
	Tmpfs  MountType = "tmpfs"
)

// Mount is a host path (or volume, or tmpfs) seen inside the container.
type Mount struct {
	Source      string    `json:"source"` // host path; empty for tmpfs
	Destination string    `json:"destination"`
	ReadOnly    bool      `json:"readOnly"`
	Type        MountType `json:"type"`
	// Relabel is the SELinux relabel option the mount was made with:
	// "z" (shared), "Z" (private) or "" (none).
	Relabel string `json:"relabel"`
}

// Port is one published container port. A published range is expanded
// into one Port per port.
type Port struct {
	ContainerPort uint16 `json:"containerPort"`
	Protocol      string `json:"protocol"` // tcp, udp or sctp
	HostPort      uint16 `json:"hostPort"` // 0 when the engine picks one
	HostIP        string `json:"hostIP"`   // empty for all addresses
}

// Device is a host device node made available in the container.
type Device struct {
	HostPath      string `json:"hostPath"`
	ContainerPath string `json:"containerPath"`
	Permissions   string `json:"permissions"` // cgroup permissions such as "rwm"; may be empty
}

// Label holds the container's `label=` security options.
type Label struct {
	Type    string `json:"type"`
	Level   string `json:"level"`
	User    string `json:"user"`
	Role    string `json:"role"`
	Disable bool   `json:"disable"`
	Nested  bool   `json:"nested"`
}
