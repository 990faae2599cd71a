"""The proof: whether a profile grants a container what it needs and
nothing more. Each check adds one line per failure to a Report, naming
the rule or the path; a Report without failures proves the profile."""

from apparmor.rule.network import network_type_keywords

from container import LINUX_CAPABILITIES
from rules import builds_as, rule_text


class Report:
    def __init__(self):
        self.failures = []
        self.decisions = 0  # accesses, capabilities and sockets decided

    def fail(self, line):
        self.failures.append(line)


def why_not(profile, path, perm):
    denied = profile.rules_for(path, perm, deny=True)
    return ' (denied by %s)' % ', '.join(denied) if denied else ' (no rule allows it)'


def by(profile, path, perm):
    return ' by %s' % ', '.join(profile.rules_for(path, perm, deny=False))


def must_read(profile, report, what, path):
    report.decisions += 1
    if not profile.must(path, 'r'):
        report.fail('%s: reading %s is not allowed%s' % (what, path, why_not(profile, path, 'r')))


def must_not_read(profile, report, what, path):
    report.decisions += 1
    if profile.may(path, 'r'):
        report.fail('%s: reading %s is allowed%s' % (what, path, by(profile, path, 'r')))


def must_write(profile, report, what, path):
    report.decisions += 1
    if not profile.must(path, 'w'):
        report.fail('%s: writing %s is not allowed%s' % (what, path, why_not(profile, path, 'w')))


def must_not_write(profile, report, what, path):
    """Neither writing nor appending: a deny rule must hold against every
    allow rule, for files the task owns too."""
    report.decisions += 1
    if profile.may_write(path):
        perm = 'w' if profile.may(path, 'w') else 'a'
        report.fail('%s: %s %s is allowed%s' % (what, 'writing' if perm == 'w' else 'appending to', path,
                                                 by(profile, path, perm)))


def capabilities(profile, container, report):
    """1. The capabilities allowed (and not denied) are the container's."""
    for rule in profile.capabilities:
        if rule.all_caps and not rule.deny:
            report.fail('rule %s allows every capability' % rule_text(rule))
    universe = LINUX_CAPABILITIES | container.caps | {c for r in profile.capabilities for c in r.capability}
    granted = profile.granted_caps(universe)
    # A capability the parser can only build as another (under abi/3.0,
    # bpf, perfmon and checkpoint_restore become sys_admin) cannot be
    # allowed alone: the profile must leave it out rather than allow more.
    unnameable = profile.unnameable(container.caps)
    for cap in sorted(unnameable):
        report.decisions += 1
        if cap in granted:
            report.fail('capability %s: apparmor_parser builds it as %s, yet a rule allows it' % (
                cap, ', '.join(sorted(builds_as(profile.parser, profile.abi, cap)))))
    needed = container.caps - unnameable
    for cap in sorted(universe - unnameable):
        report.decisions += 1
        named = [rule_text(r) for r in profile.capabilities if not r.deny and cap in r.capability]
        if cap in needed and cap not in granted:
            denied = [rule_text(r) for r in profile.capabilities if r.deny and (r.all_caps or cap in r.capability)]
            report.fail('capability %s: the container has it, but %s' % (
                cap, 'it is denied by ' + ', '.join(denied) if denied else 'no rule allows it'))
        elif cap not in needed and cap in granted and named:
            report.fail('rule %s allows capability %s, which the container does not have' % (named[0], cap))


# Paths all over the tree: a rule that allows writing each of them allows
# writing every path.
EVERYWHERE = ['/aaproof', '/aaproof/some/file', '/etc/aaproof', '/usr/aaproof', '/var/aaproof',
              '/dev/aaproof', '/proc/aaproof', '/sys/aaproof']


