package engine

import "time"

// SetCommandTimeout makes each command time out after d instead of Timeout
// until the returned function is called.
func SetCommandTimeout(d time.Duration) (restore func()) {
	old := commandTimeout
	commandTimeout = d
	return func() { commandTimeout = old }
}
