package confine

import (
	"fmt"

	"github.com/confine-policy/confine/pkg/ansible"
)

// fleetArchive names the archive of several modules, as one archive of
// one module is named after it.
const fleetArchive = "containers"

// Ansible returns what -d writes instead of the module files: the
// playbook, its variables and an archive of every module with the
// templates it inherits (see package ansible), for all the modules at
// once. The templates are confine's own for the refpolicy flavour, and
// for the Fedora flavour read from the host under root, where
// container-selinux installs them. Each recipe then says the playbook
// deploys its module.
func (ms *Modules) Ansible(root string) ([]File, error) {
	b := ansible.Bundle{}
	if len(ms.Modules) > 1 {
		b.Name = fleetArchive
	}
	for _, m := range ms.Modules {
		b.Modules = append(b.Modules, ansible.Module{Name: m.Name, CIL: m.CIL})
		for _, name := range m.Recipe.Templates {
			data, err := templateData(root, m.Recipe.Flavor, m.Recipe.TemplateDir, name)
			if err != nil {
				return nil, fmt.Errorf("-d: %w", err)
			}
			b.Templates = append(b.Templates, ansible.File{Name: name, Data: data})
		}
	}
	files, err := ansible.Files(b)
	if err != nil {
		return nil, usage(fmt.Errorf("-d: %w", err))
	}
	out := make([]File, len(files))
	names := make([]string, len(files))
	for i, f := range files {
		out[i], names[i] = File{Name: f.Name, Data: f.Data}, f.Name
	}
	for i := range ms.Modules {
		ms.Modules[i].Recipe.Ansible = names
	}
	return out, nil
}
