package cmd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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
			type query struct {
				proto     string
				low, high uint16
			}
			var queries []query
			for _, arg := range args {
				proto, low, high, err := parsePortRange(arg)
				if err != nil {
					return usageError(err)
				}
				queries = append(queries, query{proto, low, high})
			}
			var facts host.Facts = host.Open(opts)
			for _, q := range queries {
				for port := int(q.low); port <= int(q.high); port++ {
					p, err := facts.Port(q.proto, uint16(port))
					if err != nil {
						return policyError(err)
					}
					warn(s, p.Warning)
					fmt.Fprintf(s.out, "%d/%s\t%s\t%s\n", port, q.proto, p.Type, p.Source)
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&opts.Root, "root", "", "read the policy under `DIR`/etc/selinux")
	c.Flags().StringVar(&opts.Policy, "policy", "", "read the binary policy in `FILE`")
	return c
}

// parsePortRange splits PORT/PROTO or LOW-HIGH/PROTO.
func parsePortRange(arg string) (proto string, low, high uint16, err error) {
	ports, proto, ok := strings.Cut(arg, "/")
	if !ok {
		return "", 0, 0, fmt.Errorf("port %q: want PORT/PROTO, such as 8080/tcp", arg)
	}
	if _, err := policydb.ParseProtocol(proto); err != nil {
		return "", 0, 0, fmt.Errorf("port %q: %w", arg, err)
	}
	lowText, highText, isRange := strings.Cut(ports, "-")
	if !isRange {
		highText = lowText
	}
	l, err1 := strconv.ParseUint(lowText, 10, 16)
	h, err2 := strconv.ParseUint(highText, 10, 16)
	if err1 != nil || err2 != nil || l > h {
		return "", 0, 0, fmt.Errorf("port %q: want a port 0-65535 or a range LOW-HIGH", arg)
	}
	return proto, uint16(l), uint16(h), nil
}
