package engine

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSummarize(t *testing.T) {
	long := strings.Repeat("x", maxReason-1) + "€€"
	tests := []struct {
		stderr, want string
	}{
		{"", ""},
		{"\n \n", ""},
		{"Error: no such container web\n", "Error: no such container web"},
		{"first\r\n\n  second  \nthird", "first; second; third"},
		{"a\tb\x00c\x1b[0m", "a bc[0m"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{long, strings.Repeat("x", maxReason-1) + "..."},
	}
	for _, tt := range tests {
		got := summarize(tt.stderr)
		if got != tt.want {
			t.Errorf("summarize(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
		if !utf8.ValidString(got) || len(got) > maxReason+len("...") {
			t.Errorf("summarize(%q) = %q: invalid or too long", tt.stderr, got)
		}
	}
}

func TestIsEmpty(t *testing.T) {
	tests := []struct {
		out  string
		want bool
	}{
		{"", true},
		{"\n", true},
		{"[]", true},
		{"[]\n", true},
		{" [ \n ] ", true},
		{"null\n", true},
		{"[null]", false},
		{"[{}]", false},
		{"{}", false},
		{"[", false},
		{`{"status":{}}`, false},
	}
	for _, tt := range tests {
		if got := isEmpty([]byte(tt.out)); got != tt.want {
			t.Errorf("isEmpty(%q) = %v, want %v", tt.out, got, tt.want)
		}
	}
}

func TestCapped(t *testing.T) {
	c := &capped{max: 5}
	for _, p := range []string{"abc", "def", "ghi"} {
		if n, err := c.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	if got := c.buf.String(); got != "abcde" || !c.over {
		t.Errorf("capped holds %q, over %v; want \"abcde\", true", got, c.over)
	}
}
