package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/templates"
)

func newTemplates(s *streams) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "templates --write DIR",
		Short: "Write confine's template blocks for refpolicy-based hosts",
		Long: `templates writes confine's own template blocks (base_container.cil,
net_container.cil and the others, with udica's file and block names) into
DIR, for hosts whose policy is the reference policy (Debian, Ubuntu,
Gentoo, Arch) and has no container-selinux templates. Modules made with
--flavor refpolicy inherit them; the recipe confine prints names them in
` + templates.Refpolicy.Dir() + `. It also writes ` + templates.DebianEnginesFile + `, the
labels and rules Debian's podman needs to start confined containers,
which the recipe installs on Debian.

Each file is replaced whole or not at all.

` + exitStatusHelp,
		Example: `  # Debian, Ubuntu: install the templates where the recipe names them
  confine templates --write ` + templates.Refpolicy.Dir(),
		Args: positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			if dir == "" {
				return usageError(errors.New("--write DIR is required"))
			}
			paths, err := confine.WriteTemplates(dir)
			if err != nil {
				return policyError(err)
			}
			for _, path := range paths {
				fmt.Fprintln(s.out, path)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "write", "", "write the templates into `DIR`, creating it if needed")
	return c
}
