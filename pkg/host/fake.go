package host

import (
	"fmt"
	"strconv"
	"strings"
)

// Fake answers from maps, for tests of code that asks host questions. A
// path or port missing from the maps gets the same answer a real host
// gives when nothing labels it: no label, or the default port type.
type Fake struct {
	// Labels maps a path to its label.
	Labels map[string]Label
	// Below maps a mount source to the types below it, found (with a
	// Path, Count and Classes) or predicted; Types adds the source's own
	// label.
	Below map[string][]TypeSource
	// Kinds maps a mount source that is not a directory to its class,
	// such as file or sock_file.
	Kinds map[string]string
	// Ports maps "PORT/PROTO" to its type.
	Ports map[string]string
	// DefaultPort is the type of a port missing from Ports.
	DefaultPort string
	// Devices maps a device path to its class.
	Devices map[string]string
	// Known maps a type, class or "class:perm" to whether the policy has it.
	// A name missing from Known exists unless Strict is set.
	Known  map[string]bool
	Strict bool
	// Modules maps a module name to what the store holds under it; a
	// name missing from it is not in the store at Store, the store's
	// directory ("" for a host without one).
	Modules map[string]Module
	Store   string
}

// Label returns Labels[path], or no label.
func (f *Fake) Label(path string) (Label, error) {
	return f.label(path), nil
}

func (f *Fake) label(path string) Label {
	if l, ok := f.Labels[path]; ok {
		return l
	}
	return Label{Source: SourceNone}
}

// Types returns the label of dir, as found on dir itself, followed by
// Below[dir], each type once; a dir in Kinds is that one object.
func (f *Fake) Types(dir string) (Types, error) {
	self := f.label(dir)
	var found typeSet
	class := f.Kinds[dir]
	if class == "" {
		class = "dir"
	}
	found.found(self.Type, self.Source, dir, class)
	if class != "dir" {
		return Types{Types: found.sorted(), Class: class}, nil
	}
	for _, ts := range f.Below[dir] {
		if ts.Predicted() {
			found.predicted(ts.Type, ts.Source)
			continue
		}
		for _, c := range ts.Classes {
			found.found(ts.Type, ts.Source, ts.Path, c)
		}
		at, _ := found.at(ts.Type)
		at.Count += max(ts.Count-len(ts.Classes), 0)
	}
	t := Types{Types: found.sorted()}
	if self.Warning != "" {
		t.Warnings = []string{self.Warning}
	}
	return t, nil
}

// Port returns Ports["PORT/PROTO"], or DefaultPort with a warning.
func (f *Fake) Port(proto string, port uint16) (Port, error) {
	name := strconv.Itoa(int(port)) + "/" + proto
	if t, ok := f.Ports[name]; ok {
		return Port{Type: t, Source: fmt.Sprintf("portcon %d-%d", port, port)}, nil
	}
	return defaultPort(name, f.DefaultPort), nil
}

// Device returns Devices[path] as the class, or ErrNotDevice.
func (f *Fake) Device(path string) (Device, error) {
	class, ok := f.Devices[path]
	if !ok {
		return Device{}, fmt.Errorf("device %s: %w", path, ErrNotDevice)
	}
	return Device{Class: class, Label: f.label(path)}, nil
}

// Policy returns a policy that answers from Known.
func (f *Fake) Policy() (Policy, error) { return fakePolicy{f}, nil }

// Module returns Modules[name], or no module in Store.
func (f *Fake) Module(name string) (Module, error) {
	if m, ok := f.Modules[name]; ok {
		return m, nil
	}
	return Module{Store: f.Store}, nil
}

type fakePolicy struct{ f *Fake }

func (p fakePolicy) has(name string) bool {
	known, ok := p.f.Known[name]
	return known || !ok && !p.f.Strict
}

func (p fakePolicy) HasType(name string) bool  { return p.has(name) }
func (p fakePolicy) HasClass(name string) bool { return p.has(name) }

// HasBlock is true when Known holds a name in the block, such as
// web.process for web.
func (p fakePolicy) HasBlock(name string) bool {
	for k, known := range p.f.Known {
		if known && strings.HasPrefix(k, name+".") {
			return true
		}
	}
	return false
}
func (p fakePolicy) HasPermission(c, n string) bool { return p.has(c + ":" + n) }
