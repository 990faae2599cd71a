// Package confine is confine as a library: what the command line does, as
// functions a Go program calls. Read gets containers from an engine's
// inspect output or from the engines themselves; Generate builds their
// modules for a host, named, checked and each with its recipe, writing
// nothing (with Options.Denials from ReadDenials, it adds the rules the
// containers' denials ask for, as -a does); Modules.Write writes them all
// or nothing, never through a link another user planted; Modules.Load
// installs them with their templates in one checked semodule transaction.
// Check compiles module files against a host's policy store before they
// are installed; CompareDenials says which of a container's denials its
// module lacks. The command line is flags around these calls and the
// printing of what they return.
//
// Errors wrap ErrUsage or ErrInput when they are the caller's or the
// input's; any other is the host's (its policy cannot be read, a module
// cannot be installed) or a failure to write.
package confine
