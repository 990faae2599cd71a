// Package aaproof proves AppArmor profiles in tests, with AppArmor's own
// tools and nothing of confine's: given a profile file and the engine's
// inspect output for the container, it decides whether the profile grants
// what the container needs and nothing more.
//
// The proof is a Python script, embedded here and run with
// /usr/bin/python3 and Debian's python3-apparmor. apparmor_parser
// compiles the profile, expands its includes (-p), prints the
// capabilities and sockets it built (-d) and the regular expression each
// path pattern became (-D rule-exprs); python3-apparmor's profile parser
// and rule classes read the expanded text, with the tunables' variables
// replaced as the parser replaces them. The script reads the inspect
// output with Python's json alone.
//
// Its checks, one line per failure, naming the rule or the path:
//
//  1. the capabilities allowed and not denied are exactly the
//     container's (docker's defaults with CapAdd and less CapDrop;
//     podman's EffectiveCaps; a privileged container's as it would run
//     without --privileged), less those the parser can only build as
//     another capability (asked of the parser with a probe profile:
//     under abi/3.0 bpf, perfmon and checkpoint_restore become
//     sys_admin), which must not be allowed at all; and no bare
//     `capability,` rule;
//  2. no bare `file,` rule, and a rule that allows writing every path
//     only while the read-only mounts' deny rules hold against it;
//  3. every mount readable, and writable if and only if it is
//     read-write (a tmpfs unless mounted ro); its destination is asked
//     as a file, as a directory and with a file below it, since the
//     inspect output does not say which it is;
//  4. the container's devices readable, writable if and only if their
//     cgroup permissions hold `w` (podman's empty ones mean rw), and no
//     disk or memory node that is not the container's writable;
//  5. /proc/sysrq-trigger, /proc/sys/kernel/core_pattern, /proc/kcore and
//     /sys's firmware, security and power files not writable, /proc/kcore
//     not readable, /proc/1/oom_score_adj and /sys/fs/cgroup writable,
//     and mount, umount and pivot_root rules only deny;
//  6. unless the container is on the host's network: inet and inet6
//     stream sockets if and only if a tcp port is published (an sctp
//     one permits stream and seqpacket), dgram if and only if a udp one
//     is, raw and packet sockets only with net_raw;
//  7. what apparmor_parser built agrees with what the rules say (under
//     abi/3.0 the parser builds `capability checkpoint_restore,` as
//     sys_admin).
//
// A deny rule wins over every allow rule, `w` holds append, and an owner
// rule counts for what a task may do to some file but not for what it
// may do to every file. Paths match as apparmor_parser compiles the
// patterns, not as python3-apparmor's AARE would: the two differ on
// `/dir{,/**}`, which matches /dir/ in the kernel. A profile the parser
// refuses, or one the proof cannot read (hats, child profiles, alias
// rules, several capability rules on a line), fails with one line that
// says so.
//
// Prove and Check find python3 and apparmor_parser through testutil: the
// test is skipped when one is missing, and fails instead under
// CONFINE_REQUIRE_TOOLS=1.
package aaproof
