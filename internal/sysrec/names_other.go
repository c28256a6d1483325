//go:build linux && !amd64 && !arm64

package sysrec

// On other architectures the recorder still works; calls are named
// syscall_N, since this package carries no table for them.
var commonNumbers, archNumbers = map[string]uintptr{}, map[string]uintptr{}
