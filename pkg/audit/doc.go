// Package audit reads SELinux denials out of the audit text that
// administrators have at hand, and gives each distinct denied access
// once.
//
// [Parse] takes any mix of:
//
//   - /var/log/audit/audit.log and the raw output of
//     `ausearch -m avc,user_avc`: "type=AVC msg=audit(SECONDS.MS:SERIAL):
//     avc:  denied  { PERMS } for  FIELDS", where a value that holds a
//     space or another special byte is written in hexadecimal, unquoted,
//     and is decoded here, and a quoted value is taken as it is;
//   - the interpreted output of `ausearch -i`, with a date in the stamp,
//     " : " before "avc:" and values printed plain, spaces included;
//   - the kernel's own lines, as journalctl, dmesg or a console show them
//     when no audit daemon takes the records: "kernel: audit: type=1400
//     audit(...): avc:  denied ...", where type 1400 is AVC and 1107 is
//     USER_AVC, and journald's form "audit[PID]: AVC avc:  denied ...";
//   - USER_AVC records, which userspace object managers such as systemd
//     and the D-Bus daemons write, with the denial inside msg='...';
//   - several records pasted on one line, as in bug reports.
//
// A record's SELinux context keeps its MLS/MCS level, which may itself
// hold colons (s0-s0:c0.c1023); its type is the third field.
//
// Why merging: a program that is denied an access usually tries again,
// and every attempt is logged with a new time stamp, serial, pid, inode
// or device, and, once the domain is permissive, with permissive=1. A
// policy needs the access once, and a reader wants to see it once, so
// records that agree on everything a [Denial] keeps are one Denial, with
// [Denial.Count] saying how many they were. Records that differ in their
// permission sets are not merged: whoever writes rules unions them.
//
// What is ignored: lines with no "avc:", the other record types (SYSCALL,
// PATH, PROCTITLE and the rest, even when their text holds "avc:"),
// ausearch's "----" and "time->" lines, the "avc:  received ... notice"
// records of userspace object managers, and the fields that change from
// one attempt to the next. "avc:  granted" records, which auditallow
// rules cause, are counted in [Log.Granted] and are not denials. A line
// that holds "avc:" and is none of these, yet cannot be read as a
// denial (a record cut short, a context with no type, empty braces), is
// listed in [Log.Unreadable] for the caller to warn about; it never makes
// Parse fail.
//
// The interpreted form is ambiguous where a plain value holds a space
// followed by something like "key=": such a value ends before it.
package audit
