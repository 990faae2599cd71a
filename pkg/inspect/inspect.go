package inspect

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors returned by Parse and ParseEngine. Each comes wrapped in what was
// being read (the container, the field) and what was wrong with it; test
// for them with errors.Is.
var (
	// ErrNotJSON is returned when the input is not JSON; the message
	// gives the line and column.
	ErrNotJSON = errors.New("not JSON")
	// ErrEmpty is returned when the input holds no container: it is
	// empty, or an empty array.
	ErrEmpty = errors.New("no containers")
	// ErrTooLarge is returned when the input is larger than 64 MiB, or
	// publishes more ports in all than a container could bind.
	ErrTooLarge = errors.New("input too large")
	// ErrUnknownShape is returned when a container's JSON has none of the
	// keys that tell which engine's inspect output it is, or lacks the
	// one the engine named writes.
	ErrUnknownShape = errors.New("unknown shape")
	// ErrFieldType is returned when a field has the wrong JSON type, such
	// as a string where the engines write an array.
	ErrFieldType = errors.New("wrong type")
	// ErrFieldValue is returned when a field's value is not one an engine
	// writes: an unknown capability, a port out of range, a relative
	// mount path.
	ErrFieldValue = errors.New("bad value")
	// ErrUnknownEngine is returned by ParseEngine for a name that is not
	// docker, podman, crio, containerd or oci.
	ErrUnknownEngine = errors.New("unknown engine")
)

// maxInputSize is the most Parse reads. Inspect output for even hundreds of
// containers is far smaller; the limit stops a mistaken pipe from eating
// memory.
const maxInputSize = 64 << 20

// maxTotalPorts bounds the published ports of all containers together, once
// ranges are expanded, for the same reason: a few bytes of input can publish
// a range of 65535 ports, and a large input could repeat that many times.
const maxTotalPorts = 1 << 20

// ParseEngine returns the engine that s names: docker, podman, crio,
// containerd or oci, in any case, or udica's spellings CRI-O and CRIO.
func ParseEngine(s string) (Engine, error) {
	switch strings.ToLower(s) {
	case "docker":
		return Docker, nil
	case "podman":
		return Podman, nil
	case "crio", "cri-o":
		return CRIO, nil
	case "containerd":
		return Containerd, nil
	case "oci":
		return OCI, nil
	}
	return "", fmt.Errorf("engine %q: %w; want docker, podman, crio, containerd or oci", s, ErrUnknownEngine)
}

// Parse reads inspect output from r and returns one Container per container
// in it, in input order. Engine "" detects each container's engine from the
// keys it holds; any other engine (spelled as ParseEngine accepts) is taken
// as given, and its parser is used for every container in the input. Parse
// reads at most 64 MiB.
func Parse(r io.Reader, engine Engine) ([]Container, error) {
	if engine != "" {
		var err error
		if engine, err = ParseEngine(string(engine)); err != nil {
			return nil, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInputSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if len(data) > maxInputSize {
		return nil, fmt.Errorf("input larger than %d MiB: %w", maxInputSize>>20, ErrTooLarge)
	}
	objects, err := splitObjects(data)
	if err != nil {
		return nil, validFirst(data, err)
	}
	containers := make([]Container, 0, len(objects))
	ports := 0
	for i, obj := range objects {
		c, err := parseObject(obj, engine)
		if err != nil {
			if name := nameOf(obj); name != "" {
				return nil, validFirst(data, fmt.Errorf("container %d (%q): %w", i+1, name, err))
			}
			return nil, validFirst(data, fmt.Errorf("container %d: %w", i+1, err))
		}
		if ports += len(c.Ports); ports > maxTotalPorts {
			return nil, fmt.Errorf("container %d: more than %d published ports in all: %w", i+1, maxTotalPorts, ErrTooLarge)
		}
		containers = append(containers, c)
	}
	return containers, nil
}

// splitObjects returns the container objects in data: each top-level value
// is an object or an array of objects, and there may be several values one
// after another, as older crictl printed for several ids. It checks the
// JSON around the objects, not within them; see scan.go.
func splitObjects(data []byte) ([]json.RawMessage, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("empty input: %w", ErrEmpty)
	}
	values, ok := splitValues(data)
	if !ok {
		return nil, notJSONAt(data)
	}
	var objects []json.RawMessage
	for n, value := range values {
		// Number the values only past the first.
		name := "input"
		if n > 0 {
			name = fmt.Sprintf("value %d of the input", n+1)
		}
		switch value[0] {
		case '{':
			objects = append(objects, value)
		case '[':
			elems, ok := arrayElements(value)
			if !ok {
				return nil, notJSONAt(data)
			}
			if len(elems) == 0 {
				return nil, fmt.Errorf("%s is an empty array: %w", name, ErrEmpty)
			}
			for i, e := range elems {
				if e[0] != '{' {
					return nil, fmt.Errorf("%s, element %d: %w: %s, want an object", name, i+1, ErrUnknownShape, jsonKind(e))
				}
			}
			objects = append(objects, elems...)
		default:
			return nil, fmt.Errorf("%s: %w: %s, want an object or an array of objects", name, ErrUnknownShape, jsonKind(value))
		}
	}
	return objects, nil
}

// validFirst returns the error that says where data stops being JSON, if
// it does, and err otherwise. Parse decodes, and so validates, one object
// at a time; a mistake anywhere in the JSON is the first thing to report,
// and the cause of any odd error found on the way.
func validFirst(data []byte, err error) error {
	return cmp.Or(jsonError(data), err)
}

// notJSONAt returns the error that says where data, which the quick split
// found not to be JSON, stops being JSON.
func notJSONAt(data []byte) error {
	// Only the quick split can be wrong in thinking so; say what it knows.
	return cmp.Or(jsonError(data), fmt.Errorf("%w: cannot tell where its values end", ErrNotJSON))
}

// jsonError says where and how data stops being JSON values one after
// another, as encoding/json's decoder finds it, or returns nil if it does
// not.
func jsonError(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var value json.RawMessage
		err := dec.Decode(&value)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return notJSON(err, data)
		}
	}
}

// notJSON describes a syntax error by what was wrong and where, as a line
// and column of data, which is how an editor finds the place.
func notJSON(err error, data []byte) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read up to and including the bad one.
		return fmt.Errorf("%w: %s at %s", ErrNotJSON, syntax, position(data, syntax.Offset-1))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: unexpected end of input at %s", ErrNotJSON, position(data, int64(len(data))))
	}
	return fmt.Errorf("%w: %v", ErrNotJSON, err)
}

// position names the line and column (both from 1, the column in bytes) of
// the byte at offset in data.
func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, column)
}

// jsonKind names the kind of a valid JSON value from its first byte.
func jsonKind(value []byte) string {
	switch value[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// nameOf returns the name a container object gives itself where one of the
// engines puts it, or "", so that an error can say which container it is
// about. It reads what it can and ignores the rest: obj may be the very
// input that failed.
func nameOf(obj json.RawMessage) string {
	var names struct {
		Name   string
		Status struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		} `json:"status"`
		Labels map[string]any
	}
	_ = json.Unmarshal(obj, &names) // a best effort: partial results are fine
	name, _ := names.Labels[nerdctlNameLabel].(string)
	return cmp.Or(strings.TrimPrefix(names.Name, "/"), names.Status.Metadata.Name, name)
}
