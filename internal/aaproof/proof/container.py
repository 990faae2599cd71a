"""What a container needs, read from its engine's inspect output with
nothing but json: its capabilities, mounts, devices, published ports and
network mode."""

import json
from dataclasses import dataclass

# Linux's capabilities, 0 (chown) to 40 (checkpoint_restore): what an
# engine's ALL stands for.
LINUX_CAPABILITIES = frozenset('''
    chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap
    linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock
    ipc_owner sys_module sys_rawio sys_chroot sys_ptrace sys_pacct sys_admin
    sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease
    audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm
    block_suspend audit_read perfmon bpf checkpoint_restore'''.split())

# The capabilities each engine gives a container that adds and drops none.
DEFAULT_CAPABILITIES = {
    'docker': frozenset('''audit_write chown dac_override fowner fsetid kill mknod
        net_bind_service net_raw setfcap setgid setpcap setuid sys_chroot'''.split()),
    'podman': frozenset('''chown dac_override fowner fsetid kill net_bind_service
        setfcap setgid setpcap setuid sys_chroot'''.split()),
}


class InputError(Exception):
    """The inspect output is not what the proof can read."""


@dataclass
class Mount:
    dest: str
    writable: bool


@dataclass
class Device:
    path: str
    writable: bool


@dataclass
class Container:
    caps: set
    mounts: list
    devices: list
    ports: set  # the protocols of the published ports: tcp, udp, sctp
    host_network: bool


def cap_name(name):
    name = name.lower()
    return name[4:] if name.startswith('cap_') else name


def capabilities(defaults, add, drop):
    """The engine's rule for --cap-add and --cap-drop: ALL added is every
    capability but those dropped; ALL dropped is those added alone;
    otherwise the defaults, less those dropped, with those added."""
    if 'all' in add:
        return set(LINUX_CAPABILITIES) - drop
    if 'all' in drop:
        return set(add)
    return (set(defaults) - drop) | add


def read(text, index):
    """The container at index of the inspect output text (a JSON array)."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise InputError('the inspect output is not JSON: %s' % e)
    if not isinstance(doc, list) or not 0 <= index < len(doc):
        raise InputError('the inspect output holds no container %d' % index)
    c = doc[index]
    host = c.get('HostConfig') or {}

    # Podman's output says which capabilities the container has; docker's
    # (20.10) only what was added and dropped.
    engine = 'podman' if 'EffectiveCaps' in c else 'docker'
    add = {cap_name(n) for n in host.get('CapAdd') or []}
    drop = {cap_name(n) for n in host.get('CapDrop') or []}
    if engine == 'podman' and not host.get('Privileged'):
        caps = {cap_name(n) for n in c.get('EffectiveCaps') or []}
    else:
        # A privileged container's profile is for it run without
        # --privileged, which it needs for a profile to apply.
        caps = capabilities(DEFAULT_CAPABILITIES[engine], add, drop)

    mounts = {}
    for m in c.get('Mounts') or []:
        dest = m['Destination'].rstrip('/') or '/'
        mounts[dest] = Mount(dest, bool(m.get('RW')))
    # docker lists --tmpfs mounts here only, with their options; podman
    # lists them among the Mounts, of Type tmpfs.
    for dest, options in (host.get('Tmpfs') or {}).items():
        dest = dest.rstrip('/') or '/'
        mounts.setdefault(dest, Mount(dest, 'ro' not in options.split(',')))

    devices = []
    for d in host.get('Devices') or []:
        # Podman leaves the permissions empty for a device it gives whole.
        perms = d.get('CgroupPermissions') or 'rwm'
        devices.append(Device(d.get('PathInContainer') or d['PathOnHost'], 'w' in perms))

    ports = {key.partition('/')[2] or 'tcp' for key in host.get('PortBindings') or {}}

    return Container(caps=caps, mounts=sorted(mounts.values(), key=lambda m: m.dest), devices=devices,
                     ports=ports, host_network=host.get('NetworkMode') == 'host')
