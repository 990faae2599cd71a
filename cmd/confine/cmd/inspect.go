package cmd

import (
	"bytes"
	"encoding/json"

	"github.com/spf13/cobra"
)

func newInspect(s *streams) *cobra.Command {
	var file, engine string
	c := &cobra.Command{
		Use:   "inspect [-j FILE|-] [--engine ENGINE]",
		Short: "Print what confine understood of a container engine's inspect output",
		Long: `inspect reads the output of docker inspect, podman inspect, crictl inspect
or nerdctl inspect --mode=native, or an OCI runtime config.json, and prints
what confine understood of every container in it, as a JSON array: name,
id, engine, mounts, published ports, effective capabilities, devices,
privileged, network mode, SELinux label options, read-only root file system,
process and mount labels.

It reads standard input unless -j names a file. The engine is told from
the input's shape; --engine docker, podman, crio (or CRI-O), containerd or
oci says which it is instead.

` + exitStatusHelp,
		Example: `  docker inspect web | confine inspect
  confine inspect -j web.json --engine podman
  # A container of a Kubernetes node (CRI-O or containerd)
  crictl inspect 3f2a9c | confine inspect`,
		Args: positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			cs, err := read(s, "confine inspect", nil, file, engine)
			if err != nil {
				return err
			}
			containers := cs.Containers
			// Encoded whole before anything is written, so that output is
			// all or nothing.
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(containers); err != nil {
				return err
			}
			_, err = out.WriteTo(s.out)
			return err
		},
	}
	c.Flags().StringVarP(&file, "json", "j", "", "read the inspect output from `FILE` (- for standard input)")
	c.Flags().StringVarP(&engine, "engine", "e", "", "read the input as `ENGINE`'s: docker, podman, crio, containerd or oci")
	return c
}
