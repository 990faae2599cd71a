package policy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/audit"
)

// denials turns the denials of the module's own domain into rules, as
// udica's -a does, but exactly: the source must be NAME.process itself,
// every permission in the braces counts, and a target of NAME.process is
// the domain's own "process". Each rule is checked like every other: an
// unknown name, a secret type or what a neverallow forbids is left out
// with a warning. Denials of other domains are summed up in one warning.
func (g *generator) denials() {
	domain := g.opts.Name + ".process"
	others := map[string]int{}
	for _, d := range g.opts.Denials {
		if d.SourceType != domain {
			others[d.SourceType]++
			continue
		}
		target := d.TargetType
		if target == domain {
			target = "process"
		}
		reason := "denied: " + denialWhat(d)
		if target != "process" && g.isSecret(target) {
			g.warn("%s: %s holds %s: no rule; grant it with --allow-type %s", reason, target, secrets[g.opts.Flavor][target], target)
			continue
		}
		g.grant(kindDenied, target, d.Class, accessFor(d.Class, d.Perms), reason)
	}
	if len(others) > 0 {
		n := 0
		for _, c := range others {
			n += c
		}
		names := slices.Sorted(maps.Keys(others))
		if len(names) > 3 {
			names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
		}
		g.warn("%d denials of other domains (%s) skipped: only those of %s become rules", n, strings.Join(names, ", "), domain)
	}
}

// accessFor widens the permissions denied on a file or device to what
// using one takes: the kernel names only the first permission it refused,
// so granting read alone gets open refused on the next run, then getattr,
// one run at a time. A denial of opening and using the object adds the
// read-only set confine grants a mount or device (a stat or a path lookup
// alone needs nothing more); a directory's write, add_name or remove_name
// adds the three, as entries come and go. Other classes keep the
// permissions denied.
func accessFor(class string, perms []string) []string {
	base := mountPerms[ReadOnly][class]
	if class == "chr_file" || class == "blk_file" {
		base = devicePerms[ReadOnly]
	}
	opens := slices.ContainsFunc(perms, func(p string) bool { return slices.Contains(openingPerms, p) })
	if base == nil || !opens {
		return perms
	}
	out := slices.Concat(base, perms)
	if class == "dir" && slices.ContainsFunc(perms, func(p string) bool { return p == "write" || p == "add_name" || p == "remove_name" }) {
		out = append(out, "add_name", "remove_name", "write")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// openingPerms are the permissions checked on an object opened for use.
var openingPerms = []string{"open", "read", "write", "append", "ioctl", "lock", "map", "add_name", "remove_name"}

// denialWhat says what a denial was of, for the comment above its rule:
// the command, and the file, path or port it touched.
func denialWhat(d audit.Denial) string {
	var parts []string
	if d.Comm != "" {
		parts = append(parts, "comm="+d.Comm)
	}
	switch {
	case d.Path != "":
		parts = append(parts, "path="+d.Path)
	case d.Name != "":
		parts = append(parts, "name="+d.Name)
	}
	if d.Port != 0 {
		parts = append(parts, "port="+strconv.Itoa(d.Port))
	}
	if len(parts) == 0 {
		parts = append(parts, d.Class+" "+strings.Join(d.Perms, " "))
	}
	if d.Event == "USER_AVC" {
		parts = append(parts, "(USER_AVC)")
	}
	return strings.Join(parts, " ")
}
