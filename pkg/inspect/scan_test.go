package inspect

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestQuickSplit checks the quick split against encoding/json on valid
// JSON whose strings hold brackets, quotes, backslashes and escapes.
func TestQuickSplit(t *testing.T) {
	arrays := []string{
		`[]`,
		`[ ]`,
		`[{}]`,
		"[\n\t{ } ,\r\n{\"a\" : [1, {\"b\": null}] } ]",
		`[{"a":"]"},{"b":"}"},{"c":"\""},{"d":"\\"},{"e":"\\\""},{"f":"\\\\"}]`,
		`[1,"x",true,false,null,-1.5e3,[[]],{"a":{}}]`,
		`[{"k\u0041y":"v","":1,"\"":{"x":[]}}]`,
	}
	for _, arr := range arrays {
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(arr), &want); err != nil {
			t.Fatalf("%s: %v", arr, err)
		}
		got, ok := arrayElements([]byte(arr))
		if !ok || len(got) != len(want) {
			t.Errorf("arrayElements(%s) = %q, %v; want %q", arr, got, ok, want)
			continue
		}
		for i := range want {
			if string(got[i]) != string(want[i]) {
				t.Errorf("arrayElements(%s)[%d] = %s, want %s", arr, i, got[i], want[i])
			}
			if got[i][0] != '{' {
				continue
			}
			var members map[string]json.RawMessage
			if err := json.Unmarshal(got[i], &members); err != nil {
				t.Fatal(err)
			}
			seen := map[string]json.RawMessage{}
			forEachMember(got[i], func(key string, value []byte) { seen[key] = value })
			if !reflect.DeepEqual(seen, members) {
				t.Errorf("forEachMember(%s) = %q, want %q", got[i], seen, members)
			}
		}
	}
}

// TestQuickSplitRefuses checks that the quick split refuses what lies
// between values and is not JSON; what lies within them encoding/json
// checks when it decodes them.
func TestQuickSplitRefuses(t *testing.T) {
	for _, arr := range []string{`[`, `[{}`, `[{} {}]`, `[{},]`, `[,{}]`, `[{}]]`, `[{}:]`, `[{}] `} {
		if elems, ok := arrayElements([]byte(arr)); ok {
			t.Errorf("arrayElements(%s) = %q, ok; want refused", arr, elems)
		}
	}
	for _, data := range []string{`{}}`, `,`, `{} ]`} {
		if values, ok := splitValues([]byte(data)); ok {
			t.Errorf("splitValues(%s) = %q, ok; want refused", data, values)
		}
	}
}
