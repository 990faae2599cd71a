package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/engine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/recipe"
	"github.com/confine-policy/confine/templates"
)

// generateFlags are udica's flags, with its meanings, plus confine's own.
type generateFlags struct {
	json, containerID, engine string
	caps, devices             string
	capsSet, devicesSet       bool
	opts                      policy.Options
	output                    string
	host                      host.Options
	flavor                    string
}

const generateHelp = `It reads the container engine's inspect output (docker, podman, crictl or
nerdctl inspect) from standard input, from -j FILE, or by running the
engine itself with -i ID, and writes NAME.cil, a CIL policy module whose
domain NAME.process grants what the container's mounts, ports,
capabilities and devices need, and nothing more. The module is written
whole or not at all.

With several containers in the input and no NAME, it writes one module per
container, named after the container.`

// addGenerateFlags puts the generate flags on c: both the root command and
// "confine generate" take them.
func addGenerateFlags(c *cobra.Command, f *generateFlags) {
	fs := c.Flags()
	fs.StringVarP(&f.json, "json", "j", "", "read inspect JSON from `FILE` (- for standard input)")
	fs.StringVarP(&f.containerID, "container-id", "i", "", "inspect container `ID` with podman, docker, crictl or nerdctl")
	fs.StringVarP(&f.engine, "container-engine", "e", "", "read the input as `ENGINE`'s: docker, podman, crio (CRI-O), containerd or oci (default: detect)")
	fs.StringVarP(&f.caps, "caps", "c", "", "grant these comma-separated `CAPS` instead of the container's (none for no capability)")
	fs.StringVar(&f.devices, "devices", "", "grant these comma-separated device `PATHS` instead of the container's")
	fs.BoolVar(&f.opts.FullNetwork, "full-network-access", false, "allow the container any network access (net_container)")
	fs.BoolVar(&f.opts.TTY, "tty-access", false, "allow the container to use the terminal (tty_container)")
	fs.BoolVar(&f.opts.X, "X-access", false, "allow the container to talk to the X server (x_container)")
	fs.BoolVar(&f.opts.Virt, "virt-access", false, "allow the container to talk to libvirt (virt_container)")
	fs.StringSliceVarP(&f.opts.StreamConnect, "stream-connect", "s", nil, "allow connecting to the Unix stream socket of the container module `DOMAIN`")
	fs.StringVarP(&f.output, "output", "o", "", "write the module to `FILE` (- for standard output) instead of NAME.cil")
	fs.StringVar(&f.host.Root, "root", "", "generate for the host whose /etc/selinux is copied under `DIR`; never read live labels")
	fs.StringVar(&f.host.Policy, "policy", "", "check names against the binary policy in `FILE`")
	fs.StringVar(&f.flavor, "flavor", "", "template `FLAVOUR`: fedora or refpolicy (default: detect from the host)")
	fs.StringSliceVar(&f.opts.AllowTypes, "allow-type", nil, "let mounts grant the secret `TYPE` (ssh keys, keyrings, ...), which they never do otherwise")
	fs.BoolVar(&f.host.Predict, "predict", false, "also grant the types the policy gives paths that may be created below a mount")
}

func newGenerate(s *streams) *cobra.Command {
	var f generateFlags
	c := &cobra.Command{
		Use:   "generate [flags] [NAME]",
		Short: "Write a policy module for a container (the default command)",
		Long:  "generate writes a policy module for a container.\n\n" + generateHelp + "\n\n" + exitStatusHelp,
		Args:  positional(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			return runGenerate(s, c, &f, args)
		},
	}
	addGenerateFlags(c, &f)
	return c
}

// module is one module ready to be written.
type module struct {
	m      *policy.Module
	text   []byte
	path   string // "" for standard output
	recipe *recipe.Recipe
}

