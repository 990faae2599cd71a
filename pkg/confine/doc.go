// Package confine is confine as a library: what the command line does, as
// functions a Go program calls. Read gets containers from an engine's
// inspect output or from the engines themselves; Generate builds their
// modules for a host, named, checked and each with its recipe, writing
// nothing; Modules.Write writes them all or nothing, never through a link
// another user planted. The command line is flags around these calls and
// the printing of what they return.
//
// Errors wrap ErrUsage or ErrInput when they are the caller's or the
// input's; any other is the host's (its policy cannot be read) or a
// failure to write.
package confine
