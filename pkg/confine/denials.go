package confine

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/audit"
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