func runGenerate(s *streams, c *cobra.Command, f *generateFlags, args []string) error {
	f.capsSet = c.Flags().Changed("caps")
	f.devicesSet = c.Flags().Changed("devices")
	if err := f.parse(args); err != nil {
		return usageError(err)
	}
	flavor, err := f.templateFlavor()
	if err != nil {
		return usageError(err)
	}
	containers, err := f.read(s)
	if err != nil {
		return err
	}
	if len(args) == 1 && len(containers) > 1 {
		return usageError(fmt.Errorf("the input holds %d containers, so NAME would be ambiguous: give no NAME to write one module per container, named after it", len(containers)))
	}
	if f.output != "" && len(containers) > 1 {
		return usageError(fmt.Errorf("-o names one file, but the input holds %d containers", len(containers)))
	}

	// Build every module before writing any, so that bad input for one
	// container leaves no module of the others behind either.
	facts := host.Open(f.host)
	pol, err := facts.Policy()
	if err != nil {
		return policyError(err)
	}
	names, err := moduleNames(s, containers, args, facts)
	if err != nil {
		return err
	}
	if err := f.checkOutput(facts); err != nil {
		return err
	}
	var modules []module
	for i, ctr := range containers {
		opts := f.opts
		opts.Name = names[i]
		opts.Flavor = flavor
		m, err := policy.Generate(ctr, facts, opts)
		if err != nil {
			return policyError(fmt.Errorf("container %s: %w", ctr.Name, err))
		}
		text, err := m.CIL()
		if err != nil {
			return policyError(err)
		}
		out := module{m: m, text: text, path: names[i] + ".cil"}
		switch f.output {
		case "":
		case "-":
			out.path = ""
		default:
			out.path = f.output
		}
		file := out.path
		if file == "" {
			file = m.Name + ".cil"
		}
		out.recipe, err = recipe.New(m, file, recipe.Options{Flavor: flavor, Root: f.host.Root, Policy: pol})
		if err != nil {
			return policyError(err)
		}
		modules = append(modules, out)
	}
	skipped(s, facts)

	// udica prints its recipe on standard output; with the module there,
	// the recipe goes to standard error so the output stays valid CIL.
	recipeOut := s.out
	for _, out := range modules {
		if out.path == "" {
			if _, err := s.out.Write(out.text); err != nil {
				return policyError(err)
			}
			recipeOut = s.err
		} else if err := atomicfile.Write(out.path, out.text, 0o644); err != nil {
			return policyError(err)
		}
		// Said once the module is there: for one that could not be
		// written they would be noise around the error.
		for _, w := range out.m.Warnings {
			warn(s, w)
		}
		for _, w := range out.recipe.Warnings {
			warn(s, w)
		}
		if err := out.recipe.Write(recipeOut); err != nil {
			return policyError(err)
		}
	}
	return nil
}

// maxSkipped is how many skipped file_contexts lines are shown one by one.
const maxSkipped = 5

// skipped warns of the file_contexts lines the host's facts could not
// use: the module knows nothing of the paths they label.
func skipped(s *streams, facts *host.System) {
	notes := facts.Notes()
	for i, n := range notes {
		if i == maxSkipped {
			warn(s, fmt.Sprintf("and %d more file_contexts lines skipped", len(notes)-maxSkipped))
			break
		}
		warn(s, n)
	}
}

// checkOutput refuses an -o file whose name would install the module under
// a name the host already has: semodule names a module after its file.
func (f *generateFlags) checkOutput(facts host.Facts) error {
	if f.output == "" || f.output == "-" {
		return nil
	}
	name := filepath.Base(f.output)
	if ext := filepath.Ext(name); ext != "" {
		name = strings.TrimSuffix(name, ext)
	}
	err := policy.CheckModuleName(name, facts)
	switch {
	case errors.Is(err, policy.ErrNameTaken):
		return usageError(fmt.Errorf("-o %s: %w", f.output, err))
	case errors.Is(err, cil.ErrInvalidName):
		return usageError(fmt.Errorf("-o %s: semodule would name the module %q: %w", f.output, name, err))
	case err != nil:
		return policyError(err)
	}
	return nil
}

