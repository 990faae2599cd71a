package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/pkg/inspect"
)

// read returns the containers the input flags describe: the engines'
// inspect of id, the file, or standard input. It refuses to wait on a
// terminal, where nobody would know that confine waits for JSON.
//
// command is how the user runs the command, such as "confine inspect", for
// the message that says how to give it input.
func read(s *streams, command string, ids []string, file, engine string) (*confine.Containers, error) {
	e, err := parseEngineFlag(engine)
	if err != nil {
		return nil, inputError(err)
	}
	if len(ids) == 0 && (file == "" || file == "-") && isTerminal(s.in) {
		return nil, usageError(fmt.Errorf("nothing to read: standard input is not a pipe or a file;"+
			" run `docker inspect NAME | %s`, or `%s -j FILE`", command, command))
	}
	cs, err := confine.Read(context.Background(), confine.Source{IDs: ids, File: file, Reader: s.in, Engine: e})
	if err != nil {
		return nil, kindError(err)
	}
	for _, n := range cs.Notes {
		note(s, n)
	}
	return cs, nil
}

// kindError gives an error of the library the exit status of its kind.
func kindError(err error) error {
	switch {
	case errors.Is(err, confine.ErrUsage):
		return usageError(err)
	case errors.Is(err, confine.ErrInput):
		return inputError(err)
	}
	return policyError(err)
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
