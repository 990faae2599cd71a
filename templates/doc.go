// Package templates holds confine's template blocks: the CIL blocks a
// generated module inherits (container, net_container, home_rw_container,
// ...), under the file and block names udica uses, so that a recipe
// written for udica (`semodule -i NAME.cil /usr/share/udica/templates/...`)
// carries over.
//
// There are two flavours. On Fedora and RHEL, container-selinux installs
// its own templates in /usr/share/udica/templates; confine only names them.
// For refpolicy-based distributions (Debian, Ubuntu, Gentoo, Arch), whose
// policy has refpolicy's container module instead, this package carries
// confine's own templates, written against that module's names
// (container_domain, container_net_domain, ...). They are embedded in the
// binary; confine templates --write (confine.WriteTemplates) puts them on
// disk, where semodule loads them from /usr/share/confine/templates.
//
// The package is data only: it reads nothing of the host it runs on. Which
// flavour a host takes is host.System.Flavor's to say.
//
// Every refpolicy template block is abstract: it is compiled only inside
// the modules that inherit it. Every block but container keeps its rules
// in an optional block, so that a template file still loads on a policy
// that lacks, say, the X server's types; the tests prove that none of
// those rules is dropped on Debian's policy.
package templates
