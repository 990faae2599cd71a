// Package secontext holds the SELinux security context, the one value
// that file_contexts, the binary policy and audit records all name files
// and processes by.
package secontext
