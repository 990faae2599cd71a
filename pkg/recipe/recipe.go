package recipe

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/load"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/templates"
)

// ContainerType is declared by refpolicy's container module and by
// container-selinux alike, the engines' domain, and the templates name
// it and the module's attributes: without the module neither the
// templates nor a module inheriting them load. A type is looked for,
// not an attribute such as container_domain: a compiler may drop an
// attribute that no rule uses.
const ContainerType = "container_runtime_t"

// Where Debian (and Ubuntu) keep refpolicy's source and the Makefile that
// builds a module from it.
const (
	debianMarker        = "/etc/debian_version"
	debianPolicySource  = "/usr/src/selinux-policy-src.tar.zst"
	debianDevelMakefile = "/usr/share/selinux/devel/Makefile"
	// containerSource is the container module's source in the tarball:
	// four directories deep, which tar strips.
	containerSource = "selinux-policy-src/policy/modules/services/container"
)

// Options describe the host the module is for.
type Options struct {
	Flavor templates.Flavor
	// Root is the host's root directory, where the recipe looks for the
	// installed templates and the policy source: "" or "/" for this
	// host, or the directory given with --root.
	Root string
	// Policy is the policy the module will be loaded into.
	Policy host.Policy
}

// A Recipe is how to install one module and run its container.
type Recipe struct {
	// Name is the module's name; the container runs as Name.process.
	Name string
	// File is the module's file, as the user names it.
	File string
	// Flavor is the flavour of the templates the module inherits.
	Flavor templates.Flavor
	// TemplateDir is where the template files are installed, and
	// Templates are the files the module needs from there, in order: on
	// Debian, templates.DebianEnginesFile too.
	TemplateDir string
	Templates   []string
	// WriteTemplates says confine's templates are not in TemplateDir as
	// this confine has them, so the recipe writes them first.
	WriteTemplates bool
	// ContainerModule holds the commands that build and install
	// refpolicy's container module, when the policy lacks it and the
	// host is one whose source confine knows how to build (Debian,
	// Ubuntu). The module must then be generated again.
	ContainerModule []string
	// NoContainerModule says the policy lacks the container module (see
	// Warnings for what to do).
	NoContainerModule bool
	// Warnings say what the user must know before following the recipe.
	Warnings []string
	// Loaded, once the module is installed (confine -l), says how: the
	// recipe then prints that instead of the commands that would.
	Loaded *load.Result
	// Ansible, when -d wrote a playbook that deploys the module, names
	// the files it wrote: the recipe then says to run the play.
	Ansible []string
}

// New returns the recipe for module m, written to file, on the host opts
// describes.
func New(m *policy.Module, file string, opts Options) (*Recipe, error) {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	r := &Recipe{Name: m.Name, File: file, Flavor: opts.Flavor, TemplateDir: opts.Flavor.Dir()}
	for _, t := range m.Templates {
		f, err := templates.File(t.Block)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(r.Templates, f) {
			r.Templates = append(r.Templates, f)
		}
	}
	if opts.Flavor == templates.Refpolicy {
		if _, err := os.Stat(filepath.Join(root, debianMarker)); err == nil {
			// Debian's podman runs nothing confined without it.
			r.Templates = append(r.Templates, templates.DebianEnginesFile)
		}
		for _, f := range r.Templates {
			same, err := installed(filepath.Join(root, r.TemplateDir, f), f)
			if err != nil {
				return nil, err
			}
			if !same {
				r.WriteTemplates = true
			}
		}
	}
	if opts.Policy != nil && !opts.Policy.HasType(ContainerType) {
		r.NoContainerModule = true
		r.containerModule(root, opts.Flavor)
	}
	return r, nil
}

// installed reports whether path holds the template file name as this
// confine has it.
func installed(path, name string) (bool, error) {
	have, err := os.ReadFile(path)
	if err != nil {
		return false, nil // missing or unreadable: the recipe writes it
	}
	want, err := templates.Data(name)
	if err != nil {
		return false, fmt.Errorf("recipe: template %s: %w", name, err)
	}
	return bytes.Equal(have, want), nil
}

