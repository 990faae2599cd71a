// Command confine writes SELinux policy modules and AppArmor profiles for
// containers from their engine's inspect output. See `confine --help`.
package main

import (
	"os"
	"runtime/debug"

	"github.com/confine-policy/confine/cmd/confine/cmd"
)

// memoryLimit is the heap size past which the garbage collector works
// harder: a run over a host's hundreds of containers keeps all their
// modules until it writes them, and would otherwise grow to twice what it
// holds. The limit is soft: a larger input takes what it needs.
const memoryLimit = 56 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
