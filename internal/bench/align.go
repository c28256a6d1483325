package bench

import (
	"os"
	"unsafe"
)

// pageAligned returns a buffer of n bytes that starts at a page boundary,
// as the C yardstick's does (posix_memalign). Where a message's buffer
// starts is part of the work: on the project machine (AMD EPYC, 2 vCPUs)
// a 64 KiB message from and to a buffer 8 or 16 bytes past a 32-byte
// boundary cost the C program 1.6-2x the CPU time of a page-aligned one
// over UDS (stream and round trip) and over TCP, while offsets of 32, 48,
// 64 and 672 cost the same as 0: the kernel's copy from and to user
// memory is slow from such addresses. A Go slice of 64 KiB happens to
// start at a page, one of 100 B at a multiple of 16 only, and a C
// program's malloc gives whatever its heap holds; both peers now take
// their buffers here, and the C program from posix_memalign.
func pageAligned(n int) []byte {
	page := os.Getpagesize()
	b := make([]byte, n+page)
	off := (page - int(uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(page))) % page
	return b[off : off+n : off+n]
}
