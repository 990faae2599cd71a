// Package policy turns what a container engine reports about a container
// (package inspect) and what the host's policy says (package host) into an
// SELinux policy module: the block NAME, whose process type NAME.process is
// the container's domain, the template blocks it inherits, and allow rules
// that grant exactly what the container's mounts, ports, capabilities and
// devices need.
//
// Every rule carries the reasons it exists (the mount, port, capability or
// device, and where its type came from), so the module explains itself;
// every name is checked against the target policy first, so a module never
// names a type, class or permission the policy cannot load. What cannot be
// granted, or should not be, is reported as a warning rather than failing
// the whole module.
//
// The result is rendered as CIL by Module.CIL, with package cil.
package policy
