package secontext

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadContext is returned by Parse when its text is not
// user:role:type[:level] with every field present.
var ErrBadContext = errors.New("bad context")

// A Context is an SELinux security context.
type Context struct {
	User, Role, Type string
	// Level is the MLS/MCS range, such as "s0" or "s0-s0:c0.c1023";
	// empty for a policy without MLS.
	Level string
}

// Parse splits "user:role:type[:level]". The level may itself hold
// colons.
func Parse(s string) (Context, error) {
	var c Context
	var rest string
	var ok1, ok2, hasLevel bool
	c.User, rest, ok1 = strings.Cut(s, ":")
	c.Role, rest, ok2 = strings.Cut(rest, ":")
	c.Type, c.Level, hasLevel = strings.Cut(rest, ":")
	if !ok1 || !ok2 || c.User == "" || c.Role == "" || c.Type == "" || hasLevel && c.Level == "" {
		return Context{}, fmt.Errorf("%w %q", ErrBadContext, s)
	}
	return c, nil
}

// String gives the context back as "user:role:type[:level]".
func (c Context) String() string {
	s := c.User + ":" + c.Role + ":" + c.Type
	if c.Level != "" {
		s += ":" + c.Level
	}
	return s
}
