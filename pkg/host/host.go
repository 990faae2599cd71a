package host

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/confine-policy/confine/pkg/policydb"
)

var (
	// ErrNotDevice is returned by Device when the path names something
	// that is not a character or block device.
	ErrNotDevice = errors.New("not a device node")
	// ErrUnknownDevice is returned by Device when the kind of a device
	// node cannot be told: the node is not there to look at, and
	// file_contexts does not say.
	ErrUnknownDevice = errors.New("unknown device kind")
)

// Facts answers confine's questions about a host. Implementations are safe
// for concurrent use.
type Facts interface {
	// Label returns the label of the file at path.
	Label(path string) (Label, error)
	// Types returns the types a container meets on a mount of dir: the
	// label of dir itself and of everything below it, each type once,
	// sorted. A dir that is not a directory is that one object.
	Types(dir string) (Types, error)
	// Port returns the type of a port: proto is tcp, udp, sctp or dccp.
	Port(proto string, port uint16) (Port, error)
	// Device returns the class and label of a device node.
	Device(path string) (Device, error)
	// Policy returns the policy modules will be loaded into.
	Policy() (Policy, error)
	// Module returns what the host's policy module store holds under
	// name, the name a module would be installed as.
	Module(name string) (Module, error)
}

// Policy says which names a policy declares, so that a module never names
// one the policy cannot load. HasType is true for attributes and aliases
// too; HasBlock is true for a block that declares any of them (web for
// web.process).
type Policy interface {
	HasType(name string) bool
	HasBlock(name string) bool
	HasClass(name string) bool
	HasPermission(class, perm string) bool
}

// A PolicyDB is a policy that also labels ports; *policydb.Policy is one.
type PolicyDB interface {
	Policy
	LookupPort(proto policydb.Protocol, port uint16) policydb.PortLabel
}

// Where a label came from, as Label.Source and TypeSource.Source say it.
const (
	// SourceXattr: the file's security.selinux attribute.
	SourceXattr = "xattr"
	// SourceNone: nothing labels the path.
	SourceNone = "none"
	// SourceDefault: no portcon covers the port, so the kernel gives it
	// the policy's default port type.
	SourceDefault = "default"
)

// A Label is the label of one path and where it came from.
type Label struct {
	// Context is the full context, empty when nothing labels the path.
	Context string
	// Type is the context's type.
	Type string
	// Source is SourceXattr, "FILE:LINE" of the winning file_contexts
	// entry, or SourceNone.
	Source string
	// Warning says why the live label was not used, when it was not.
	Warning string
}

// Types are the types a container meets on a mount.
type Types struct {
	// Types are the types, each once, sorted: those of the files that
	// are there, and those predicted from the policy (see TypeSource).
	Types []TypeSource
	// Class is the class of the mount's source when it is not a
	// directory, such as file, sock_file or chr_file: the mount is of
	// that one object, and Types holds its label alone. Empty for a
	// directory.
	Class string
	// Warnings say which labels could not be read, whether a walk of the
	// directory stopped early, and when types were predicted.
	Warnings []string
}

// A TypeSource is one type a mount holds, and where it was found.
type TypeSource struct {
	Type string
	// Source is where the first path's label came from: SourceXattr, or
	// the file_contexts entry ("FILE:LINE") that labels it, or, for a
	// predicted type, predicts it.
	Source string
	// Path is the first path found with the type, and Count how many
	// were; both empty for a predicted type, which no file is known to
	// have.
	Path  string
	Count int
	// Classes are the classes of the paths found with the type (dir,
	// file, lnk_file, ...), sorted; nil for a predicted type, which any
	// file may have.
	Classes []string
}

// Predicted reports whether the type comes from the policy alone: the
// file_contexts entries that would label paths below the mount, not a
// file that is there.
func (t TypeSource) Predicted() bool { return t.Path == "" }

// A Port is the type of one port and where it came from.
type Port struct {
	Type string
	// Source is "portcon LOW-HIGH" or SourceDefault.
	Source  string
	Warning string
}

// A Device is a device node's class (chr_file or blk_file) and label.
type Device struct {
	Class string
	Label Label
	// Warning says how the class was decided when the node could not be
	// looked at.
	Warning string
}

// A Module is what a host's policy module store holds under one name.
type Module struct {
	// Store is the store's directory, empty when the host has no store
	// to look in (a copy of /etc/selinux alone, or --policy).
	Store string
	// Exists says the store has a module of the name, enabled or not.
	Exists bool
	// Written says confine or udica wrote it (see store.ContainerModule),
	// so a new module may replace it.
	Written bool
	// Priority is the priority of the module in effect; Disabled says
	// semodule -d disabled it.
	Priority int
	Disabled bool
}

// portOf turns the policy's answer into a Port.
func portOf(p PolicyDB, proto string, port uint16) (Port, error) {
	protocol, err := policydb.ParseProtocol(proto)
	if err != nil {
		return Port{}, err
	}
	l := p.LookupPort(protocol, port)
	if !l.Default {
		return Port{Type: l.Type(), Source: fmt.Sprintf("portcon %d-%d", l.Portcon.Low, l.Portcon.High)}, nil
	}
	name := strconv.Itoa(int(port)) + "/" + proto
	if l.Type() == "" {
		return Port{}, fmt.Errorf("port %s: no portcon covers it and the policy has no default port label", name)
	}
	return defaultPort(name, l.Type()), nil
}

// defaultPort is the answer for a port no portcon covers, named as
// PORT/PROTO: the policy's default port type, with a warning.
func defaultPort(name, typ string) Port {
	return Port{
		Type:    typ,
		Source:  SourceDefault,
		Warning: fmt.Sprintf("port %s: no portcon covers it; the kernel gives it the policy's default type %s", name, typ),
	}
}
