package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/policy"
)

// defaultAuditLog is where auditd writes the records.
const defaultAuditLog = "/var/log/audit/audit.log"

func newDenials(s *streams) *cobra.Command {
	var module string
	var hostOpts host.Options
	c := &cobra.Command{
		Use:   "denials [flags] NAME [FILE]",
		Short: "Show a container's denials as the rules -a would add, and which its module has",
		Long: `denials reads the SELinux denials in FILE (default ` + defaultAuditLog + `;
- for standard input; ausearch -m avc,user_avc output, raw or -i, and
journalctl or dmesg lines too) and prints those of NAME.process as the
rules "confine -a FILE NAME" would add: each permission checked against the
host's policy as -a checks it, with the denials that caused it. It then
splits them by whether the module file (default NAME.cil) already grants
them: a denial of a rule the module has means the module is not loaded as
written, or the container does not run as NAME.process. This is
audit2allow's step for containers, without its trouble with NAME.process.

Exit status:
  0  done, perhaps with warnings
  2  usage error: an unknown flag, a bad NAME
  3  FILE cannot be read, or holds no denial of NAME.process
  4  the host's policy cannot be read`,
		Example: `  # What web was denied since it was started, and what its module lacks:
  ausearch -m avc,user_avc -ts recent | confine denials web -
  # Then add it:
  docker inspect web | confine -a /var/log/audit/audit.log web`,
		Args: positional(cobra.RangeArgs(1, 2)),
		RunE: func(c *cobra.Command, args []string) error {
			name, file := args[0], defaultAuditLog
			if len(args) == 2 {
				file = args[1]
			}
			if module == "" {
				module = name + ".cil"
			}
			d, err := confine.ReadDenials(file, s.in)
			if err != nil {
				return kindError(err)
			}
			rep, err := confine.CompareDenials(name, d, module, hostOpts)
			if err != nil {
				return kindError(err)
			}
			for _, w := range rep.Warnings {
				warn(s, w)
			}
			return writeDenials(s.out, rep, file, name)
		},
	}
	c.Flags().StringVar(&module, "module", "", "compare with the module in `FILE` (default: NAME.cil)")
	c.Flags().StringVar(&hostOpts.Root, "root", "", "check the rules against the host whose /etc/selinux is copied under `DIR`")
	return c
}

// writeDenials prints the report as CIL comments and rules, ready to
// read or to paste into the module.
func writeDenials(w io.Writer, rep *confine.DenialReport, file, name string) error {
	if file == "-" {
		file = "FILE" // the records were piped: name where they are kept
	}
	var b strings.Builder
	switch {
	case len(rep.New) == 0:
		fmt.Fprintf(&b, "; %s: nothing to add, %s grants every rule its denials ask for\n", rep.Domain, rep.Module)
	case rep.Missing:
		fmt.Fprintf(&b, "; %s: there is no %s; \"confine -a %s %s\" adds these rules:\n", rep.Domain, rep.Module, file, name)
	default:
		fmt.Fprintf(&b, "; %s: %s lacks these rules; \"confine -a %s %s\" adds them:\n", rep.Domain, rep.Module, file, name)
	}
	writeGroups(&b, rep.New)
	if len(rep.Granted) > 0 {
		fmt.Fprintf(&b, "\n; %s already grants these, yet they were denied: is it loaded, and does the container run as %s?\n", rep.Module, rep.Domain)
		writeGroups(&b, rep.Granted)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeGroups(b *strings.Builder, groups []policy.Group) {
	for _, g := range groups {
		for _, r := range g.Reasons {
			fmt.Fprintf(b, "; %s\n", r)
		}
		for _, r := range g.Rules {
			fmt.Fprintf(b, "(allow process %s (%s (%s)))\n", g.Target, r.Class, strings.Join(r.Perms, " "))
		}
	}
}
