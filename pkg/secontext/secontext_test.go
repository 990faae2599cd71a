package secontext

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Context
		err  bool
	}{
		{in: "system_u:object_r:etc_t:s0", want: Context{"system_u", "object_r", "etc_t", "s0"}},
		{in: "u:r:t", want: Context{"u", "r", "t", ""}},
		{in: "u:r:t:s0-s0:c0.c1023", want: Context{"u", "r", "t", "s0-s0:c0.c1023"}},
		{in: "u:r", err: true},
		{in: "u:r:", err: true},
		{in: "u:r:t:", err: true},
		{in: ":r:t", err: true},
		{in: "", err: true},
		{in: "<<none>>", err: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v", tt.in, got, err)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
		}
		if err != nil && !errors.Is(err, ErrBadContext) {
			t.Errorf("Parse(%q): %v is no ErrBadContext", tt.in, err)
		}
	}
}
