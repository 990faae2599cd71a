package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/pkg/cil"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/policy"
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
	m    *policy.Module
	text []byte
	path string // "" for standard output
}

func runGenerate(s *streams, c *cobra.Command, f *generateFlags, args []string) error {
	f.capsSet = c.Flags().Changed("caps")
	f.devicesSet = c.Flags().Changed("devices")
	if err := f.parse(); err != nil {
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
	names, err := moduleNames(containers, args)
	if err != nil {
		return usageError(err)
	}
	if f.output != "" && len(containers) > 1 {
		return usageError(fmt.Errorf("-o names one file, but the input holds %d containers", len(containers)))
	}

	// Build every module before writing any, so that bad input for one
	// container leaves no module of the others behind either.
	facts := host.Open(f.host)
	if _, err := facts.Policy(); err != nil {
		return policyError(err)
	}
	var modules []module
	for i, ctr := range containers {
		opts := f.opts
		opts.Name = names[i]
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
		modules = append(modules, out)
	}

	// udica prints its recipe on standard output; with the module there,
	// the recipe goes to standard error so the output stays valid CIL.
	recipeOut := s.out
	for _, out := range modules {
		for _, w := range out.m.Warnings {
			warn(s, w)
		}
		if out.path == "" {
			if _, err := s.out.Write(out.text); err != nil {
				return policyError(err)
			}
			recipeOut = s.err
		} else if err := atomicfile.Write(out.path, out.text, 0o644); err != nil {
			return policyError(err)
		}
		if err := printRecipe(recipeOut, out, flavor); err != nil {
			return policyError(err)
		}
	}
	return nil
}

// parse turns the comma-separated flags into lists and checks them.
func (f *generateFlags) parse() error {
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
	engine, err := parseEngineFlag(f.engine)
	if err != nil {
		return nil, usageError(err)
	}
	data, err := inspectByID(f.containerID)
	if err != nil {
		return nil, inputError(err)
	}
	containers, err := inspect.Parse(bytes.NewReader(data), engine)
	if err != nil {
		return nil, inputError(fmt.Errorf("inspect output for %s: %w", f.containerID, err))
	}
	return containers, nil
}

// inspectors are the engines -i asks, in udica's order and then the
// containerd tools.
var inspectors = [][]string{
	{"podman", "inspect"},
	{"docker", "inspect"},
	{"crictl", "inspect"},
	{"nerdctl", "inspect", "--mode=native"},
}

// inspectByID runs each engine's inspect in turn and returns the first
// output that holds something.
func inspectByID(id string) ([]byte, error) {
	var tried []string
	for _, argv := range inspectors {
		if _, err := exec.LookPath(argv[0]); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], id)...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err == nil && len(bytes.TrimSpace(stdout.Bytes())) > 0 && !bytes.Equal(bytes.TrimSpace(stdout.Bytes()), []byte("[]")) {
			return stdout.Bytes(), nil
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" && err != nil {
			msg = err.Error()
		}
		tried = append(tried, fmt.Sprintf("%s: %s", argv[0], firstLine(msg)))
	}
	if len(tried) == 0 {
		return nil, fmt.Errorf("container %s: none of podman, docker, crictl or nerdctl is installed", id)
	}
	return nil, fmt.Errorf("container %s not found (%s)", id, strings.Join(tried, "; "))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if line == "" {
		return "no output"
	}
	return line
}

// moduleNames returns the module name for each container: NAME when the
// input holds one container, else each container's own name.
func moduleNames(containers []inspect.Container, args []string) ([]string, error) {
	if len(args) == 1 {
		if len(containers) > 1 {
			return nil, fmt.Errorf("the input holds %d containers, so NAME would be ambiguous: give no NAME to write one module per container, named after it", len(containers))
		}
		if err := cil.ValidateName(args[0]); err != nil {
			return nil, fmt.Errorf("NAME: %w", err)
		}
		return args, nil
	}
	names := make([]string, len(containers))
	for i, c := range containers {
		names[i] = strings.TrimPrefix(c.Name, "/")
		if err := cil.ValidateName(names[i]); err != nil {
			return nil, fmt.Errorf("container %d cannot name its module (%w): give NAME", i+1, err)
		}
	}
	return names, nil
}

// printRecipe prints what udica prints after writing a module, so that
// scripts reading it keep working, and the Kubernetes equivalent.
func printRecipe(w io.Writer, out module, flavor templates.Flavor) error {
	var files []string
	for _, t := range out.m.Templates {
		file, err := templates.File(t.Block)
		if err != nil {
			return err
		}
		if !slices.Contains(files, file) {
			files = append(files, file)
		}
	}
	list := strings.Join(files, ",")
	if len(files) > 1 {
		list = "{" + list + "}"
	}
	cilFile := out.path
	if cilFile == "" {
		cilFile = out.m.Name + ".cil"
	}
	name := out.m.Name
	_, err := fmt.Fprintf(w, "\nPolicy %s created!\n\nPlease load these modules using: \n# semodule -i %s %s/%s\n\nRestart the container with: \"--security-opt label=type:%s.process\" parameter\nor, in a Kubernetes pod: securityContext.seLinuxOptions.type: %s.process\n",
		name, cilFile, flavor.Dir(), list, name, name)
	return err
}
