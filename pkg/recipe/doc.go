// Package recipe says what a user runs after confine writes a module: the
// commands that install it with the template files it inherits, and the
// options that start the container in its domain. A Recipe is data; Write
// prints it as udica prints its own, line for line, so that scripts which
// read udica's output keep working.
//
// A recipe works when followed literally. On a Fedora or RHEL host,
// container-selinux has installed the templates, and the recipe is
// udica's. On a host with the reference policy (Debian, Ubuntu), the
// recipe first writes confine's templates where it names them, when they
// are not there yet, and on Debian loads templates.DebianEngines with them;
// and when the policy lacks refpolicy's container
// module, which Debian ships as source but does not build, the recipe is
// instead the steps that build and install it from the distribution's own
// policy source, after which the module is to be generated again: a module
// made without it names the types the host has without it.
package recipe
