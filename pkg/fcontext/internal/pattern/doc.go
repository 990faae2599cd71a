// Package pattern reads the path patterns of file_contexts entries: it is
// the one reader of their syntax that pkg/fcontext has.
//
// [Parse] reads a pattern as libselinux has PCRE2 compile it: "^" +
// pattern + "$", with PCRE2_DOTALL and without PCRE2_UTF, so that it
// matches byte by byte. It gives a flat sequence of [Piece]s: literal
// text, sets of bytes, assertions, and groups of alternatives, sets and
// groups with how many times they repeat. Whatever depends on context in
// PCRE2's syntax is settled on the way: every character, class and escape
// becomes literal text or an explicit set of bytes, case folding included
// (on ASCII letters only, as PCRE2's default tables fold), option settings
// and comments leave only an Empty piece, and a lazy quantifier is a
// greedy one, since only whether a path matches counts.
//
// Parse takes the part of PCRE2's syntax that an automaton over bytes can
// match exactly. For the rest, such as a back reference or a lookaround,
// its [Error] says the pattern is unsupported rather than invalid.
//
// From the pieces, pkg/fcontext writes the pattern in Go's syntax, reads
// its literal prefix and shape, and tries it cheaply against a path. Two
// rules of libselinux read the text itself, not its PCRE2 meaning, and are
// here too: [Stem] and [HasMeta].
package pattern
