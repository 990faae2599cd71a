// Command confine writes SELinux policy modules for containers from their
// engine's inspect output. See `confine --help`.
package main

import (
	"os"

	"github.com/confine-policy/confine/cmd/confine/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
