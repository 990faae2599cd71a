// Package cmd is confine's command line: one file per subcommand, each a thin
// layer over the library packages under pkg/.
package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
)

// Exit statuses. They match udica's, so that scripts written for it keep
// working.
const (
	exitOK     = 0
	exitUsage  = 2 // bad flags, arguments or NAME
	exitInput  = 3 // the container's description cannot be read
	exitPolicy = 4 // the host's policy cannot be read, or the module built or written
	exitCheck  = 1 // confine check: a module would not load as written
)

const exitStatusHelp = `Exit status:
  0  done, perhaps with warnings
  2  usage error: an unknown flag or command, a bad flag value or argument,
     or a NAME that cannot be used (invalid, too long, or one the host has)
  3  bad input: the container's description cannot be read (not inspect
     JSON, a missing file, a container ID no engine knows, an engine
     confine does not know)
  4  the host's policy cannot be read, or the module, templates or man
     pages cannot be built, written or installed (a refused symlink, a
     full disk, a module semodule refuses)`

// exitError carries the exit status that an error should end the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error  { return &exitError{exitUsage, err} }
func inputError(err error) error  { return &exitError{exitInput, err} }
func policyError(err error) error { return &exitError{exitPolicy, err} }

// streams are the process's standard streams, passed in so that tests can
// run the whole command line in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// Main runs confine with args and returns the process's exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &streams{in: stdin, out: stdout, err: stderr}
	root := newRoot(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "confine: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Anything cobra reports itself (unknown command, bad flag, wrong
	// number of arguments) is a usage error.
	return exitUsage
}

func newRoot(s *streams) *cobra.Command {
	var f generateFlags
	root := &cobra.Command{
		Use:   "confine [flags] [NAME]",
		Short: "Write SELinux policy modules and AppArmor profiles for containers",
		Long: `confine writes SELinux policy modules for containers, as udica does, and
AppArmor profiles from the same input: see "confine apparmor --help".

Run without a command, it generates a module: see "confine generate --help".
` + generateHelp + "\n\n" + exitStatusHelp,
		Example: `  # Write web.cil for the container web, load it with the templates
  # confine names, and run the container in its domain:
  docker inspect web | confine web
  semodule -i web.cil /usr/share/udica/templates/{base_container.cil,net_container.cil}
  docker run --security-opt label=type:web.process -p 8080:80 nginx
  # Ask podman for the container, and install its module at once:
  confine -i web -e podman -l web`,
		Args: positional(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			return runGenerate(s, c, &f, args)
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       confine.BuildVersion().String(),
	}
	addGenerateFlags(root, &f)
	// udica's spelling, -V; cobra's own flag would take -v.
	root.Flags().BoolP("version", "V", false, "print confine's version, as \"confine version\" does")
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(newGenerate(s), newInspect(s), newLabel(s), newPort(s), newTemplates(s), newVersion(s), newCheck(s), newDenials(s), newAppArmor(s), newMan(s))
	return root
}

// positional wraps a cobra argument check so that its error ends the process
// with the usage exit status.
func positional(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError(err)
		}
		return nil
	}
}
