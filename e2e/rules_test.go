package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/seltest"
)

// A rule is one allow rule as sesearch prints it:
//
//	allow SOURCE TARGET:CLASS { PERM ... }; [ BOOL ]:True
type rule struct {
	source, target, class string
	perms                 []string
	// cond is the boolean expression and branch of a conditional rule,
	// "" for one that always holds.
	cond string
}

func parseRule(line string) (rule, error) {
	var r rule
	text, cond, _ := strings.Cut(line, ";")
	r.cond = strings.TrimSpace(cond)
	f := strings.Fields(text)
	if len(f) < 4 || f[0] != "allow" {
		return r, fmt.Errorf("not an allow rule: %q", line)
	}
	r.source = f[1]
	var ok bool
	if r.target, r.class, ok = strings.Cut(f[2], ":"); !ok {
		return r, fmt.Errorf("no class in %q", line)
	}
	for _, p := range f[3:] {
		if p != "{" && p != "}" {
			r.perms = append(r.perms, p)
		}
	}
	return r, nil
}

// A grant is one permission on one class of one target type: the unit
// rules are compared in, because a binary policy merges the rules of a
// source, target and class, whatever module they came from.
type grant struct{ target, class, perm string }

func (g grant) String() string { return g.target + ":" + g.class + " " + g.perm }

// rules holds a compiled policy's allow rules, to answer what a domain
// may do through every rule that applies to it, its attributes' included.
type rules struct {
	bySource map[string][]rule
	attrs    map[string][]string // type -> its attributes
}

// loadRules reads every allow rule of the policy with one sesearch run,
// and every type's attributes with one seinfo run: asking once per
// question would load the full policy hundreds of times.
func loadRules(t testing.TB, policy string) *rules {
	t.Helper()
	r := &rules{bySource: map[string][]rule{}, attrs: seltest.Attributes(t, policy)}
	for _, line := range seltest.Sesearch(t, policy, "-A") {
		rl, err := parseRule(line)
		if err != nil {
			t.Fatalf("sesearch -A on %s: %v", policy, err)
		}
		r.bySource[rl.source] = append(r.bySource[rl.source], rl)
	}
	return r
}

// direct returns the grants of the rules whose source is the domain
// itself, as sesearch -A -ds -s DOMAIN lists them, sorted: what a module
// of that domain adds shows up there and nowhere else.
func (r *rules) direct(domain string) []grant {
	var gs []grant
	for _, rl := range r.bySource[domain] {
		for _, p := range rl.perms {
			gs = append(gs, grant{target(rl, domain), rl.class, p})
		}
	}
	slices.SortFunc(gs, compareGrants)
	return slices.Compact(gs)
}

// allowed returns the permissions the domain has on class objects of the
// target type through any rule, with the domain or an attribute of it as
// source and the type or an attribute of it as target. Conditional rules
// count only when conditional is set, since whether they hold depends on a
// boolean.
func (r *rules) allowed(domain, typ, class string, conditional bool) []string {
	sources := append([]string{domain}, r.attrs[domain]...)
	targets := append([]string{typ}, r.attrs[typ]...)
	var perms []string
	for _, s := range sources {
		for _, rl := range r.bySource[s] {
			if rl.class != class || rl.cond != "" && !conditional {
				continue
			}
			if slices.Contains(targets, rl.target) || rl.target == "self" && typ == domain {
				perms = append(perms, rl.perms...)
			}
		}
	}
	slices.Sort(perms)
	return slices.Compact(perms)
}

// target names a rule's target type, self resolved.
func target(rl rule, domain string) string {
	if rl.target == "self" {
		return domain
	}
	return rl.target
}

func compareGrants(a, b grant) int {
	return strings.Compare(a.String(), b.String())
}

// diffGrants returns the grants only in after, and those only in before;
// both lists must be sorted.
func diffGrants(before, after []grant) (added, removed []grant) {
	for _, g := range after {
		if _, found := slices.BinarySearchFunc(before, g, compareGrants); !found {
			added = append(added, g)
		}
	}
	for _, g := range before {
		if _, found := slices.BinarySearchFunc(after, g, compareGrants); !found {
			removed = append(removed, g)
		}
	}
	return added, removed
}
