// Package ansible writes what installs confine's policy modules on many
// hosts with Ansible, as udica's -d/--ansible does for one: a playbook,
// deploy-module.yml; its variables, variables-deploy-module.yml; and an
// archive, NAME-policy.tar.gz, of the modules and the template files they
// inherit.
//
// The variables file has udica's three variables, in udica's format:
//
//	archive: NAME-policy.tar.gz
//	policy: NAME.cil base_container.cil net_container.cil
//	final_policy: NAME.cil
//
// with no newline after the last line. For several modules, one archive
// and one playbook serve them all: policy lists every module, then every
// template file once, and final_policy lists every module, space
// separated as policy is.
//
// The playbook is confine's own. On each host it installs the SELinux
// tools when semodule or selinuxenabled is missing (policycoreutils and
// libselinux-utils on RedHat's family, policycoreutils and selinux-utils
// on Debian's), unpacks the archive in /var/lib/confine/policy, and, when
// SELinux is enabled, installs every file of policy in one semodule
// transaction, which libsemanage commits whole or not at all. It stops
// first when the store lacks the container module, which every template
// needs, and changes nothing in check mode. Last it lists the store's modules with the same semodule options
// and fails unless every module is listed, with Ansible's own tests: udica's
// playbook compares grep's exit status, a number, with the string "1",
// which Ansible finds unequal, so its check never fails.
//
// Settings of the playbook's own, with -e, choose the hosts, whether to
// become root, whether to install packages, where to unpack, and the
// policy root and store (semodule -p and -s): with a root, the modules go
// into a copy of a host's store, such as the tests' (see the playbook's
// head for each).
//
// The archive is the same bytes for the same input: its files sorted, each
// owned by root (0/0), mode 0644, dated the Unix epoch, and a gzip header
// without a time or a name.
//
// The package writes nothing: Files returns the files, and the caller
// writes them.
package ansible
