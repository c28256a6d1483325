//go:build linux

package sysrec

import "golang.org/x/sys/unix"

// archNumbers are the calls amd64 keeps from before the *at family; arm64
// never had them, so there a C library's unlink() becomes unlinkat.
var archNumbers = map[string]uintptr{
	"access": unix.SYS_ACCESS, "arch_prctl": unix.SYS_ARCH_PRCTL, "dup2": unix.SYS_DUP2,
	"link": unix.SYS_LINK, "lstat": unix.SYS_LSTAT, "mkdir": unix.SYS_MKDIR,
	"open": unix.SYS_OPEN, "readlink": unix.SYS_READLINK, "rename": unix.SYS_RENAME,
	"rmdir": unix.SYS_RMDIR, "stat": unix.SYS_STAT, "symlink": unix.SYS_SYMLINK,
	"unlink": unix.SYS_UNLINK,
}
