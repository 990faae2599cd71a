// Package check compiles policy modules against a host's policy before
// anything is installed, and says what would go wrong, at the module's
// own line.
//
// Run compiles, with secilc, every enabled module of the host's policy
// store (each at its highest priority, as libsemanage builds the
// policy), the templates the modules inherit and the modules themselves,
// into a scratch directory; the store is only read. It reports:
//
//   - a name the policy lacks: a type, an attribute, a class, or a
//     permission in a class that has no such permission (syslog is in
//     capability2, not capability);
//   - a rule the policy forbids, with the neverallow that forbids it;
//   - a template whose body is dropped: its rules sit in an optional
//     block, which the compiler silently disables when a name in it is
//     missing, so the module loads but the container lacks what the
//     template grants. The problem points at the module's blockinherit.
//
// secilc stops at a module's first unresolved statement, so Run reports
// one such problem per module, and compiles the others again without it,
// so that each module is judged on its own.
package check
