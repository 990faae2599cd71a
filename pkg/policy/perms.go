package policy

// Access is how much a container may do with a host object.
type Access int

// Access levels.
const (
	ReadOnly Access = iota
	ReadWrite
)

func (a Access) String() string {
	if a == ReadWrite {
		return "rw"
	}
	return "ro"
}

// The object classes a mount's types are granted on, in the order their
// rules are written. lnk_file is here because a mounted tree that holds a
// symlink is otherwise unusable through it (udica omits it).
var mountClasses = []string{"dir", "file", "lnk_file", "fifo_file", "sock_file"}

// mountPerms holds, per access and class, what a container gets on the
// types it meets in a mount. Read-only never includes a permission that
// changes an object; read-write adds creating, changing, renaming and
// removing entries, which is what a data directory (a database, a cache, a
// web root being deployed to) needs. Executing files is not granted: a
// mount is data unless a rule says otherwise.
var mountPerms = map[Access]map[string][]string{
	ReadOnly: {
		"dir":       {"getattr", "ioctl", "lock", "open", "read", "search"},
		"file":      {"getattr", "ioctl", "lock", "map", "open", "read"},
		"lnk_file":  {"getattr", "read"},
		"fifo_file": {"getattr", "ioctl", "lock", "open", "read"},
		"sock_file": {"getattr", "open", "read"},
	},
	ReadWrite: {
		"dir":       {"add_name", "create", "getattr", "ioctl", "lock", "open", "read", "remove_name", "rename", "reparent", "rmdir", "search", "setattr", "write"},
		"file":      {"append", "create", "getattr", "ioctl", "link", "lock", "map", "open", "read", "rename", "setattr", "unlink", "write"},
		"lnk_file":  {"create", "getattr", "read", "rename", "setattr", "unlink"},
		"fifo_file": {"append", "create", "getattr", "ioctl", "lock", "open", "read", "rename", "setattr", "unlink", "write"},
		"sock_file": {"append", "create", "getattr", "open", "read", "rename", "setattr", "unlink", "write"},
	},
}

// devicePerms is what a container gets on a device node's type; the class
// (chr_file or blk_file) follows the node. A device passed with cgroup
// permissions lacking "w" is read-only.
var devicePerms = map[Access][]string{
	ReadOnly:  {"getattr", "ioctl", "lock", "open", "read"},
	ReadWrite: {"append", "getattr", "ioctl", "lock", "map", "open", "read", "write"},
}

// portPerms is what a published port's type needs: binding the listening
// socket to the port's number.
var portPerms = []string{"name_bind"}

// socketClass maps a published port's protocol to its socket class.
var socketClass = map[string]string{
	"tcp":  "tcp_socket",
	"udp":  "udp_socket",
	"sctp": "sctp_socket",
}

// singleWritePerms is what a read-write mount of one file or FIFO gives
// on it: reading and writing it, and setting its attributes.
var singleWritePerms = map[string][]string{
	"file":      {"append", "getattr", "ioctl", "lock", "map", "open", "read", "setattr", "write"},
	"fifo_file": {"append", "getattr", "ioctl", "lock", "open", "read", "setattr", "write"},
}

// socketPerms is what connecting to a Unix socket through its file takes:
// finding and writing it. A read-only mount does not stop that: the
// kernel does not refuse writing a socket on a read-only mount.
var socketPerms = []string{"getattr", "write"}

// Stream-connect rules let the container reach another confine or udica
// container's domain through its socket, as udica's --stream-connect does.
var (
	streamConnectPerms = []string{"connectto"}
	streamSocketPerms  = []string{"append", "getattr", "open", "write"}
)

// capability2 holds the capabilities numbered 32 and above, which SELinux
// checks in class capability2 rather than capability: a rule that names
// them in capability does not compile.
var capability2 = map[string]bool{
	"mac_override": true, "mac_admin": true, "syslog": true, "wake_alarm": true,
	"block_suspend": true, "audit_read": true, "perfmon": true, "bpf": true,
	"checkpoint_restore": true,
}
