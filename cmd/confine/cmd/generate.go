package cmd

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/load"
	"github.com/confine-policy/confine/pkg/policy"
	"github.com/confine-policy/confine/pkg/spo"
	"github.com/confine-policy/confine/templates"
)

// generateFlags are udica's flags, with its meanings, plus confine's own.
type generateFlags struct {
	json, engine        string
	containerID         []string
	caps, devices       string
	capsSet, devicesSet bool
	opts                policy.Options
	output, outDir      string
	host                host.Options
	flavor              string
	load, ansible       bool
	format, spoDenied   string
	spoNamespace        string
	store               load.Options
	appendRules         string
}

const generateHelp = `It reads the container engine's inspect output (docker, podman, crictl or
nerdctl inspect) from standard input, from -j FILE, or by running the
engine itself with -i ID, and writes NAME.cil, a CIL policy module whose
domain NAME.process grants what the container's mounts, ports,
capabilities and devices need, and nothing more. The module is written
whole or not at all.

With several containers in the input and no NAME, it writes one module per
container, named after the container (into DIR with --out-dir DIR).`

// addGenerateFlags puts the generate flags on c: both the root command and
// "confine generate" take them.
func addGenerateFlags(c *cobra.Command, f *generateFlags) {
	fs := c.Flags()
	fs.StringVarP(&f.json, "json", "j", "", "read inspect JSON from `FILE` (- for standard input)")
	fs.StringSliceVarP(&f.containerID, "container-id", "i", nil, "inspect container `ID` with podman, docker, crictl or nerdctl (repeat, or separate with commas, for several)")
	fs.StringVarP(&f.engine, "container-engine", "e", "", "read the input as `ENGINE`'s: docker, podman, crio (CRI-O), containerd or oci (default: detect)")
	fs.StringVarP(&f.caps, "caps", "c", "", "grant these comma-separated `CAPS` instead of the container's (none for no capability)")
	fs.StringVar(&f.devices, "devices", "", "grant these comma-separated device `PATHS` instead of the container's")
	fs.BoolVar(&f.opts.FullNetwork, "full-network-access", false, "allow the container any network access (net_container)")
	fs.BoolVar(&f.opts.TTY, "tty-access", false, "allow the container to use the terminal (tty_container)")
	fs.BoolVar(&f.opts.X, "X-access", false, "allow the container to talk to the X server (x_container)")
	fs.BoolVar(&f.opts.Virt, "virt-access", false, "allow the container to talk to libvirt (virt_container)")
	fs.StringSliceVarP(&f.opts.StreamConnect, "stream-connect", "s", nil, "allow connecting to the Unix stream socket of the container module `DOMAIN`")
	fs.StringVarP(&f.output, "output", "o", "", "write the module to `FILE` (- for standard output) instead of NAME.cil")
	fs.StringVar(&f.outDir, "out-dir", "", "write each module into `DIR` as NAME.cil, making DIR if need be")
	fs.StringVar(&f.host.Root, "root", "", "generate for the host whose /etc/selinux is copied under `DIR`; never read live labels")
	fs.StringVar(&f.host.Policy, "policy", "", "check names against the binary policy in `FILE`")
	fs.StringVar(&f.flavor, "flavor", "", "template `FLAVOUR`: fedora or refpolicy (default: detect from the host)")
	fs.StringSliceVar(&f.opts.AllowTypes, "allow-type", nil, "let mounts grant the secret `TYPE` (ssh keys, keyrings, ...), which they never do otherwise")
	fs.BoolVar(&f.host.Predict, "predict", false, "also grant the types the policy gives paths that may be created below a mount")
	fs.StringVarP(&f.appendRules, "append-rules", "a", "", "add rules for the container's denials in the audit records of `FILE` (ausearch -m avc,user_avc, audit.log, journalctl; - for standard input)")
	fs.StringVar(&f.format, "format", "cil", "write the modules as `FORMAT`: cil, or selinuxprofile (the Security Profiles Operator's SelinuxProfile resources, one YAML stream)")
	fs.StringVar(&f.spoDenied, "spo-denied", "keep", "with --format selinuxprofile, `keep` what SPO refuses by default (and print the operator setting that allows it) or drop it")
	fs.StringVar(&f.spoNamespace, "spo-namespace", spo.DefaultNamespace, "with --format selinuxprofile, the `NAMESPACE` the Security Profiles Operator runs in, for the kubectl command printed")
	fs.BoolVarP(&f.ansible, "ansible", "d", false, "write an Ansible playbook, its variables and an archive of the modules and their templates (deploy-module.yml, variables-deploy-module.yml, NAME-policy.tar.gz) instead of the modules")
	fs.BoolVarP(&f.load, "load-modules", "l", false, "install the module and the templates it inherits with semodule, in one transaction, and check they loaded")
	fs.StringVar(&f.store.Root, "store-root", "", "with -l, install into the policy store under `DIR` (semodule -p; default: the --root directory, or this host)")
	fs.StringVar(&f.store.Store, "store", "", "with -l, install into the policy store `NAME` (semodule -s; default: SELINUXTYPE)")
}

