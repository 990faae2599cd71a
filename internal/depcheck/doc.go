// Package depcheck holds the test that enforces confine's import rules:
// data flows one way, from the packages that read (inspect, host facts) to
// those that build (policy, cil) and up to the library and the command
// line; the readers and the writer of policies use the standard library
// only; the command line runs no program and writes no file itself.
package depcheck
