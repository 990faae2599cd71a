// Package store reads an SELinux policy module store as libsemanage keeps
// it on disk (/var/lib/selinux/TYPE/active/modules/PRIORITY/NAME), without
// libsemanage and without root: which modules a host has, at which
// priorities, whether they are disabled, and their CIL.
//
// confine asks it before it names a module: semodule names a module after
// its file, so `semodule -i vpn.cil` replaces the host's own vpn module.
// Written tells a module confine or udica wrote, which may be replaced,
// from one of the host's policy, which must not be.
//
// The package reads only; it never changes a store. It depends on pkg/cil
// and the standard library.
package store
