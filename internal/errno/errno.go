// Package errno names the outcome of a system call the way the notes
// record it in their facts: by the errno's name (ENOENT), as strace and
// the post print it, not by its text.
package errno

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Name names the errno inside err ("EACCES"), or returns err's text where
// it holds none (a timeout, say) or one without a name; success is ok, in
// the chapter's own word ("0" as strace prints a return value, "ok").
func Name(err error, ok string) string {
	if err == nil {
		return ok
	}
	var e unix.Errno
	if errors.As(err, &e) {
		if name := unix.ErrnoName(e); name != "" {
			return name
		}
	}
	return err.Error()
}
