// Package host answers the questions confine asks about the machine a
// container runs on: which SELinux label a path has, which types a container
// meets below a mount, which type a port has, what kind of node a device is,
// and whether a type, class or permission exists in the policy.
//
// One interface, Facts, carries those questions, so that the rest of confine
// does not care where the answers come from:
//
//   - Open with an empty Root describes this host. A mount's types are those
//     of the files below it, found in a bounded walk: their live labels from
//     the security.selinux attribute when SELinux is enabled, or else (and
//     for a label that cannot be read, with a warning) what file_contexts
//     gives each path for its file type, as restorecon would. Options.Predict
//     adds the types file_contexts predicts for paths not created yet.
//   - Open with Root set describes another host from a copy of its
//     /etc/selinux. It never reads live labels, and a mount's types are
//     predicted from its file_contexts, with a warning: the files under Root
//     are not the files the container will see.
//   - New assembles facts from parts loaded elsewhere, and Fake answers from
//     maps, for tests.
//
// No answer about a single path or port aborts a run: when the best source
// fails, the answer comes from the next one and carries a warning that names
// the path and the reason.
package host