func newGenerate(s *streams) *cobra.Command {
	var f generateFlags
	c := &cobra.Command{
		Use:   "generate [flags] [NAME]",
		Short: "Write a policy module for a container (the default command)",
		Long:  "generate writes a policy module for a container.\n\n" + generateHelp + "\n\n" + exitStatusHelp,
		Example: `  # The same as "confine web": web.cil from docker's inspect output
  docker inspect web | confine generate web
  # Ask the engines for the container, let it use the terminal, and
  # write the module into /root
  confine generate -i web --tty-access -o /root/web.cil web
  # A module for another host, whose /etc/selinux is copied under /srv/hostb
  confine generate -j web.json --root /srv/hostb web`,
		Args: positional(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			return runGenerate(s, c, &f, args)
		},
	}
	addGenerateFlags(c, &f)
	return c
}

func runGenerate(s *streams, c *cobra.Command, f *generateFlags, args []string) error {
	f.capsSet = c.Flags().Changed("caps")
	f.devicesSet = c.Flags().Changed("devices")
	if err := f.parse(args); err != nil {
		return usageError(err)
	}
	opts := confine.Options{Output: f.output, OutDir: f.outDir, Host: f.host, Policy: f.opts}
	if f.format == "selinuxprofile" {
		// One stream holds them all, written by writeSelinuxProfiles.
		opts.Output, opts.OutDir = "", ""
	}
	if len(args) == 1 {
		opts.Name = args[0]
	}
	if f.flavor != "" {
		var err error
		if opts.Flavor, err = templates.ParseFlavor(f.flavor); err != nil {
			return usageError(err)
		}
	}
	cs, err := read(s, "confine NAME", f.containerID, f.json, f.engine)
	if err != nil {
		return err
	}
	if f.appendRules != "" {
		if opts.Denials, err = confine.ReadDenials(f.appendRules, s.in); err != nil {
			return kindError(err)
		}
	}
	ms, err := confine.Generate(cs.Containers, opts)
	if err != nil {
		return kindError(err)
	}
	for _, n := range ms.Notes {
		note(s, n)
	}
	for _, w := range ms.Warnings {
		warn(s, w)
	}
	// Loaded first, so that a module semodule refuses is not left
	// behind as a file either.
	if f.load {
		if f.store.Root == "" {
			f.store.Root = f.host.Root
		}
		if _, err := ms.Load(c.Context(), f.host.Root, f.store); err != nil {
			return kindError(err)
		}
	}
	if f.format == "selinuxprofile" {
		return writeSelinuxProfiles(s, f, ms)
	}
	if f.ansible {
		files, err := ms.Ansible(f.host.Root)
		if err != nil {
			return kindError(err)
		}
		if _, err := confine.WriteFiles(cmp.Or(f.outDir, "."), files); err != nil {
			return policyError(err)
		}
	} else if err := ms.Write(s.out); err != nil {
		return policyError(err)
	}
	// udica prints its recipe on standard output; with the module there,
	// the recipe goes to standard error so the output stays valid CIL.
	recipeOut := s.out
	if f.output == "-" {
		recipeOut = s.err
	}
	for _, m := range ms.Modules {
		for _, w := range slices.Concat(m.Warnings, m.Recipe.Warnings) {
			warn(s, w)
		}
		if err := m.Recipe.Write(recipeOut); err != nil {
			return policyError(err)
		}
	}
	return nil
}

