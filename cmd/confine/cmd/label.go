package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
)

func newLabel(s *streams) *cobra.Command {
	var opts host.Options
	var under bool
	c := &cobra.Command{
		Use:   "label [--root DIR] [--under] PATH...",
		Short: "Print the SELinux label of host paths, and where it comes from",
		Long: `label prints, for each PATH, one line: PATH, its context and where the
context comes from, separated by tabs. The source is "xattr" for a live
label, FILE:LINE for the file_contexts entry that decides it, or "none".

With --under it prints the types a container meets on a mount of PATH
instead, one line each: PATH, the type, where the first path's label came
from, and how many paths have the type and the first of them, or
"predicted" for a type the policy predicts below PATH although no file
has it (a PATH that is not on this host, or --predict).

` + exitStatusHelp,
		Example: `  # Where the labels of a web root and a file in it come from
  confine label /srv/www /srv/www/index.html
  # The types a container meets on a mount of /var/lib/webapp
  confine label --under /var/lib/webapp
  # The same, with the types of files the container may create there
  confine label --under --predict /var/lib/webapp`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(_ *cobra.Command, paths []string) error {
			for _, path := range paths {
				if !filepath.IsAbs(path) {
					return usageError(fmt.Errorf("PATH %q is not absolute", path))
				}
			}
			facts := host.Open(opts)
			for _, path := range paths {
				if err := printLabel(s, facts, path, under); err != nil {
					return policyError(err)
				}
			}
			for _, w := range confine.HostWarnings(facts) {
				warn(s, w)
			}
			return nil
		},
	}
	c.Flags().StringVar(&opts.Root, "root", "", "read the SELinux configuration under `DIR`/etc/selinux, never live labels")
	c.Flags().BoolVar(&under, "under", false, "print the types a container meets on a mount of each path")
	c.Flags().BoolVar(&opts.Predict, "predict", false, "with --under, add the types the policy gives paths that may be created below each path")
	return c
}

func printLabel(s *streams, facts host.Facts, path string, under bool) error {
	if !under {
		l, err := facts.Label(path)
		if err != nil {
			return err
		}
		warn(s, l.Warning)
		_, err = fmt.Fprintf(s.out, "%s\t%s\t%s\n", path, orNone(l.Context), l.Source)
		return err
	}
	ts, err := facts.Types(path)
	if err != nil {
		return err
	}
	for _, w := range ts.Warnings {
		warn(s, w)
	}
	for _, t := range ts.Types {
		found := "predicted"
		if !t.Predicted() {
			found = fmt.Sprintf("%d %s", t.Count, t.Path)
		}
		if _, err := fmt.Fprintf(s.out, "%s\t%s\t%s\t%s\n", path, t.Type, t.Source, found); err != nil {
			return err
		}
	}
	return nil
}

// orNone prints an empty context as <<none>>, as file_contexts writes it.
func orNone(context string) string {
	if context == "" {
		return "<<none>>"
	}
	return context
}

// note prints a note on standard error: something confine decided that
// the user may want to know, which needs no action. An empty one is
// nothing.
func note(s *streams, text string) {
	if text != "" {
		fmt.Fprintf(s.err, "confine: note: %s\n", text)
	}
}

// warn prints a warning line on standard error; an empty one is nothing.
func warn(s *streams, warning string) {
	if warning != "" {
		fmt.Fprintf(s.err, "confine: warning: %s\n", warning)
	}
}
