//go:build linux

package sysrec

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

var byNumber = func() map[uint64]string {
	m := map[uint64]string{}
	for _, table := range []map[string]uintptr{commonNumbers, archNumbers} {
		for name, nr := range table {
			m[uint64(nr)] = name
		}
	}
	return m
}()

// Number returns the running architecture's number for a system call, and
// false when this architecture has no such call (unlink on arm64) or this
// package does not know it.
func Number(name string) (uint64, bool) {
	if nr, ok := commonNumbers[name]; ok {
		return uint64(nr), true
	}
	nr, ok := archNumbers[name]
	return uint64(nr), ok
}

// Name returns the name of system call nr on the running architecture, or
// "syscall_<nr>" for one this package does not know.
func Name(nr uint64) string {
	if name, ok := byNumber[nr]; ok {
		return name
	}
	return "syscall_" + strconv.FormatUint(nr, 10)
}

// kind says how to show one argument.
type kind int

const (
	kHex      kind = iota // an address or a value without meaning here
	kInt                  // a number or a file descriptor
	kDirfd                // AT_FDCWD or a descriptor
	kPath                 // a NUL-terminated path in the tracee's memory
	kAtFlags              // AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH...
	kUnlinkAt             // unlinkat's flags: AT_REMOVEDIR
	kAccessAt             // faccessat2's flags: AT_EACCESS...
	kOpen                 // O_RDONLY|O_CLOEXEC...
	kOctal                // a mode
)

// signatures of the calls whose arguments are decoded; others show six
// hexadecimal arguments.
var signatures = map[string][]kind{
	"unlink":     {kPath},
	"unlinkat":   {kDirfd, kPath, kUnlinkAt},
	"rmdir":      {kPath},
	"open":       {kPath, kOpen, kOctal},
	"openat":     {kDirfd, kPath, kOpen, kOctal},
	"close":      {kInt},
	"newfstatat": {kDirfd, kPath, kHex, kAtFlags},
	"statx":      {kDirfd, kPath, kAtFlags, kHex, kHex},
	"stat":       {kPath, kHex},
	"lstat":      {kPath, kHex},
	"fstat":      {kInt, kHex},
	"access":     {kPath, kOctal},
	"faccessat":  {kDirfd, kPath, kOctal},
	"faccessat2": {kDirfd, kPath, kOctal, kAccessAt},
	"execve":     {kPath, kHex, kHex},
	"chdir":      {kPath},
	"fchdir":     {kInt},
	"mkdir":      {kPath, kOctal},
	"mkdirat":    {kDirfd, kPath, kOctal},
	"link":       {kPath, kPath},
	"linkat":     {kDirfd, kPath, kDirfd, kPath, kAtFlags},
	"rename":     {kPath, kPath},
	"renameat":   {kDirfd, kPath, kDirfd, kPath},
	"renameat2":  {kDirfd, kPath, kDirfd, kPath, kHex},
	"readlink":   {kPath, kHex, kInt},
	"readlinkat": {kDirfd, kPath, kHex, kInt},
	"getdents64": {kInt, kHex, kInt},
	"read":       {kInt, kHex, kInt},
	"write":      {kInt, kHex, kInt},
	"exit_group": {kInt},
}

// pathArgs returns the indexes of the path arguments of the named call.
func pathArgs(name string) []int {
	var idx []int
	for i, k := range signatures[name] {
		if k == kPath {
			idx = append(idx, i)
		}
	}
	return idx
}

type flagName struct {
	bit  uint64
	name string
}

var (
	atFlags = []flagName{
		{unix.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
		{unix.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
		{unix.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
		{unix.AT_EMPTY_PATH, "AT_EMPTY_PATH"},
	}
	unlinkAtFlags = []flagName{{unix.AT_REMOVEDIR, "AT_REMOVEDIR"}}
	accessAtFlags = []flagName{
		{unix.AT_EACCESS, "AT_EACCESS"},
		{unix.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
		{unix.AT_EMPTY_PATH, "AT_EMPTY_PATH"},
	}
	openFlags = []flagName{
		{unix.O_CREAT, "O_CREAT"}, {unix.O_EXCL, "O_EXCL"}, {unix.O_NOCTTY, "O_NOCTTY"},
		{unix.O_TRUNC, "O_TRUNC"}, {unix.O_APPEND, "O_APPEND"}, {unix.O_NONBLOCK, "O_NONBLOCK"},
		{unix.O_DIRECTORY, "O_DIRECTORY"}, {unix.O_NOFOLLOW, "O_NOFOLLOW"},
		{unix.O_CLOEXEC, "O_CLOEXEC"}, {unix.O_LARGEFILE, "O_LARGEFILE"},
		{unix.O_NOATIME, "O_NOATIME"}, {unix.O_PATH, "O_PATH"},
	}
)

// flagString names the bits of v from names, "0" for none, and shows bits
// it cannot name in hexadecimal.
func flagString(v uint64, names []flagName) string {
	var parts []string
	for _, f := range names {
		if f.bit != 0 && v&f.bit == f.bit {
			parts = append(parts, f.name)
			v &^= f.bit
		}
	}
	switch {
	case v != 0:
		parts = append(parts, fmt.Sprintf("%#x", v))
	case len(parts) == 0:
		return "0"
	}
	return strings.Join(parts, "|")
}

func openString(v uint64) string {
	var mode string
	switch v & unix.O_ACCMODE {
	case unix.O_RDONLY:
		mode = "O_RDONLY"
	case unix.O_WRONLY:
		mode = "O_WRONLY"
	case unix.O_RDWR:
		mode = "O_RDWR"
	default:
		mode = fmt.Sprintf("%#x", v&unix.O_ACCMODE)
	}
	if rest := v &^ unix.O_ACCMODE; rest != 0 {
		return mode + "|" + flagString(rest, openFlags)
	}
	return mode
}

// arg formats argument i of c according to its kind.
func (c Call) arg(i int, k kind) string {
	v := c.Args[i]
	switch k {
	case kInt:
		return strconv.FormatInt(int64(int32(v)), 10)
	case kDirfd:
		if int32(v) == unix.AT_FDCWD {
			return "AT_FDCWD"
		}
		return strconv.FormatInt(int64(int32(v)), 10)
	case kPath:
		if p, ok := c.Paths[i]; ok {
			return strconv.Quote(p)
		}
		return fmt.Sprintf("%#x", v)
	case kAtFlags:
		return flagString(v, atFlags)
	case kUnlinkAt:
		return flagString(v, unlinkAtFlags)
	case kAccessAt:
		return flagString(v, accessAtFlags)
	case kOpen:
		return openString(v)
	case kOctal:
		return fmt.Sprintf("%#o", v)
	}
	return fmt.Sprintf("%#x", v)
}
