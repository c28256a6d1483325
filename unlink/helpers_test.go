package unlink_test

import (
	"context"
	"errors"
	osexec "os/exec"

	"golang.org/x/sys/unix"
)

// errnoName names the outcome of a system call as strace does: "0" for
// success, "ENOENT" for an errno, the error's text otherwise.
func errnoName(err error) string {
	var errno unix.Errno
	switch {
	case err == nil:
		return "0"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

// runUntraced runs a program untraced and returns its combined output.
func runUntraced(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := osexec.CommandContext(ctx, path, args...)
	cmd.Env = []string{"LC_ALL=C"}
	return cmd.CombinedOutput()
}