def file_rules(profile, container, report):
    """2. No bare `file,` rule; a rule that allows writing everywhere only
    while the read-only mounts' deny rules still hold against it."""
    read_only = [m for m in container.mounts if not m.writable]
    for rule in profile.files.rules:
        if rule.deny:
            continue
        if rule.all_paths:
            report.fail('rule %s allows every access to every file' % rule_text(rule))
            continue
        report.decisions += 1
        if 'w' not in rule.perms or not all(rule.path.match(p) for p in EVERYWHERE):
            continue
        for m in read_only:
            if any(profile.may_write(p) for p in write_probes(m.dest)):
                report.fail('rule %s allows writing every path, and no deny rule keeps read-only mount %s from it'
                            % (rule_text(rule), m.dest))


def write_probes(dest):
    """A mount's destination, as a file and as a directory, and a new file in it."""
    return [dest, dest.rstrip('/') + '/', dest.rstrip('/') + '/new-file']


def read_probes(dest):
    return [dest, dest.rstrip('/') + '/', dest.rstrip('/') + '/some/file']


def holder(container, path):
    """The mount a path is on: the deepest whose destination holds it."""
    on = [m for m in container.mounts if path == m.dest or path.startswith(m.dest.rstrip('/') + '/')]
    return max(on, key=lambda m: len(m.dest), default=None)


def mounts(profile, container, report):
    """3. Every mount readable; writable if and only if it is read-write.

    The inspect output does not say whether a mount is of a file or a
    directory, so both spellings of its destination are asked: AppArmor
    matches a directory's path with a trailing slash.
    """
    for m in container.mounts:
        what = 'mount %s (%s)' % (m.dest, 'read-write' if m.writable else 'read-only')
        for path in read_probes(m.dest):
            if holder(container, path) is m:
                must_read(profile, report, what, path)
        for path in write_probes(m.dest):
            if holder(container, path) is not m:
                continue
            if m.writable:
                must_write(profile, report, what, path)
            else:
                must_not_write(profile, report, what, path)


# Device nodes no container is given unless it asks for them: disks and
# the kernel's memory.
FOREIGN_DEVICES = ['/dev/sda', '/dev/sdb1', '/dev/vda', '/dev/nvme0n1', '/dev/dm-0', '/dev/loop0',
                   '/dev/mem', '/dev/kmem', '/dev/port']


def devices(profile, container, report):
    """4. The container's devices readable, and writable if and only if its
    cgroup permissions say `w`; no other device node writable."""
    own = {d.path for d in container.devices}
    for d in container.devices:
        what = 'device %s (%s)' % (d.path, 'read-write' if d.writable else 'read-only')
        must_read(profile, report, what, d.path)
        if d.writable:
            must_write(profile, report, what, d.path)
        else:
            must_not_write(profile, report, what, d.path)
    for path in FOREIGN_DEVICES:
        if path not in own:
            must_not_write(profile, report, 'device %s, not the container\'s' % path, path)


def protections(profile, container, report):
    """5. What every container profile denies and allows in /proc and /sys,
    and no mount rule that allows."""
    for path in ['/proc/sysrq-trigger', '/proc/sys/kernel/core_pattern', '/proc/kcore',
                 '/sys/kernel/security/x', '/sys/firmware/x', '/sys/power/state']:
        must_not_write(profile, report, 'protected path', path)
    must_not_read(profile, report, 'protected path', '/proc/kcore')
    must_write(profile, report, 'the container\'s own process', '/proc/1/oom_score_adj')
    must_write(profile, report, 'the container\'s cgroup', '/sys/fs/cgroup/x')
    report.decisions += 1
    for rule in profile.mount_allows:
        report.fail('rule `%s` allows what mount rules may only deny' % rule.serialize().strip())


# apparmor_parser reads a protocol as the socket type it runs over, in
# the families it runs in: `network tcp,` is stream sockets of inet and
# inet6 (not of packet or unix), `network icmp,` raw sockets of inet alone.
PROTOCOL_SOCKETS = {'tcp': ('stream', {'inet', 'inet6'}), 'udp': ('dgram', {'inet', 'inet6'}),
                    'icmp': ('raw', {'inet'})}

