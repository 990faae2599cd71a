// Package inspect reads what container engines say about a container and
// turns it into one engine-neutral model, Container: its mounts, published
// ports, effective capabilities, devices, network mode and SELinux options.
// That model is all the policy generator looks at.
//
// Parse reads any of these, and tells them apart by the keys they hold,
// never by the environment:
//
//   - docker inspect (a JSON array; Docker 20.10 to 28);
//   - podman inspect (podman 4 and 5);
//   - crictl inspect, against CRI-O or against containerd's CRI plugin (one
//     object with status and info, an array of them, or several objects
//     one after another, as older crictl printed for several ids);
//   - nerdctl inspect --mode=native (containerd's own container record, with
//     the OCI runtime spec under Spec);
//   - a bare OCI runtime config.json.
//
// Only the fields confine uses are decoded, into narrow structs of this
// package, so that fields it does not read (podman 5 changed the types of
// Config.Entrypoint and Config.StopSignal, for instance) cannot break
// parsing. The parts of OCI runtime specs that confine reads are decoded
// with the runtime-spec's own types (specs.Process, specs.Mount,
// specs.LinuxDevice...); the rest, such as a seccomp profile, is skipped.
//
// What each engine can tell differs, and the model says what it was told:
//
//   - Capabilities are the effective set. Podman reports it (EffectiveCaps);
//     for Docker it is computed as dockerd does, from Docker's default set,
//     HostConfig.CapAdd and HostConfig.CapDrop; the others carry it in the
//     runtime spec. A privileged container has every capability.
//   - Published ports come from docker and podman (both HostConfig.PortBindings
//     and NetworkSettings.Ports, since docker fills the latter only once the
//     container runs) and from nerdctl's nerdctl/ports label. Kubernetes
//     publishes ports at the pod, not the container, so crictl input has none;
//     neither has a bare runtime spec.
//   - Devices in a runtime spec name only the path inside the container.
//     Engines create the node at the path the user gave, which is the host
//     path unless the user mapped it elsewhere, so that path is reported as
//     both. Their permissions are read from the spec's device cgroup rules.
//   - Relabel options (z, Z) are known to docker and podman; crictl reports a
//     requested relabel, which CRI-O and containerd perform as Z. A runtime
//     spec keeps only the label that resulted, so it has none.
//   - Mounts are host paths, named volumes and tmpfs. Mounts of anything
//     else (an image, a named pipe, the kernel's proc or sysfs) give no host
//     file to label, and are left out.
//   - A runtime spec has no privileged flag and no container name; from a bare
//     config.json Privileged is false and Name and ID are empty.
//
// Bad input gives an error that says which container and which field, by
// its path in the input, and what was wrong, such as
//
//	container 2 ("web"): HostConfig.CapAdd: want array of strings, got string
//
// The errors wrap the package's Err variables, for errors.Is. The package does no
// I/O beyond reading the given reader.
package inspect