// parse turns the comma-separated flags into lists and checks them, and
// NAME's syntax.
func (f *generateFlags) parse(args []string) error {
	if len(args) == 1 {
		if args[0] == "confined_user" {
			return errors.New("confined_user is udica's mode for the policies of confined login users, which confine does not write: it writes container modules")
		}
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
	switch {
	case f.format != "cil" && f.format != "selinuxprofile":
		return fmt.Errorf("--format %q: the formats are cil and selinuxprofile", f.format)
	case f.spoDenied != "keep" && f.spoDenied != "drop":
		return fmt.Errorf("--spo-denied %q: keep or drop", f.spoDenied)
	case f.format == "selinuxprofile" && (f.load || f.ansible || f.appendRules != ""):
		return errors.New("--format selinuxprofile writes resources for the operator to install: it cannot be used with -l, -d or -a")
	case f.output != "" && f.outDir != "":
		return errors.New("-o and --out-dir cannot be used together")
	}
	if f.ansible && (f.load || f.output != "") {
		return errors.New("-d writes the modules into its archive: it cannot be used with -l or -o")
	}
	if !f.load && (f.store.Root != "" || f.store.Store != "") {
		return errors.New("--store-root and --store choose where -l installs: give -l too")
	}
	if f.appendRules == "-" && len(f.containerID) == 0 && (f.json == "" || f.json == "-") {
		return errors.New("-a - reads the audit records from standard input: give the container with -j FILE or -i ID")
	}
	if f.json != "" && len(f.containerID) > 0 {
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

// writeSelinuxProfiles writes the modules as one YAML stream of SPO
// SelinuxProfiles, NAME.yaml for one container and selinuxprofiles.yaml
// for several (in --out-dir, or -o), and says how to use them.
func writeSelinuxProfiles(s *streams, f *generateFlags, ms *confine.Modules) error {
	opts := spo.Options{}
	if f.spoDenied == "drop" {
		opts.Denied = spo.DropDenied
	}
	stream, warnings, err := ms.SelinuxProfiles(opts, f.spoNamespace)
	if err != nil {
		return kindError(err)
	}
	for _, w := range warnings {
		warn(s, w)
	}
	file := "selinuxprofiles.yaml"
	if len(ms.Modules) == 1 {
		file = ms.Modules[0].Name + ".yaml"
	}
	uses := make([]string, 0, len(ms.Modules))
	for _, m := range ms.Modules {
		uses = append(uses, fmt.Sprintf("and run the pod of %s with: securityContext.seLinuxOptions.type: %s", m.Container, m.Recipe.Domain()))
	}
	return writeResources(s, "SelinuxProfile", stream, f.output, filepath.Join(cmp.Or(f.outDir, "."), file), uses)
}

// writeResources writes stream, SPO resources of kind, to output (- for
// standard output), or to file when output is "", whole or not at all,
// and prints how to apply them and the uses: how each pod names its
// profile.
func writeResources(s *streams, kind string, stream []byte, output, file string, uses []string) error {
	switch output {
	case "-":
		_, err := s.out.Write(stream)
		return err
	case "":
	default:
		file = output
	}
	if _, err := confine.WriteFiles(filepath.Dir(file), []confine.File{{Name: filepath.Base(file), Data: stream}}); err != nil {
		return policyError(err)
	}
	fmt.Fprintf(s.out, "\n%s resources written to %s! Apply them using:\n# kubectl apply -f %s\n", kind, file, file)
	for _, u := range uses {
		fmt.Fprintln(s.out, u)
	}
	return nil
}
