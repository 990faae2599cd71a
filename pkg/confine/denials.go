package confine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/audit"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
)

// Denials are the audit records ReadDenials found, for Options.Policy.
type Denials struct {
	// File is where they were read from, "-" for the reader.
	File    string
	Denials []audit.Denial
	// Warnings say which lines could not be read.
	Warnings []string
}

// ReadDenials reads the SELinux denials of an audit log, ausearch's
// output (raw or -i) or journalctl and dmesg lines, from file, or from r
// when file is "-". A file with no denial at all is an ErrInput: a
// module made from it would silently lack what the user meant to add.
func ReadDenials(file string, r io.Reader) (*Denials, error) {
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, input(err)
		}
		defer f.Close()
		r = f
	}
	log, err := audit.Parse(r)
	if err != nil {
		return nil, input(fmt.Errorf("%s: %w", file, err))
	}
	out := &Denials{File: file, Denials: log.Denials}
	if n := len(log.Unreadable); n > 0 {
		lines := make([]string, 0, min(n, maxSkipped))
		for _, l := range log.Unreadable[:min(n, maxSkipped)] {
			lines = append(lines, strconv.Itoa(l))
		}
		more := ""
		if n > maxSkipped {
			more = fmt.Sprintf(" and %d more", n-maxSkipped)
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: lines %s%s hold avc: but are no denial confine can read; skipped", file, strings.Join(lines, ", "), more))
	}
	if len(log.Denials) == 0 {
		return nil, input(fmt.Errorf("%s: no SELinux denial in it (no AVC or USER_AVC record): nothing to add", file))
	}
	return out, nil
}

// checkDenials refuses denials of which none is of a module's domain:
// given for the wrong container, or logged before it ran in its domain.
func checkDenials(d *Denials, names []string) error {
	if d == nil {
		return nil
	}
	sources := map[string]bool{}
	for _, den := range d.Denials {
		sources[den.SourceType] = true
	}
	for _, n := range names {
		if sources[n+".process"] {
			return nil
		}
	}
	domains := slices.Sorted(maps.Keys(sources))
	if len(domains) > 3 {
		domains = append(domains[:3], "...")
	}
	return input(errors.New(d.File + ": none of its " + strconv.Itoa(len(d.Denials)) + " denials is of " + names[0] + ".process (they are of " + strings.Join(domains, ", ") + "): was the container running as " + names[0] + ".process?"))
}

// A DenialReport is what CompareDenials found: the rules -a would add
// for a domain's denials, split by whether a module already has them.
type DenialReport struct {
	// Domain is NAME.process.
	Domain string
	// Module is the module file compared with; Missing says there was
	// none, so every rule is new.
	Module  string
	Missing bool
	// New are the rules the module lacks, Granted those it has, each
	// with the denials that caused it as its reasons.
	New, Granted []policy.Group
	// Warnings are the generator's: rules left out, other domains.
	Warnings []string
}

// CompareDenials builds, for the container module name, the rules -a
// would add from d, checked against the host hostOpts describes as -a
// checks them, and compares them with the allow rules of the module
// file module: the audit2allow step for containers.
func CompareDenials(name string, d *Denials, module string, hostOpts host.Options) (*DenialReport, error) {
	if err := policy.ValidateName(name); err != nil {
		return nil, usage(fmt.Errorf("NAME: %w", err))
	}
	if err := checkDenials(d, []string{name}); err != nil {
		return nil, err
	}
	system := host.Open(hostOpts)
	m, err := policy.Generate(inspect.Container{Name: name}, system, policy.Options{Name: name, Flavor: system.Flavor(), Denials: d.Denials, Caps: []string{}})
	if err != nil {
		return nil, err
	}
	rep := &DenialReport{Domain: name + ".process", Module: module, Warnings: slices.Concat(d.Warnings, m.Warnings)}
	have, err := moduleAllows(module, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Missing = true
	case err != nil:
		return nil, input(err)
	}
	for _, g := range m.Groups {
		fresh, old := g, g
		fresh.Rules, old.Rules = nil, nil
		for _, r := range g.Rules {
			var add, got []string
			for _, p := range r.Perms {
				if have[g.Target+" "+r.Class+" "+p] {
					got = append(got, p)
				} else {
					add = append(add, p)
				}
			}
			if len(add) > 0 {
				fresh.Rules = append(fresh.Rules, policy.Rule{Class: r.Class, Perms: add})
			}
			if len(got) > 0 {
				old.Rules = append(old.Rules, policy.Rule{Class: r.Class, Perms: got})
			}
		}
		if len(fresh.Rules) > 0 {
			rep.New = append(rep.New, fresh)
		}
		if len(old.Rules) > 0 {
			rep.Granted = append(rep.Granted, old)
		}
	}
	return rep, nil
}

// moduleAllows returns "TARGET CLASS PERM" for every permission the
// allow rules of block name in the module file grant its process.
func moduleAllows(file, name string) (map[string]bool, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	top, err := cil.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	have := map[string]bool{}
	for _, b := range top {
		if b.Head() != "block" || len(b.List) < 2 || b.List[1].Atom != name {
			continue
		}
		for _, e := range b.List[2:] {
			if e.Head() != "allow" || len(e.List) != 4 || e.List[1].Atom != "process" {
				continue
			}
			cp := e.List[3]
			if !cp.IsList || len(cp.List) != 2 || !cp.List[1].IsList {
				continue
			}
			for _, p := range cp.List[1].List {
				have[e.List[2].Atom+" "+cp.List[0].Atom+" "+p.Atom] = true
			}
		}
	}
	return have, nil
}
