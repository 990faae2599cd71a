package cmd

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/aaload"
	"github.com/confine-policy/confine/pkg/confine"
)

func newAppArmor(s *streams) *cobra.Command {
	var (
		json, engine string
		ids          []string
		opts         confine.ProfileOptions
		load         bool
	)
	c := &cobra.Command{
		Use:   "apparmor [flags] [NAME]",
		Short: "Write an AppArmor profile for a container",
		Long: `apparmor writes an AppArmor profile for a container, for hosts that confine
containers with AppArmor (Debian, Ubuntu, SUSE) rather than SELinux.

It reads the same input as generate (docker, podman, crictl or nerdctl
inspect on standard input, -j FILE, or -i ID) and writes NAME, a profile
that lets the container use its own files, write its read-write mounts
and none of its read-only ones, use the devices it was given and no
other, the capabilities it has and no other, and the socket types its
published ports use; with the protections of /proc and /sys every
container needs. Every rule says why it is there. With several containers
in the input and no NAME, it writes one profile per container, named
after it. The profile is written whole or not at all.

With -l, the profile is installed into ` + aaload.DefaultDir + ` (or
--profile-dir DIR) and loaded with apparmor_parser -r -W, after
apparmor_parser has compiled it: a profile the parser or the kernel
refuses leaves the directory as it was. A profile file there that confine
did not write is never replaced.

Exit status:
  0  done, perhaps with warnings
  2  usage error: an unknown flag, a bad NAME, a profile of NAME that is not confine's
  3  the container's description cannot be read, or a path of it cannot be written safely into a profile
  4  the profile cannot be written, or apparmor_parser refused it`,
		Example: `  # Write the profile web, check it, load it, and run the container under it:
  docker inspect web | confine apparmor web
  apparmor_parser -Q -K web
  install -D -m 0644 web /etc/apparmor.d/containers/web
  apparmor_parser -r -W /etc/apparmor.d/containers/web
  docker run --security-opt apparmor=web -p 8080:80 nginx
  # The same, with podman, loaded at once:
  podman inspect web | confine apparmor -l web`,
		Args: positional(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			switch {
			case json != "" && len(ids) > 0:
				return usageError(errors.New("-j and -i cannot be used together"))
			case load && opts.Output != "":
				return usageError(errors.New("-l installs the profile into the profile directory: -o cannot name another file"))
			}
			cs, err := read(s, "confine apparmor NAME", ids, json, engine)
			if err != nil {
				return err
			}
			ps, err := confine.GenerateProfiles(cs.Containers, opts)
			if err != nil {
				return kindError(err)
			}
			for _, p := range ps.Profiles {
				for _, w := range p.Warnings {
					warn(s, w)
				}
			}
			if load {
				_, err = ps.Load(c.Context(), aaload.Options{})
			} else {
				err = ps.Write(s.out)
			}
			if err != nil {
				return kindError(err)
			}
			recipeOut := s.out
			if opts.Output == "-" {
				recipeOut = s.err
			}
			for _, p := range ps.Profiles {
				if err := p.Recipe.Write(recipeOut); err != nil {
					return policyError(err)
				}
			}
			return nil
		},
	}
	fs := c.Flags()
	fs.StringVarP(&json, "json", "j", "", "read inspect JSON from `FILE` (- for standard input)")
	fs.StringSliceVarP(&ids, "container-id", "i", nil, "inspect container `ID` with podman, docker, crictl or nerdctl (repeat, or separate with commas, for several)")
	fs.StringVarP(&engine, "container-engine", "e", "", "read the input as `ENGINE`'s: docker, podman, crio (CRI-O), containerd or oci (default: detect)")
	fs.StringVarP(&opts.Output, "output", "o", "", "write the profile to `FILE` (- for standard output) instead of NAME")
	fs.BoolVar(&opts.Profile.FullNetwork, "full-network-access", false, "allow the container all networking, not only what its published ports use")
	fs.BoolVarP(&load, "load", "l", false, "install the profile into the profile directory and load it with apparmor_parser -r -W")
	fs.StringVar(&opts.Dir, "profile-dir", "", "install profiles into `DIR` (default "+aaload.DefaultDir+")")
	return c
}
