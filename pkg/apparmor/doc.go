// Package apparmor writes AppArmor profiles for containers: a small model
// of the rules confine emits (file, capability and network rules, and the
// fixed protections every container gets), Generate, which builds one
// from what the engine reports of a container (package inspect), and a
// deterministic writer.
//
// A profile is the AppArmor counterpart of the SELinux module package
// policy writes: the container's own files are its to use, except the
// kernel's trees (/dev, /proc, /sys), of which it gets only what a
// container needs; each read-only mount is denied writes, whatever the
// rules above it allow, since a deny wins in AppArmor; the capabilities
// are exactly the container's; the network families and types are those
// its published ports use. Every rule is preceded by a comment that says
// why it is there.
//
// Paths reach a profile from the engine's inspect output, which anyone
// who can create a container writes. A path holding a comma, a newline
// or a brace could end a rule and start one of its own, and a glob
// character would widen what it names, so Generate refuses such paths
// (ErrBadPath) rather than escape them; comments, which may hold any host
// path, are escaped so that they stay on their line. The includes are
// always written, never probed, so the same container gives the same
// text on every host.
//
// The package does no I/O and depends only on the standard library.
package apparmor
