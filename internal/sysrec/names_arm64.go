//go:build linux

package sysrec

// archNumbers is empty: arm64 has only the *at calls (no unlink, rmdir, open,
// stat...), so a C library's unlink() is an unlinkat(AT_FDCWD, path, 0) there.
var archNumbers = map[string]uintptr{}
