// Package load installs policy modules into a host's module store as
// semodule does, and proves they landed.
//
// All the modules of one call go in one semodule transaction
// (semodule -i a.cil -i b.cil ...), which libsemanage commits whole or not
// at all: a module that does not compile leaves the store as it was.
// Unlike udica's --load-modules, which ignores what libsemanage returns,
// Install returns semodule's own message when it fails, and after success
// checks that semodule -l lists every module and that the policy built
// from the store declares each container module's domain.
//
// Templates are installed only when the store does not already hold them
// with the same text, so that loading a second module does not rebuild
// what the first one installed. The modules' files are written to a
// private temporary directory, never to a path another user could reach.
//
// Options.Root installs into another policy root (semodule -p), such as a
// copy of a host's /etc/selinux and /var/lib/selinux, which is how the
// tests exercise the whole path without touching this host's store.
package load
