package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/confine-policy/confine/pkg/aaload"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/spo"
)

func newAppArmor(s *streams) *cobra.Command {
	var (
		json, engine, format string
		ids                  []string
		opts                 confine.ProfileOptions
		load                 bool
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

With --format apparmorprofile, it writes the profiles as the Kubernetes
Security Profiles Operator's AppArmorProfile resources instead, in one
YAML stream for kubectl apply -f: NAME.yaml for one container,
apparmorprofiles.yaml for several (or -o FILE), and the securityContext
each container's pod runs with. SPO renders a profile of its own from a
resource, which cannot say all a profile does: each rule it widens or
leaves out is a warning, the largest that the rule for the container's
own files becomes every path, /dev and /sys among them.

Exit status:
  0  done, perhaps with warnings
  2  usage error: an unknown flag, a bad NAME, a profile of NAME that is not confine's, --format apparmorprofile with -l or --profile-dir
  3  the container's description cannot be read, or a path of it cannot be written safely into a profile or an AppArmorProfile
  4  the profile cannot be written, or apparmor_parser refused it`,
		Example: `  # Write the profile web, check it, load it, and run the container under it:
  docker inspect web | confine apparmor web
  apparmor_parser -Q -K web
  install -D -m 0644 web /etc/apparmor.d/containers/web
  apparmor_parser -r -W /etc/apparmor.d/containers/web
  docker run --security-opt apparmor=web -p 8080:80 nginx
  # The same, with podman, loaded at once:
  podman inspect web | confine apparmor -l web
  # For Kubernetes: web.yaml, an AppArmorProfile for the Security
  # Profiles Operator to install on every node
  docker inspect web | confine apparmor --format apparmorprofile web
  kubectl apply -f web.yaml`,
		Args: positional(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			switch {
			case json != "" && len(ids) > 0:
				return usageError(errors.New("-j and -i cannot be used together"))
			case format != "profile" && format != "apparmorprofile":
				return usageError(fmt.Errorf("--format %q: the formats are profile and apparmorprofile", format))
			case format == "apparmorprofile" && (load || opts.Dir != ""):
				return usageError(errors.New("--format apparmorprofile writes resources for the operator to install: it cannot be used with -l or --profile-dir"))
			case load && opts.Output != "":
				return usageError(errors.New("-l installs the profile into the profile directory: -o cannot name another file"))
			}
			cs, err := read(s, "confine apparmor NAME", ids, json, engine)
			if err != nil {
				return err
			}
			output := opts.Output
			if format == "apparmorprofile" {
				// One stream holds them all, written by
				// writeAppArmorProfiles.
				opts.Output = ""
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
			if format == "apparmorprofile" {
				return writeAppArmorProfiles(s, output, ps)
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
	fs.StringVar(&format, "format", "profile", "write the profiles as `FORMAT`: profile, or apparmorprofile (the Security Profiles Operator's AppArmorProfile resources, one YAML stream)")
	return c
}

// writeAppArmorProfiles writes the profiles as one YAML stream of SPO
// AppArmorProfiles, NAME.yaml for one container and apparmorprofiles.yaml
// for several (or output, - for standard output), and says how to use
// them.
func writeAppArmorProfiles(s *streams, output string, ps *confine.Profiles) error {
	stream, warnings, err := ps.AppArmorProfiles(spo.AppArmorOptions{})
	if err != nil {
		return kindError(err)
	}
	for _, w := range warnings {
		warn(s, w)
	}
	file := "apparmorprofiles.yaml"
	if len(ps.Profiles) == 1 {
		file = ps.Profiles[0].Name + ".yaml"
	}
	uses := make([]string, 0, len(ps.Profiles))
	for _, p := range ps.Profiles {
		uses = append(uses, fmt.Sprintf("and run the pod of %s with: securityContext.appArmorProfile: {type: Localhost, localhostProfile: %s}", p.Container, p.Name))
	}
	return writeResources(s, "AppArmorProfile", stream, output, file, uses)
}
