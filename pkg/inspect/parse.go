package inspect

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// shape records which of the keys that tell the engines' outputs apart an
// object has.
type shape struct {
	hostConfig bool // docker and podman
	podman     bool // OCIRuntime, ConmonPidFile or EffectiveCaps: podman only
	status     bool // crictl
	criPlugin  bool // info.runtimeType or info.snapshotKey: containerd's CRI plugin only
	spec       bool // nerdctl --mode=native
	runtime    bool // nerdctl --mode=native
	ociVersion bool // runtime spec
}

// shapeOf reads the keys of obj, a valid JSON object, matching them as
// encoding/json matches keys to fields: without regard to case. It looks
// at the keys only, which is much faster than decoding the object.
func shapeOf(obj []byte) shape {
	var s shape
	forEachMember(obj, func(key string, value []byte) {
		switch {
		case strings.EqualFold(key, "HostConfig"):
			s.hostConfig = true
		case strings.EqualFold(key, "OCIRuntime"), strings.EqualFold(key, "ConmonPidFile"), strings.EqualFold(key, "EffectiveCaps"):
			s.podman = true
		case strings.EqualFold(key, "status"):
			s.status = true
		case strings.EqualFold(key, "info") && value[0] == '{':
			forEachMember(value, func(key string, _ []byte) {
				if strings.EqualFold(key, "runtimeType") || strings.EqualFold(key, "snapshotKey") {
					s.criPlugin = true
				}
			})
		case strings.EqualFold(key, "Spec"):
			s.spec = true
		case strings.EqualFold(key, "Runtime"):
			s.runtime = true
		case strings.EqualFold(key, "ociVersion"):
			s.ociVersion = true
		}
	})
	return s
}

// detect names the engine whose output has the keys in s.
func (s shape) detect() (Engine, error) {
	switch {
	case s.podman:
		return Podman, nil
	case s.hostConfig:
		return Docker, nil
	case s.status && s.criPlugin:
		return Containerd, nil
	case s.status:
		// CRI-O's info has neither key; crictl without verbose info, or
		// CRI-O before 1.18, gives no info at all. udica takes both as
		// CRI-O too.
		return CRIO, nil
	case s.spec && s.runtime:
		return Containerd, nil
	case s.ociVersion:
		return OCI, nil
	}
	return "", fmt.Errorf("%w: none of the keys HostConfig (docker, podman), status (crictl), Spec and Runtime (nerdctl) or ociVersion (OCI runtime spec)", ErrUnknownShape)
}

// parseObject reads one container object, as engine's output when engine is
// set, else as the output of the engine its keys show.
func parseObject(obj json.RawMessage, engine Engine) (Container, error) {
	s := shapeOf(obj)
	if engine == "" {
		var err error
		if engine, err = s.detect(); err != nil {
			return Container{}, err
		}
	}
	switch engine {
	case Docker, Podman:
		if !s.hostConfig {
			return Container{}, fmt.Errorf("%w: no HostConfig key, which %s inspect output has", ErrUnknownShape, engine)
		}
		return parseDocker(obj, engine)
	case CRIO:
		if !s.status {
			return Container{}, fmt.Errorf("%w: no status key, which crictl inspect output has", ErrUnknownShape)
		}
		return parseCRI(obj, engine)
	case Containerd:
		if s.status {
			return parseCRI(obj, engine)
		}
		if s.spec {
			return parseNerdctl(obj)
		}
		return Container{}, fmt.Errorf("%w: no status or Spec key, which crictl and nerdctl inspect output have", ErrUnknownShape)
	}
	if !s.ociVersion {
		return Container{}, fmt.Errorf("%w: no ociVersion key, which a runtime spec has", ErrUnknownShape)
	}
	return parseOCI(obj)
}

// fieldProblem says what is wrong with a field, in words of its own, and
// matches its sentinel (ErrFieldType or ErrFieldValue) with errors.Is, so
// that messages need not repeat the sentinel's text.
type fieldProblem struct {
	sentinel error
	text     string
}

func (p *fieldProblem) Error() string        { return p.text }
func (p *fieldProblem) Is(target error) bool { return target == p.sentinel }

// badValue reports a field whose value has the right type but cannot be
// right, such as an unknown capability or a port above 65535.
func badValue(field, format string, args ...any) error {
	return fmt.Errorf("%s: %w", field, &fieldProblem{ErrFieldValue, fmt.Sprintf(format, args...)})
}

// fieldError says which field of the input had a value of the wrong type,
// naming it by its path in the input; prefix is the path of the value that
// was decoded, ending in a dot unless empty.
func fieldError(prefix string, err error) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		// Only a decoder of a type's own refuses valid JSON otherwise;
		// none of the types decoded here has one today.
		return fmt.Errorf("%s: %w", cmp.Or(strings.TrimSuffix(prefix, "."), "input"), &fieldProblem{ErrFieldValue, err.Error()})
	}
	field := cmp.Or(strings.TrimSuffix(prefix+typeErr.Field, "."), "input")
	got := typeErr.Value
	if got == "bool" {
		got = "boolean"
	}
	return fmt.Errorf("%s: %w", field, &fieldProblem{ErrFieldType, fmt.Sprintf("want %s, got %s", describeType(typeErr.Type), got)})
}

// describeType names a Go type by the JSON that decodes into it.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "array of strings"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "non-negative integer"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	}
	return "number"
}

// finish puts c's lists in a stable order, without duplicates, and makes
// empty lists non-nil, so that they print as [] rather than null.
func (c Container) finish() Container {
	slices.SortFunc(c.Mounts, func(a, b Mount) int {
		return cmp.Or(
			strings.Compare(a.Destination, b.Destination),
			strings.Compare(a.Source, b.Source),
			strings.Compare(string(a.Type), string(b.Type)),
			strings.Compare(a.Relabel, b.Relabel),
			compareBool(a.ReadOnly, b.ReadOnly),
		)
	})
	c.Mounts = slices.Compact(c.Mounts)
	slices.SortFunc(c.Devices, func(a, b Device) int {
		return cmp.Or(
			strings.Compare(a.ContainerPath, b.ContainerPath),
			strings.Compare(a.HostPath, b.HostPath),
			strings.Compare(a.Permissions, b.Permissions),
		)
	})
	c.Devices = slices.Compact(c.Devices)
	if c.Mounts == nil {
		c.Mounts = []Mount{}
	}
	if c.Ports == nil {
		c.Ports = []Port{}
	}
	if c.Capabilities == nil {
		c.Capabilities = []string{}
	}
	if c.Devices == nil {
		c.Devices = []Device{}
	}
	return c
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
