// Package fcontext answers "which SELinux context does this path get?" from
// a policy's file_contexts files, exactly as libselinux's selabel_lookup
// does, in pure Go and without privileges.
//
// [Load] reads a policy's contexts/files directory: file_contexts, then
// file_contexts.homedirs and file_contexts.local, whose entries count as
// later, and the path aliases in file_contexts.subs and
// file_contexts.subs_dist. [Open] reads one file_contexts-format file on its
// own. Lines that libselinux would refuse, or whose pattern Go cannot
// evaluate, become [Warning]s; they never make the whole file fail.
//
// [Contexts.Lookup] follows libselinux 3.4 step by step:
//
//  1. runs of slashes are squeezed to one, and one trailing slash removed;
//  2. the first matching alias of file_contexts.subs is applied, then the
//     first of file_contexts.subs_dist to the result; the later of two
//     lines in a subs file is tried first;
//  3. entries are tried from last to first, where every entry whose
//     pattern has no regex metacharacter counts as after every entry whose
//     pattern has one, and the first (so the last) that matches wins;
//  4. an entry is tried only when its file type field, if any, is the
//     looked-up type, and when its stem (the pattern's first path
//     component, if free of metacharacters) is the path's first component;
//  5. the pattern matches when the PCRE2 expression "^PATTERN$", compiled
//     with PCRE2_DOTALL, matches the path as a byte string: so a pattern
//     with a top-level "|" is anchored on one side only, and "$" also holds
//     before a final newline.
//
// Patterns are translated from PCRE2 into an equivalent Go expression,
// byte for byte; a feature Go's regexp has no exact equivalent for, such as
// a back reference, a lookaround or a possessive quantifier, gives a
// warning, and a lookup that reaches such an entry fails with an error
// naming it rather than guessing. Entries are indexed by stem and by their
// literal prefix, and compiled on first use, so loading a policy and
// looking up a path stay in the low milliseconds.
//
// [Contexts.Under] lists the entries that can match some path strictly
// below a directory, decided from each compiled pattern rather than from
// its text: the labels a container meets on a bind mount.
package fcontext