// containerModule says how to get the container module the policy lacks.
func (r *Recipe) containerModule(root string, flavor templates.Flavor) {
	if flavor == templates.Fedora {
		r.Warnings = append(r.Warnings, "the policy has no container policy (no "+ContainerType+" type): install container-selinux, which brings the container policy and the templates, before loading the module, then generate it again")
		return
	}
	const made = "; then generate this module again: made without it, the module names the types the host has before the container module labels its files (such as var_lib_t, not container_file_t, for the engine's volumes)"
	if _, err := os.Stat(filepath.Join(root, debianMarker)); err != nil {
		r.Warnings = append(r.Warnings, "the policy has no container module (no "+ContainerType+" type), so neither the templates nor this module will load: build refpolicy's container module (policy/modules/services/container.te) with the distribution's policy development files and install it with semodule -i"+made)
		return
	}
	r.Warnings = append(r.Warnings, "the policy has no container module (no "+ContainerType+" type), so neither the templates nor this module will load: build and install refpolicy's from Debian's selinux-policy-src, as printed below"+made)
	if _, err := os.Stat(filepath.Join(root, debianPolicySource)); err != nil {
		r.ContainerModule = append(r.ContainerModule, "apt-get install --no-install-recommends selinux-policy-dev selinux-policy-src zstd")
	} else if _, err := os.Stat(filepath.Join(root, debianDevelMakefile)); err != nil {
		r.ContainerModule = append(r.ContainerModule, "apt-get install --no-install-recommends selinux-policy-dev zstd")
	}
	r.ContainerModule = append(r.ContainerModule,
		`cd "$(mktemp -d)"`,
		fmt.Sprintf("tar --zstd -xf %s --strip-components=4 %s.te %s.fc", debianPolicySource, containerSource, containerSource),
		"make -f "+debianDevelMakefile+" container.pp",
		"semodule -i container.pp",
	)
}

// Domain returns the SELinux type the container runs as.
func (r *Recipe) Domain() string { return r.Name + ".process" }

// SecurityOpt returns the value of docker's and podman's --security-opt
// that runs the container in the module's domain.
func (r *Recipe) SecurityOpt() string { return "label=type:" + r.Domain() }

// Load returns the commands that install the module, in order: writing
// the templates when they are not there, then one semodule transaction
// with the module and its templates. It is empty while the container
// module is missing, since the module must be generated again first.
func (r *Recipe) Load() []string {
	if r.NoContainerModule {
		return nil
	}
	var cmds []string
	if r.WriteTemplates {
		cmds = append(cmds, "confine templates --write "+r.TemplateDir)
	}
	list := strings.Join(r.Templates, ",")
	if len(r.Templates) > 1 {
		list = "{" + list + "}"
	}
	return append(cmds, fmt.Sprintf("semodule -i %s %s/%s", r.File, r.TemplateDir, list))
}

// writeLoaded says where the module was installed and with which
// command, where udica's -l says nothing.
func (r *Recipe) writeLoaded(b *strings.Builder) {
	l := r.Loaded
	if len(l.Command) > 0 {
		fmt.Fprintf(b, "Installed in the policy store %s with: \n# %s\n", l.Store, strings.Join(l.Command, " "))
	}
	if len(l.Unchanged) > 0 {
		fmt.Fprintf(b, "Already installed as they are, in the policy store %s: %s\n", l.Store, strings.Join(l.Unchanged, ", "))
	}
	b.WriteString("\n")
}

// Write prints the recipe as udica prints its own (the same lines, the
// trailing space included), with confine's additions: the steps that come
// first on a refpolicy host, what was installed when Loaded is set, and
// the Kubernetes equivalent of the option.
func (r *Recipe) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nPolicy %s created!\n\n", r.Name)
	switch {
	case len(r.ContainerModule) > 0:
		b.WriteString("Build and install the container module first, using: \n")
		for _, c := range r.ContainerModule {
			b.WriteString("# " + c + "\n")
		}
		b.WriteString("then run this confine command again, and load the modules it prints.\n\n")
	case r.NoContainerModule:
		b.WriteString("Install the container module first (see the warning above), then run this confine command again.\n\n")
	case r.Loaded != nil:
		r.writeLoaded(&b)
	case len(r.Ansible) > 0:
		// udica's lines, with where the module went and the command.
		b.WriteString("Ansible playbook and archive with confine policies generated! \nPlease run ansible play to deploy the policy.\n")
		fmt.Fprintf(&b, "# ansible-playbook -i INVENTORY %s\n(%s, %s: %s.cil is in the archive, not beside it)\n\n", r.Ansible[0], r.Ansible[1], r.Ansible[2], r.Name)
	default:
		b.WriteString("Please load these modules using: \n")
		for _, c := range r.Load() {
			b.WriteString("# " + c + "\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Restart the container with: \"--security-opt %s\" parameter\nor, in a Kubernetes pod: securityContext.seLinuxOptions.type: %s\n", r.SecurityOpt(), r.Domain())
	_, err := io.WriteString(w, b.String())
	return err
}
