// Package seltest compiles and queries SELinux policies in tests, with the
// real tools: secilc builds binary policies from CIL, sesearch lists their
// rules.
//
// Two bases are offered. Mini is a small hand-written policy that
// compiles in a few tens of milliseconds, for every test that only needs
// names to resolve. Refpolicy is Debian's real reference policy (every
// module of the installed store), plus refpolicy's container module built
// from selinux-policy-src, plus confine's refpolicy-flavour templates: a
// full compile takes seconds, so the base is assembled once and cached
// across test runs.
//
// What a module grants is proved by difference: compile once with the
// module and once with a baseline, list the rules whose source is the
// module's domain (Allowed), and compare (Delta). Single sesearch hits
// mislead, because rules from attributes and the base policy merge in.
// Template bodies sit in optional blocks that secilc drops silently when
// a name does not resolve, so DisabledOptionals counts the drops.
// Violations tells which allow statements break a neverallow rule, which a
// binary policy no longer holds, so only a compile can tell.
//
// Every function that needs a tool or a file from the system goes through
// testutil: the test is skipped when it is missing, and fails instead
// under CONFINE_REQUIRE_TOOLS=1.
package seltest