# The families whose sockets the proof decides: the Internet's, and
# packet sockets (which need net_raw as raw ones do).
SOCKET_FAMILIES = ['inet', 'inet6', 'packet']


def covers(rule, family, kind):
    if not rule.all_domains and rule.domain != family:
        return False
    if rule.all_type_or_protocols:
        return True
    if rule.type_or_protocol in PROTOCOL_SOCKETS:
        socket, families = PROTOCOL_SOCKETS[rule.type_or_protocol]
        return socket == kind and family in families
    return rule.type_or_protocol == kind


def socket_rules(profile, family, kind, deny):
    return [rule_text(r) for r in profile.network if r.deny == deny and covers(r, family, kind)]


def allows_socket(profile, family, kind):
    """A socket is allowed when an allow rule covers it and no deny rule does."""
    return bool(socket_rules(profile, family, kind, False)) and not socket_rules(profile, family, kind, True)


def network(profile, container, report):
    """6. inet and inet6 sockets: stream for a published tcp port, dgram for
    a udp one (SCTP may use stream and seqpacket), raw only with net_raw;
    packet sockets only with net_raw. A container on the host's network
    may have any."""
    if container.host_network:
        return
    ports = container.ports
    needed = {'stream': 'tcp' in ports, 'dgram': 'udp' in ports}
    permitted = {'stream': 'tcp' in ports or 'sctp' in ports, 'dgram': 'udp' in ports,
                 'seqpacket': 'sctp' in ports, 'raw': 'net_raw' in container.caps}
    for family in ['inet', 'inet6']:
        for kind in network_type_keywords:
            report.decisions += 1
            allowed = allows_socket(profile, family, kind)
            if needed.get(kind) and not allowed:
                denied = socket_rules(profile, family, kind, True)
                report.fail('%s %s sockets, which the published %s ports need, are not allowed%s' % (
                    family, kind, 'tcp' if kind == 'stream' else 'udp',
                    ' (denied by %s)' % ', '.join(denied) if denied else ''))
            elif allowed and not permitted.get(kind):
                report.fail('%s %s sockets are allowed by %s, %s' % (
                    family, kind, ', '.join(socket_rules(profile, family, kind, False)),
                    'but the container lacks net_raw' if kind == 'raw' else 'which no published port needs'))
    report.decisions += 1
    packet = [kind for kind in network_type_keywords if allows_socket(profile, 'packet', kind)]
    if packet and 'net_raw' not in container.caps:
        named = dict.fromkeys(r for kind in packet for r in socket_rules(profile, 'packet', kind, False))
        report.fail('packet sockets (%s) are allowed by %s, but the container lacks net_raw'
                    % (' '.join(packet), ', '.join(named)))


def compiled(profile, container, report):
    """7. apparmor_parser builds the capabilities and sockets the rules say.

    It maps a name its ABI lacks onto an older one (under abi/3.0,
    `capability checkpoint_restore,` builds sys_admin), and the protocol
    names onto socket types as covers() does.
    """
    universe = LINUX_CAPABILITIES | profile.built.caps
    granted = profile.granted_caps(universe)
    report.decisions += 1
    for cap in sorted(profile.built.caps - granted):
        report.fail('apparmor_parser builds capability %s, which no capability rule allows by that name' % cap)
    for cap in sorted(granted - profile.built.caps):
        report.fail('apparmor_parser builds no capability %s, which the capability rules allow' % cap)
    for family in SOCKET_FAMILIES:
        for kind in network_type_keywords:
            report.decisions += 1
            built, ours = profile.built.allows_socket(family, kind), allows_socket(profile, family, kind)
            if built != ours:
                report.fail('apparmor_parser %s %s %s sockets, which the network rules %s' % (
                    'builds' if built else 'does not build', family, kind, 'do not allow' if built else 'allow'))


CHECKS = [capabilities, file_rules, mounts, devices, protections, network, compiled]


def prove(profile, container):
    report = Report()
    for check in CHECKS:
        check(profile, container, report)
    return report
