// Package cil writes SELinux Common Intermediate Language: a small model of
// the statements confine emits (block, blockinherit, allow, comments), a
// deterministic writer, and validation of every name before it is written.
//
// Names reach a policy from untrusted places: a container's name, a type
// read from a file's label, a domain given on the command line. A name that
// carried a parenthesis or a newline could add statements of its own to the
// module, so Format refuses anything outside CIL's identifier syntax instead
// of escaping it; comments, which may hold any host path, are escaped so
// that they always stay on their own line.
//
// The package does no I/O and depends only on the standard library.
package cil
