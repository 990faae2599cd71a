package cmd

import (
	"fmt"
	"io"
	"os"

	"github.com/confine-policy/confine/pkg/inspect"
)

// readContainers reads a container engine's inspect output from file, or
// from standard input when file is "" or "-", as the output of engine, or
// of the engine its keys show when engine is "". It refuses to wait on a
// terminal, where nobody would know that confine waits for JSON.
//
// command is how the user runs the command, such as "confine inspect", for
// the message that says how to give it input.
func readContainers(s *streams, command, file, engine string) ([]inspect.Container, error) {
	e, err := parseEngineFlag(engine)
	if err != nil {
		return nil, inputError(err)
	}
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, inputError(err)
		}
		defer f.Close()
		containers, err := inspect.Parse(f, e)
		if err != nil {
			return nil, inputError(fmt.Errorf("%s: %w", file, err))
		}
		return containers, nil
	}
	if isTerminal(s.in) {
		return nil, usageError(fmt.Errorf("nothing to read: standard input is not a pipe or a file;"+
			" run `docker inspect NAME | %s`, or `%s -j FILE`", command, command))
	}
	containers, err := inspect.Parse(s.in, e)
	if err != nil {
		return nil, inputError(err)
	}
	return containers, nil
}

// parseEngineFlag reads the value of --engine: an engine as
// inspect.ParseEngine spells it, or "" (and udica's "-") to tell the engine
// from the input.
func parseEngineFlag(s string) (inspect.Engine, error) {
	if s == "" || s == "-" {
		return "", nil
	}
	return inspect.ParseEngine(s)
}

// isTerminal reports whether r is a character device, such as a terminal,
// rather than a pipe or a file.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
