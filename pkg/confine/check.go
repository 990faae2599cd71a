package confine

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/confine-policy/confine/pkg/check"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/recipe"
	"github.com/confine-policy/confine/templates"
)

// CheckOptions say which policy Check compiles modules against.
type CheckOptions struct {
	// Root and Store name the policy store, as for load.Options: ""
	// for this host and its SELINUXTYPE.
	Root, Store string
	// Flavor is the flavour of the templates the modules inherit; zero
	// detects the host's, as Generate does.
	Flavor templates.Flavor
}

// Check compiles the module files against the store's policy with the
// templates they inherit, as -l would install them, and reports what
// would go wrong (see package check). A file that cannot be read, or is
// not CIL, is an ErrInput.
func Check(ctx context.Context, files []string, opts CheckOptions) (*check.Report, error) {
	system := host.Open(host.Options{Root: opts.Root})
	flavor := opts.Flavor
	if flavor == 0 {
		flavor = system.Flavor()
	}
	// Without the container module, every template fails to resolve,
	// and secilc says so in terms of whatever statement it met first.
	if pol, err := system.Policy(); err == nil && !pol.HasType(recipe.ContainerType) {
		return nil, fmt.Errorf("checking modules: %w (no %s type): install it first, as confine's recipe prints", ErrNoContainerModule, recipe.ContainerType)
	}
	var mods, tmpls []check.File
	var names []string
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return nil, input(err)
		}
		top, err := cil.Parse(text)
		if err != nil {
			return nil, input(fmt.Errorf("%s: %w", f, err))
		}
		mods = append(mods, check.File{Name: f, CIL: text})
		for _, block := range cil.Inherited(top) {
			name, err := templates.File(block.Atom)
			if err != nil || slices.Contains(names, name) {
				continue // not a template: the compiler says if it is unknown
			}
			names = append(names, name)
			data, err := templateData(opts.Root, flavor, flavor.Dir(), name)
			if err != nil {
				return nil, err
			}
			tmpls = append(tmpls, check.File{Name: name, CIL: data})
		}
	}
	return check.Run(ctx, mods, tmpls, check.Options{Root: opts.Root, Store: opts.Store})
}
