//go:build linux && (amd64 || arm64)

package sysrec

import "golang.org/x/sys/unix"

// commonNumbers are the system calls both amd64 and arm64 have. Numbers differ
// per architecture; x/sys/unix holds the running one's.
var commonNumbers = map[string]uintptr{
	"brk": unix.SYS_BRK, "chdir": unix.SYS_CHDIR, "clone": unix.SYS_CLONE,
	"clock_nanosleep": unix.SYS_CLOCK_NANOSLEEP,
	"clone3":          unix.SYS_CLONE3, "close": unix.SYS_CLOSE, "dup": unix.SYS_DUP,
	"dup3": unix.SYS_DUP3, "execve": unix.SYS_EXECVE, "exit": unix.SYS_EXIT,
	"exit_group": unix.SYS_EXIT_GROUP, "faccessat": unix.SYS_FACCESSAT,
	"faccessat2": unix.SYS_FACCESSAT2, "fadvise64": unix.SYS_FADVISE64,
	"fchdir": unix.SYS_FCHDIR, "fcntl": unix.SYS_FCNTL, "fstat": unix.SYS_FSTAT,
	"fstatfs": unix.SYS_FSTATFS, "futex": unix.SYS_FUTEX, "getcwd": unix.SYS_GETCWD,
	"getdents64": unix.SYS_GETDENTS64, "getegid": unix.SYS_GETEGID,
	"geteuid": unix.SYS_GETEUID, "getgid": unix.SYS_GETGID, "getpid": unix.SYS_GETPID,
	"getrandom": unix.SYS_GETRANDOM, "getuid": unix.SYS_GETUID, "ioctl": unix.SYS_IOCTL,
	"kill": unix.SYS_KILL, "linkat": unix.SYS_LINKAT, "lseek": unix.SYS_LSEEK,
	"mkdirat": unix.SYS_MKDIRAT, "mmap": unix.SYS_MMAP, "nanosleep": unix.SYS_NANOSLEEP, "mprotect": unix.SYS_MPROTECT,
	"munmap": unix.SYS_MUNMAP, "newfstatat": unix.SYS_NEWFSTATAT, "openat": unix.SYS_OPENAT,
	"openat2": unix.SYS_OPENAT2, "pread64": unix.SYS_PREAD64, "prlimit64": unix.SYS_PRLIMIT64,
	"read": unix.SYS_READ, "readlinkat": unix.SYS_READLINKAT, "renameat": unix.SYS_RENAMEAT,
	"renameat2": unix.SYS_RENAMEAT2, "rseq": unix.SYS_RSEQ,
	"rt_sigaction": unix.SYS_RT_SIGACTION, "rt_sigprocmask": unix.SYS_RT_SIGPROCMASK,
	"set_robust_list": unix.SYS_SET_ROBUST_LIST, "set_tid_address": unix.SYS_SET_TID_ADDRESS,
	"statfs": unix.SYS_STATFS, "statx": unix.SYS_STATX, "symlinkat": unix.SYS_SYMLINKAT,
	"tgkill": unix.SYS_TGKILL, "umask": unix.SYS_UMASK, "uname": unix.SYS_UNAME,
	"unlinkat": unix.SYS_UNLINKAT, "wait4": unix.SYS_WAIT4, "write": unix.SYS_WRITE,
}
