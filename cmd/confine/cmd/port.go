package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/host"
	"github.com/confine-policy/confine/pkg/policydb"
)

func newPort(s *streams) *cobra.Command {
	var opts host.Options
	c := &cobra.Command{
		Use:   "port [--root DIR | --policy FILE] PORT/PROTO...",
		Short: "Print the SELinux type of ports in the host's policy",
		Long: `port prints, for each PORT/PROTO (such as 8080/tcp, or a range such as
9000-9010/udp, answered port by port), one line: the port, its type and
where the type comes from, separated by tabs. The source is "portcon
LOW-HIGH" for the policy entry that labels the port, or "default" when no
entry does and the kernel gives the policy's default port type.

Protocols: tcp, udp, sctp, dccp. The policy is the one /etc/selinux/config
names, the one under --root, or the file --policy names.

` + exitStatusHelp,
		Example: `  confine port 8080/tcp 53/udp
  confine port 9000-9010/udp
  # In a given binary policy (RHEL's; Debian's is under /etc/selinux/default)
  confine port --policy /etc/selinux/targeted/policy/policy.33 443/tcp`,
		Args: positional(cobra.MinimumNArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			if opts.Root != "" && opts.Policy != "" {
				return usageError(errors.New("--root and --policy cannot be used together"))
			}
			var queries []policydb.PortRange
			for _, arg := range args {
				q, err := policydb.ParsePortRange(arg)
				if err != nil {
					return usageError(err)
				}
				queries = append(queries, q)
			}
			var facts host.Facts = host.Open(opts)
			for _, q := range queries {
				for port := int(q.Low); port <= int(q.High); port++ {
					p, err := facts.Port(q.Protocol.String(), uint16(port))
					if err != nil {
						return policyError(err)
					}
					warn(s, p.Warning)
					fmt.Fprintf(s.out, "%d/%s\t%s\t%s\n", port, q.Protocol, p.Type, p.Source)
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&opts.Root, "root", "", "read the policy under `DIR`/etc/selinux")
	c.Flags().StringVar(&opts.Policy, "policy", "", "read the binary policy in `FILE`")
	return c
}
