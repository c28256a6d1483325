// Package exit gives the project's tools (internal/cmd/notes, matrix) one
// way to end: every step returns an error, which says the exit status it
// calls for, and Code turns it into that status, printing it once.
package exit

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// status is an error that carries the exit status it calls for.
type status struct {
	code int
	err  error
}

func (s *status) Error() string { return fmt.Sprint(s.err) }
func (s *status) Unwrap() error { return s.err }

// CannotRun is a tool that could not run (a bad flag, no module, no cache):
// status 2. A nil err says nothing more (the flag package has said why).
func CannotRun(err error) error { return &status{2, err} }

// Failed is a tool that ran and found a failure: status 1. A nil err says
// nothing more (the report has said why).
func Failed(err error) error { return &status{1, err} }

// Code prints err to w, a line at a time behind "tool: ", and returns the
// exit status it calls for: 0 for nil, 1 for an error that names none.
func Code(tool string, err error, w io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	var s *status
	if errors.As(err, &s) {
		code, err = s.code, s.err
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(w, "%s: %s\n", tool, line)
		}
	}
	return code
}
