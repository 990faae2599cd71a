package inspect

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// maxPorts bounds the ports one container may publish once ranges are
// expanded: as many as there are port numbers. A larger count is not a real
// container, and expanding it would only use memory.
const maxPorts = 1 << 16

// portList collects a container's published ports.
type portList struct {
	ports []Port
}

// add publishes the container ports first..last (one port when equal) under
// protocol on the host ports hostFirst..hostLast of hostIP. Equal-length
// ranges pair port by port; one container port published on a host range
// may be bound to any port of it, so it gets one Port per host port; a host
// port of 0 means the engine picks one.
func (l *portList) add(field string, first, last uint16, protocol string, hostFirst, hostLast uint16, hostIP string) error {
	count := int(last) - int(first) + 1
	hostCount := int(hostLast) - int(hostFirst) + 1
	switch {
	case hostFirst == 0 && hostLast == 0:
		hostCount = 0
	case count == 1:
	case hostCount != count:
		return badValue(field, "%d container ports published on %d host ports", count, hostCount)
	}
	if len(l.ports)+max(count, hostCount) > maxPorts {
		return badValue(field, "more than %d published ports", maxPorts)
	}
	hostIP = normalizeHostIP(hostIP)
	switch {
	case count == 1 && hostCount > 1:
		for i := range hostCount {
			l.ports = append(l.ports, Port{first, protocol, hostFirst + uint16(i), hostIP})
		}
	default:
		for i := range count {
			host := uint16(0)
			if hostCount > 0 {
				host = hostFirst + uint16(i)
			}
			l.ports = append(l.ports, Port{first + uint16(i), protocol, host, hostIP})
		}
	}
	return nil
}

// sorted returns the ports sorted by container port, protocol, host IP and
// host port, without duplicates, and without a port the engine was to pick
// when the port it picked is known too.
func (l *portList) sorted() []Port {
	ports := l.ports
	slices.SortFunc(ports, func(a, b Port) int {
		return cmp.Or(
			cmp.Compare(a.ContainerPort, b.ContainerPort),
			strings.Compare(a.Protocol, b.Protocol),
			strings.Compare(a.HostIP, b.HostIP),
			cmp.Compare(a.HostPort, b.HostPort),
		)
	})
	ports = slices.Compact(ports)
	kept := ports[:0]
	for i, p := range ports {
		// A host port of 0 sorts first among the bindings of its container
		// port, protocol and host IP, so any picked port follows it.
		if p.HostPort == 0 && i+1 < len(ports) {
			next := ports[i+1]
			if next.ContainerPort == p.ContainerPort && next.Protocol == p.Protocol && next.HostIP == p.HostIP {
				continue
			}
		}
		kept = append(kept, p)
	}
	return kept
}

// parsePortKey reads a docker or podman port key: "80/tcp", "80" (tcp) or
// a range, "8000-8003/udp".
func parsePortKey(field, key string) (first, last uint16, protocol string, err error) {
	ports, protocol, found := strings.Cut(key, "/")
	if !found {
		protocol = "tcp"
	}
	field = fmt.Sprintf("%s[%q]", field, key)
	protocol, err = parseProtocol(field, protocol)
	if err != nil {
		return 0, 0, "", err
	}
	first, last, err = parsePortRange(field, ports)
	if err != nil {
		return 0, 0, "", err
	}
	if first == 0 {
		return 0, 0, "", badValue(field, "no container port")
	}
	return first, last, protocol, nil
}

// parseProtocol checks a protocol name and returns it in lowercase.
func parseProtocol(field, s string) (string, error) {
	protocol := strings.ToLower(s)
	switch protocol {
	case "tcp", "udp", "sctp":
		return protocol, nil
	}
	return "", badValue(field, "protocol %q, want tcp, udp or sctp", s)
}

// parsePortRange reads "8080", "8000-8003", or "" (0: none given).
func parsePortRange(field, s string) (first, last uint16, err error) {
	if s == "" {
		return 0, 0, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	first, err = parsePort(field, lo)
	if err != nil {
		return 0, 0, err
	}
	last = first
	if isRange {
		if last, err = parsePort(field, hi); err != nil {
			return 0, 0, err
		}
		if last < first {
			return 0, 0, badValue(field, "port range %q ends before it starts", s)
		}
	}
	return first, last, nil
}

func parsePort(field, s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, badValue(field, "port %q, want a number from 0 to 65535", s)
	}
	return uint16(n), nil
}

// normalizeHostIP writes "all addresses" one way: engines say "", 0.0.0.0
// or :: for it, and docker says all three for the same binding, in
// HostConfig and in NetworkSettings.
func normalizeHostIP(ip string) string {
	if addr, err := netip.ParseAddr(ip); err == nil && addr.IsUnspecified() {
		return ""
	}
	return ip
}
