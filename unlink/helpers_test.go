package unlink

import (
	"context"
	osexec "os/exec"
	"path/filepath"

	"netnotes/internal/errno"
)

// errnoName names the outcome of a system call as strace does: "0" for
// success, "ENOENT" for an errno, the error's text otherwise.
func errnoName(err error) string { return errno.Name(err, "0") }

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
