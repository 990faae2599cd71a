package inspect

import (
	"strings"
)

// securityOptions splits HostConfig.SecurityOpt into single options.
// Podman joins all its label options into one element with commas,
// "label=type:x_t,label=level:s0:c1,c2", and a level's categories are
// themselves separated by commas; a piece starts a new option only if it
// starts with a word (letters and hyphens) followed by = or : or nothing,
// which no category ("c2", "c3.c10") or sensitivity ("s0") does.
func securityOptions(opts []string) []string {
	var split []string
	for _, opt := range opts {
		start := 0
		for i := 0; i < len(opt); i++ {
			if opt[i] == ',' && startsOption(opt[i+1:]) {
				split = append(split, opt[start:i])
				start = i + 1
			}
		}
		split = append(split, opt[start:])
	}
	return split
}

// startsOption reports whether s begins with a letter and continues with
// letters or hyphens up to =, : or its end.
func startsOption(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case c == '-' && i > 0:
		case c == '=' || c == ':':
			return i > 0
		default:
			return false
		}
	}
	return s != ""
}

// parseLabel reads the label options among a container's security options:
// label=type:T, label=level:L, label=user:U, label=role:R, label=disable and
// label=nested, also written with docker's deprecated separator, label:type:T.
// Other security options (seccomp=, apparmor=, no-new-privileges, ...) are
// not labels and are skipped. label=filetype:T names the type of the
// container's files, which the model does not keep.
func parseLabel(field string, opts []string) (Label, error) {
	var label Label
	for _, opt := range securityOptions(opts) {
		value, ok := strings.CutPrefix(opt, "label=")
		if !ok {
			value, ok = strings.CutPrefix(opt, "label:")
		}
		if !ok {
			continue
		}
		key, arg, hasArg := strings.Cut(value, ":")
		switch {
		case key == "type" && hasArg:
			label.Type = arg
		case key == "level" && hasArg:
			label.Level = arg
		case key == "user" && hasArg:
			label.User = arg
		case key == "role" && hasArg:
			label.Role = arg
		case key == "filetype" && hasArg:
		case value == "disable":
			label.Disable = true
		case value == "nested":
			label.Nested = true
		default:
			return Label{}, badValue(field, "unknown label option %q", opt)
		}
	}
	return label, nil
}