// parse turns the comma-separated flags into lists and checks them, and
// NAME's syntax.
func (f *generateFlags) parse(args []string) error {
	if len(args) == 1 {
		if err := policy.ValidateName(args[0]); err != nil {
			return fmt.Errorf("NAME: %w", err)
		}
	}
	if f.capsSet {
		f.opts.Caps = []string{}
		if !strings.EqualFold(f.caps, "none") {
			caps, err := inspect.ParseCapabilities(strings.Split(f.caps, ","))
			if err != nil {
				return fmt.Errorf("-c: %w", err)
			}
			f.opts.Caps = caps
		}
	}
	if f.devicesSet {
		f.opts.Devices = []string{}
		for _, d := range strings.Split(f.devices, ",") {
			if !filepath.IsAbs(d) {
				return fmt.Errorf("--devices: %q is not an absolute path", d)
			}
			f.opts.Devices = append(f.opts.Devices, d)
		}
	}
	if f.host.Root != "" && f.host.Policy != "" {
		return errors.New("--root and --policy cannot be used together")
	}
	if f.json != "" && f.containerID != "" {
		return errors.New("-j and -i cannot be used together")
	}
	for _, d := range f.opts.StreamConnect {
		if err := cil.ValidateName(d); err != nil {
			return fmt.Errorf("--stream-connect: %w", err)
		}
	}
	for _, t := range f.opts.AllowTypes {
		if err := cil.ValidateName(t); err != nil {
			return fmt.Errorf("--allow-type: %w", err)
		}
	}
	return nil
}

// templateFlavor returns the flavour --flavor names, or the one the host
// has (see templates.Detect).
func (f *generateFlags) templateFlavor() (templates.Flavor, error) {
	if f.flavor != "" {
		return templates.ParseFlavor(f.flavor)
	}
	root := f.host.Root
	if root == "" {
		root = "/"
	}
	// A host without an SELinux config has no policy name: that is not
	// targeted, and the policy is needed later anyway, where its absence
	// is reported.
	name, _ := host.Open(f.host).PolicyName()
	return templates.Detect(root, name), nil
}

// read returns the containers the input describes.
func (f *generateFlags) read(s *streams) ([]inspect.Container, error) {
	if f.containerID == "" {
		return readContainers(s, "confine NAME", f.json, f.engine)
	}
	e, err := parseEngineFlag(f.engine)
	if err != nil {
		return nil, inputError(err)
	}
	res, err := engine.Inspect(context.Background(), f.containerID, e)
	switch {
	case errors.Is(err, engine.ErrNoInspector) || errors.Is(err, engine.ErrInvalidID):
		return nil, usageError(err)
	case err != nil:
		return nil, inputError(err)
	}
	if len(res.AlsoKnownBy) > 0 {
		var others []string
		for _, o := range res.AlsoKnownBy {
			others = append(others, string(o))
		}
		verb := "knows"
		if len(others) > 1 {
			verb = "know"
		}
		note(s, fmt.Sprintf("container %s: %s also %s it; used %s's (%s); give -e to choose", f.containerID, strings.Join(others, " and "), verb, res.Engine, res.Command()))
	}
	containers, err := inspect.Parse(bytes.NewReader(res.Output), e)
	if err != nil {
		return nil, inputError(fmt.Errorf("%s: %w", res.Command(), err))
	}
	return containers, nil
}

// moduleNames returns the module name for each container: NAME when the
// input holds one container, else each container's own name, made one
// that is free on the host (saying so in a note). A NAME the host already
// has is a usage error.
func moduleNames(s *streams, containers []inspect.Container, args []string, facts host.Facts) ([]string, error) {
	if len(args) == 1 {
		err := policy.CheckName(args[0], facts)
		switch {
		case errors.Is(err, policy.ErrNameTaken):
			return nil, usageError(fmt.Errorf("NAME: %w", err))
		case err != nil:
			return nil, policyError(err)
		}
		return args, nil
	}
	names := make([]string, len(containers))
	for i, c := range containers {
		if strings.TrimPrefix(c.Name, "/") == "" {
			return nil, usageError(fmt.Errorf("container %d has no name to name its module after: give NAME", i+1))
		}
		name, why, err := policy.NameFor(c.Name, facts)
		if err != nil {
			return nil, policyError(err)
		}
		if slices.Contains(names[:i], name) {
			return nil, usageError(fmt.Errorf("containers %d and %d would both write module %s: give them distinct names", slices.Index(names[:i], name)+1, i+1, name))
		}
		note(s, why)
		names[i] = name
	}
	return names, nil
}
