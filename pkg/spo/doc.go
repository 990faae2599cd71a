// Package spo turns confine's models into resources of the Kubernetes
// Security Profiles Operator (SPO, security-profiles-operator.x-k8s.io):
// a SelinuxProfile from a policy.Module, an AppArmorProfile from an
// apparmor.Profile, and the pod securityContext that uses them. Every
// resource is a typed Go value marshalled with sigs.k8s.io/yaml, so the
// same module gives the same bytes, and several join into one YAML
// stream for kubectl apply -f.
//
// # SelinuxProfile
//
// SPO's daemon turns a SelinuxProfile into a CIL block of the profile's
// name that inherits container and the other system profiles it names,
// with one (allow process TYPE (CLASS (PERMS))) per entry of spec.allow,
// @self standing for the profile's own NAME.process. That is the shape of
// confine's own module (package policy), so the translation is exact: the
// allow map holds every rule of every Group, the module's process target
// written @self, and each template block but container becomes a System
// inherit of the same name. SPO ships udica's templates (container-selinux's
// /usr/share/udica/templates) in its selinuxd image, which define the
// blocks confine's Fedora-flavour modules inherit. Pods use the profile as
// seLinuxOptions.type NAME.process.
//
// SPO refuses some profiles by default, and SelinuxProfile reports each
// such rule, keeping it with a warning that prints the SPOD setting that
// lets it through, or leaving it out (Options.Denied):
//
//   - its translator refuses the types kernel_t, kmem_t, security_t and
//     shadow_t, the classes capability, capability2, security and system,
//     and the permissions load_policy, mac_admin, mounton, relabelfrom,
//     relabelto, setbool, setenforce and setsecparam; the SPOD lifts them
//     with spec.selinux.options.allowedTypes, allowedClasses and
//     allowedPermissions. Nearly every container has capabilities, so
//     nearly every module meets the capability class.
//   - its daemon accepts a System inherit only if the SPOD's
//     spec.selinux.options.allowedSystemProfiles lists it, which holds
//     only container by default.
//
// Needs gathers what a set of profiles needs of the SPOD, and Advice
// turns it into one kubectl merge patch for them all: a merge patch
// replaces each list whole, so a patch per profile would undo the one
// before it.
//
// # AppArmorProfile
//
// SPO's AppArmorProfile has no field for a profile's text: it holds an
// abstract (allowed executables and libraries, read-only, write-only and
// read-write paths, tcp, udp and raw sockets, capabilities, ptrace) that
// the daemon renders into a profile of its own, which also denies writes
// to /proc outside a process's own entries and the kernel's memory files.
// AppArmorProfile maps each rule of confine's profile onto that abstract,
// as closely as it allows; what it cannot say is widened or left out, and
// every such rule is a warning that names the resource:
//
//   - SPO's paths take no alternation and no character class: an
//     alternation is written out (a glob that starts a name inside one,
//     which may match nothing there, once with and once without it), and
//     a class becomes *. The rule for the container's own files (all but
//     /dev, /proc and /sys, said with classes of the first name) becomes
//     every path, so every device node and all of /sys become readable
//     and writable in SPO's profile but for what its own rules deny.
//   - each list allows a fixed set of permissions (rwlk, mr, ixr):
//     what a rule gains from its list is said. A rule whose paths a
//     wider one covers in the same list is left to that one, which says
//     it all.
//   - denied writes become readOnlyPaths (PATH r, deny PATH wlk, never
//     audited), and paths denied outright readOnlyPaths and
//     writeOnlyPaths together, which deny r, w, l and k but not x.
//   - sockets: tcp and udp are of inet and inet6 both; allowRaw is raw
//     sockets of every family; there is no rule for unix sockets, sctp
//     or the families of netlink and the rest, which abstractions/base
//     allows some of.
//   - signals: abstractions/base lets unconfined processes signal the
//     profile's and those signal each other, and nothing more; ptrace
//     is one rule, whose peer the profile itself is written
//     @{profile_name}.
//   - with sys_rawio SPO's daemon allows mount, remount and umount.
//
// The profile is installed under its metadata.name, which pods name as
// appArmorProfile.localhostProfile; SPO refuses to replace a profile the
// node already has that it did not install, such as one confine apparmor
// -l loaded.
//
// # What was checked in SPO's source
//
// Read in kubernetes-sigs/security-profiles-operator (the stored copy of
// its main branch, 2026):
//
//   - api/selinuxprofile/v1/selinuxprofile_types.go and common.go:
//     SelinuxProfile is cluster-scoped, served as v1 (the storage version)
//     and v1alpha2; spec.inherit is a list of {kind, name} with kind System
//     or SelinuxProfile, defaulting to [{System, container}]; spec.mode is
//     Enforcing or Permissive; spec.allow maps a type (or @self) to classes
//     to permissions; GetPolicyUsage is NAME + ".process", which pods put in
//     seLinuxOptions.type.
//   - internal/pkg/translator/obj2cil.go: the built-in denylists above, and
//     that container is always inherited first.
//   - internal/pkg/daemon/selinuxprofile/selinuxprofile.go: the key
//     patterns ^([a-zA-Z0-9.\-_]+|@self)$ for types and ^[a-zA-Z0-9.\-_]+$
//     for classes and permissions; a System inherit is checked against
//     spec.selinux.options.allowedSystemProfiles of the SPOD, and the
//     translator's denylists are adjusted by its allowedTypes,
//     allowedClasses and allowedPermissions.
//   - api/spod/v1/spod_types.go: those settings live in the
//     SecurityProfilesOperatorDaemon (namespaced, named spod, in the
//     security-profiles-operator namespace by default) under
//     spec.selinux.options; the older v1alpha1 SPOD spells the first
//     spec.selinuxOptions.allowedSystemProfiles and has no denylist
//     settings (nor does the translator of those releases deny anything).
//     SPO's own end-to-end tests patch it with kubectl patch spod spod
//     --type=merge.
//   - api/apparmorprofile/v1/apparmorprofile_types.go and
//     v1alpha1/conversion.go: AppArmorProfile is cluster-scoped, served as
//     v1 (storage, the conversion hub) and v1alpha1, with spec.abstract,
//     spec.mode (Enforce, the default, or Complain) and spec.state, and no
//     raw policy field in either version; its lists are sets, its paths
//     match the pattern aaPath holds, its capabilities are the 41 of
//     Linux 5.9 by name, its ptrace accesses read, readby, trace and
//     tracedby, one to four of them, and its peer matches aaPeer.
//   - internal/pkg/daemon/apparmorprofile/crd2armor/crd2armor.go: the
//     profile is NAME with flags (enforce or complain,
//     attach_disconnected, mediate_deleted), tunables/global,
//     abstractions/base and no abi; executables PATH ixr, libraries PATH
//     mr, readOnlyPaths PATH r and deny PATH wlk, writeOnlyPaths PATH wlk
//     and deny PATH r, readWritePaths PATH rwlk (quoted when a path holds
//     a space), one ptrace (ACCESS) peer=PEER rule, allowRaw as network
//     raw or deny network raw, allowTcp and allowUdp as network tcp and
//     network udp, a rule per capability; with sys_rawio also /sbin/fsck
//     and /sbin/fsck.ext4 ixr and the mount, remount and umount rules;
//     then denials of writes to /proc's own files, below its entries but
//     a process's and sys, to /proc/sys but kernel and to /proc/sys/kernel
//     but shm*, and of every access but m to /proc's sysrq-trigger, mem,
//     kmem and kcore and to /sys's EFI variables. In complain mode it
//     writes no deny rule at all. It refuses a path outside the pattern,
//     and a program or library path with /.. in it.
//   - apparmor_supported.go: the profile is loaded as NAME, never over a
//     profile the node has whose file SPO did not write, nor as a
//     container runtime's own (docker-default, crio-default,
//     cri-containerd.apparmor.d, containers-default-*, crio-default-*).
//
// internal/spoproof renders resources the same way for the tests, which
// compile the result with apparmor_parser and prove it with aaproof.
//
// Nothing here imports SPO: the resources are this package's own types.
package spo
