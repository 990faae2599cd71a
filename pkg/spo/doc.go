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
// read-write paths, tcp, udp and raw networking, capabilities, ptrace)
// that the daemon renders into a profile of its own, which also denies
// writes to /proc outside a process's own entries and the kernel's memory
// files. AppArmorProfile maps each rule of confine's profile onto that
// abstract, as closely as it allows; what it cannot say is widened or left
// out, and every such rule is a warning. The largest loss: SPO's paths take
// no character class, so the rule for the container's own files (all but
// /dev, /proc and /sys) becomes every path. The profile is installed under
// its metadata.name, which pods name as appArmorProfile.localhostProfile;
// SPO refuses to replace a profile the node already has that it did not
// install, such as one confine apparmor -l loaded.
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
//     v1 (storage, the conversion hub) and v1alpha1, with spec.abstract and
//     spec.mode (Enforce or Complain) and no raw policy field in either
//     version; internal/pkg/daemon/apparmorprofile/crd2armor/crd2armor.go
//     renders the abstract (readOnlyPaths as PATH r plus deny PATH wlk,
//     writeOnlyPaths as PATH wlk plus deny PATH r, readWritePaths as PATH
//     rwlk, executables ixr, libraries mr, network tcp/udp/raw, ptrace
//     (ACCESS) peer=PEER) and its path pattern, which allows * ? and @{var}
//     but no braces, brackets or commas; apparmor_supported.go loads it as
//     profile NAME and refuses the runtimes' own profile names.
//
// Nothing here imports SPO: the resources are this package's own types.
package spo
