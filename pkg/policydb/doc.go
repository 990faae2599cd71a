// Package policydb reads the kernel's binary SELinux policy (the
// policy.NN file that the kernel loads), in pure Go and without root: the
// file is world-readable. It answers what confine must know before it
// writes a rule: which types, aliases and attributes exist (and which
// types each attribute holds), which classes exist with which permissions
// (their common's included), which booleans exist, and which type the
// kernel gives a port.
//
// Find locates the policy a system loads, from SELINUXTYPE in
// /etc/selinux/config under a root directory; Open and OpenWith read a
// file, and Read any stream. Versions 30 to 34 are read: 30 added
// extended permission rules, 31 Infiniband contexts, 32 glblub default
// ranges, 33 filename transitions grouped by name, and 34 extended
// permissions in conditional rules. Debian 12's and Fedora 41's policies
// are version 33.
//
// # Ports
//
// LookupPort resolves a port as the kernel does: the first portcon, in the
// order the file lists them, whose protocol matches and whose range holds
// the port. A port that no portcon covers gets the context of the port
// initial SID (port_t on Fedora), with PortLabel.Default set so that the
// caller can warn about it; a lookup never fails. Contexts print as
// setools prints them, MLS ranges included (s0, s0 - s15:c0.c1023).
//
// # What is read
//
// The format is one sequential stream: the symbol tables, then the rules,
// then the contexts of initial SIDs, ports, interfaces and nodes, then the
// genfscons, the range transitions and, last, the attributes of each type.
// Read decodes the symbol tables and the initial SID and portcon lists. It
// walks the access vector table, the conditional rules, the role rules and
// the filename transitions without decoding them: their entries differ in
// size with their kind, so they cannot be jumped over, but nothing in them
// is kept. Options.SkipMembers stops reading right after the contexts,
// leaving the last three sections unread; Members and TypeAttributes then
// return nil. On Debian's policy.33 that leaves the last 187 KB of 2.1 MB
// undecoded and saves about a sixth of the time and memory.
//
// # Errors
//
// Every error about a file's content wraps one of the sentinel errors
// (ErrTruncated, ErrMalformed, ErrUnsupportedVersion, ...), so errors.Is
// tells them apart, and says where reading stopped: "truncated at offset 6389 in the avtab". Open and
// OpenWith put the file's path first. A count read from the input is
// checked against the bytes left before anything is allocated for it; when
// the length is unknown, memory grows only as data arrives. A file that
// would need far more memory than its size, which only a hostile or absurd
// policy does, is refused with ErrTooLarge rather than read.
//
// A Policy is immutable and safe for concurrent use.
package policydb
