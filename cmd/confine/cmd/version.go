package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
)

func newVersion(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print confine's version, the revision it was built from, and Go's",
		Long: `version prints confine's version, the VCS revision it was built from (with
"(modified)" when the checkout had changes), and the Go release and platform
it was built for, on one line. "confine -V" and "confine --version" print the
same.

` + exitStatusHelp,
		Example: `  confine version
  confine -V`,
		Args: positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(s.out, confine.BuildVersion())
			return err
		},
	}
}
