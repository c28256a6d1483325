package unlink

import (
	"context"
	"errors"
	osexec "os/exec"
	"path/filepath"

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

// runUntraced runs a program untraced in dir ("" for the current one), as
// the reader would type it (argv[0] is its base name), and returns its
// combined output.
func runUntraced(ctx context.Context, dir, path string, args ...string) ([]byte, error) {
	cmd := osexec.CommandContext(ctx, path, args...)
	cmd.Args[0] = filepath.Base(path)
	cmd.Dir = dir
	cmd.Env = []string{"LC_ALL=C"}
	return cmd.CombinedOutput()
}
