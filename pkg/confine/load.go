package confine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/confine-policy/confine/pkg/load"
	"github.com/confine-policy/confine/templates"
)

// ErrNoContainerModule is returned by Modules.Load when the policy lacks
// the container module that the templates and every container module
// need: the recipe says how to install it, and the modules must then be
// generated again.
var ErrNoContainerModule = errors.New("the policy has no container module")

// Load installs the modules and the templates they inherit into the
// store opts names, in one semodule transaction, all or nothing, as
// load.Install does; each template only when the store lacks it as it
// is. The templates of the refpolicy flavour are confine's own; those of
// the Fedora flavour are container-selinux's, read from the host's
// template directory under root ("" for this host). Each module's recipe
// records what was done, for its printed text. A module of the same name
// that the store holds and confine did not write is an ErrUsage, and
// nothing is installed.
func (ms *Modules) Load(ctx context.Context, root string, opts load.Options) (*load.Result, error) {
	var mods []load.Module
	var seen []string
	for _, m := range ms.Modules {
		if m.Recipe.NoContainerModule {
			return nil, fmt.Errorf("loading %s: %w (see the warning above)", m.Name, ErrNoContainerModule)
		}
		for _, name := range m.Recipe.Templates {
			if slices.Contains(seen, name) {
				continue
			}
			seen = append(seen, name)
			data, err := templateData(root, m.Recipe.Flavor, m.Recipe.TemplateDir, name)
			if err != nil {
				return nil, fmt.Errorf("loading %s: %w", m.Name, err)
			}
			mods = append(mods, load.Module{Name: trimCIL(name), CIL: data, IfChanged: true})
		}
	}
	for _, m := range ms.Modules {
		mods = append(mods, load.Module{Name: m.Name, CIL: m.CIL, Domain: m.Recipe.Domain()})
	}
	res, err := load.Install(ctx, mods, opts)
	if errors.Is(err, load.ErrNotOurs) {
		return nil, usage(err)
	}
	if err != nil {
		return nil, err
	}
	for _, m := range ms.Modules {
		m.Recipe.Loaded = res
	}
	return res, nil
}

// templateData returns the text of the template file name: confine's
// own for the refpolicy flavour, the host's for Fedora's, which
// container-selinux installs.
func templateData(root string, flavor templates.Flavor, dir, name string) ([]byte, error) {
	if flavor == templates.Refpolicy {
		return templates.Data(name)
	}
	if root == "" {
		root = "/"
	}
	data, err := os.ReadFile(filepath.Join(root, dir, name))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w (container-selinux installs the templates)", name, err)
	}
	return data, nil
}

func trimCIL(file string) string { return file[:len(file)-len(filepath.Ext(file))] }
