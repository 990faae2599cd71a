package inspect

import (
	"bytes"
	"encoding/json"
)

// The functions here split JSON into its parts without decoding or
// validating it: a pass over bytes that costs far less than a pass of
// encoding/json, and allocates nothing. Parse validates every object it
// decodes, with encoding/json, and checks the rest of the input (brackets,
// commas, white space) here; when anything is amiss, it has encoding/json
// read the whole input to say where it stops being JSON. On input that is
// not JSON these functions return nonsense, but they never index out of
// range and always end.

// splitValues returns the values at the top level of data, and whether
// only white space lies between them.
func splitValues(data []byte) ([][]byte, bool) {
	var values [][]byte
	for i := skipSpace(data, 0); i < len(data); i = skipSpace(data, i) {
		end := skipValue(data, i)
		if end == i {
			return nil, false
		}
		values = append(values, data[i:end])
		i = end
	}
	return values, true
}

// arrayElements returns the elements of arr, which starts with '[', and
// whether commas and white space separate them and a ']' ends arr.
func arrayElements(arr []byte) ([]json.RawMessage, bool) {
	var elems []json.RawMessage
	i := skipSpace(arr, 1)
	if i < len(arr) && arr[i] == ']' {
		return elems, i == len(arr)-1
	}
	for i < len(arr) {
		end := skipValue(arr, i)
		if end == i {
			return nil, false
		}
		elems = append(elems, arr[i:end])
		i = skipSpace(arr, end)
		switch {
		case i == len(arr)-1 && arr[i] == ']':
			return elems, true
		case i < len(arr) && arr[i] == ',':
			i = skipSpace(arr, i+1)
		default:
			return nil, false
		}
	}
	return nil, false
}

// forEachMember calls f with each member of obj, a JSON object: its key,
// unescaped, and its value, raw.
func forEachMember(obj []byte, f func(key string, value []byte)) {
	i := skipSpace(obj, 1) // past '{'
	for i < len(obj) && obj[i] == '"' {
		end := skipString(obj, i)
		key := string(obj[i+1 : max(end-1, i+1)])
		if bytes.IndexByte(obj[i:end], '\\') >= 0 {
			_ = json.Unmarshal(obj[i:end], &key) // keeps key as it is if not JSON
		}
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return
		}
		i = skipSpace(obj, i+1)
		valueEnd := skipValue(obj, i)
		if valueEnd == i {
			return
		}
		f(key, obj[i:valueEnd])
		i = skipSpace(obj, valueEnd)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// skipValue returns the offset just past the value that starts at b[i],
// or i if no value starts there.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	case ',', ':', '}', ']':
		return i
	}
	// A number, true, false or null: it ends where a delimiter starts.
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', ':', '"', '{', '}', '[', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string whose opening quote
// is b[start]: past the first quote after it that no backslash escapes.
func skipString(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			break
		}
		i += j
		backslashes := 0
		for k := i - 1; k > start && b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i + 1
		}
	}
	return len(b)
}

// skipSpace returns the offset of the first byte at or after b[i] that is
// not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
