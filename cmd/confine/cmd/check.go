package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/templates"
)

func newCheck(s *streams) *cobra.Command {
	var opts confine.CheckOptions
	var flavor string
	c := &cobra.Command{
		Use:   "check [flags] FILE.cil...",
		Short: "Compile modules against the host's policy before installing them",
		Long: `check compiles each module, with the templates it inherits, against the
policy of the host's module store, as -l would install them, without
installing anything: the store is only read. It prints, at the module's
own line, each name the policy lacks (a type, a class, a permission in a
class that has no such permission), each rule a neverallow of the policy
forbids, and each template whose rules would be silently dropped because
they name something the policy lacks. A module with no problem is
printed as "FILE: ok".

Exit status:
  0  every module would load and keep every rule it says
  1  a module has a problem, as printed
  2  usage error: an unknown flag, no FILE
  3  a FILE cannot be read, or is not CIL
  4  the host's policy cannot be read, or does not compile with the
     templates (such as without the container module)`,
		Example: `  # Before installing, on the host that will load it:
  confine check web.cil
  # Against a copy of another host's /etc/selinux and /var/lib/selinux:
  confine check --store-root /srv/hosts/db1 --store targeted web.cil db.cil`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if flavor != "" {
				var err error
				if opts.Flavor, err = templates.ParseFlavor(flavor); err != nil {
					return usageError(err)
				}
			}
			rep, err := confine.Check(c.Context(), files, opts)
			if err != nil {
				return kindError(err)
			}
			for _, p := range rep.Problems {
				fmt.Fprintln(s.out, p)
			}
			failed := 0
			for _, f := range files {
				if rep.Failed(f) {
					failed++
				} else {
					fmt.Fprintf(s.out, "%s: ok\n", f)
				}
			}
			if failed > 0 {
				return &exitError{exitCheck, fmt.Errorf("%d of %d modules would not load as written, against the policy store %s", failed, len(files), rep.Store)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&opts.Root, "store-root", "", "check against the policy store under `DIR` (as semodule -p)")
	c.Flags().StringVar(&opts.Store, "store", "", "check against the policy store `NAME` (as semodule -s; default: SELINUXTYPE)")
	c.Flags().StringVar(&flavor, "flavor", "", "template `FLAVOUR`: fedora or refpolicy (default: detect from the host)")
	return c
}
