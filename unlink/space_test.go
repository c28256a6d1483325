package unlink

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// This note needs root only to mount its own tmpfs, and that mount is
// detached (held by a descriptor, in no mount table), so it is not behind the
// sudo build tag: an ordinary `go test ./...` lists it as skipped, with the
// command to run it.

// The notes: "When the link count reaches 0 and no process has the file
// open, the kernel reclaims its disk space."
func TestN2SpaceIsReclaimedAtZeroLinksAndLastClose(t *testing.T) {
	v := claims.Check(t, "N2")
	gate.Feature(t, "a private tmpfs mount (CAP_SYS_ADMIN)", func() error {
		root, err := sandbox.DetachedMount("tmpfs", map[string]string{"size": "1m"})
		if err != nil {
			return err
		}
		return root.Close()
	}, gate.CapSysAdmin)
	root := sandbox.Mount(t, "tmpfs", map[string]string{"size": "64m"})
	facts := observeSpace(t, root)
	claims.Judge(v, facts, judgeSpace)
}

// observeSpace follows a 24 MiB file's space on the (private, empty) tmpfs
// at root: written, unlinked while open, closed; and, as the control, a
// file closed while another name is left. Every call goes through root's
// descriptor (statfs is fstatfs on it, unlink is unlinkat).
func observeSpace(t *testing.T, root *os.Root) SpaceFacts {
	t.Helper()
	const size = 24 << 20
	block := bytes.Repeat([]byte("netnotes N2 "), 4096/12+1)[:4096]
	free := func() int64 {
		var st unix.Statfs_t
		dir, err := root.Open(".")
		require.NoError(t, err)
		defer dir.Close()
		require.NoError(t, unix.Fstatfs(int(dir.Fd()), &st))
		return int64(st.Bfree) * st.Bsize
	}
	empty := free()

	// The subject: written, kept open, unlinked.
	big := createFilled(t, root, "big", size, block)
	written := free()
	require.NoError(t, root.Remove("big"))
	var st unix.Stat_t
	require.NoError(t, unix.Fstat(int(big.Fd()), &st))
	fdLink, err := os.Readlink(fmt.Sprintf("/proc/thread-self/fd/%d", big.Fd()))
	require.NoError(t, err)
	tail := make([]byte, len(block))
	_, err = big.ReadAt(tail, size-int64(len(block)))
	require.NoError(t, err)
	unlinkedOpen := free()
	require.NoError(t, big.Close())
	// tmpfs frees at the last iput, which may lag the close a little: poll,
	// and keep what was seen if the space never comes back.
	start := time.Now()
	_ = wait.Until(5*time.Second, func() error {
		if got := free(); got != empty {
			return fmt.Errorf("free %d, empty tmpfs had %d", got, empty)
		}
		return nil
	})
	closed, waited := free(), time.Since(start)

	// Negative control: the last close alone is not enough while another
	// name keeps the link count at 1.
	kept := createFilled(t, root, "kept", size, block)
	require.NoError(t, root.Link("kept", "kept.other"))
	require.NoError(t, root.Remove("kept"))
	require.NoError(t, kept.Close())
	closedLinked := free()

	require.Equal(t, int64(size), empty-written, "writing %d bytes takes that much of the tmpfs (the harness's premise)", size)
	return SpaceFacts{
		FileMiB:       size >> 20,
		FreeEmpty:     empty >> 20,
		FreeWritten:   written >> 20,
		NlinkOpen:     uint64(st.Nlink),
		FdLink:        fdLink,
		DataReadable:  bytes.Equal(block, tail),
		FreeUnlinked:  unlinkedOpen >> 20,
		FreeClosed:    closed >> 20,
		ClosedWaitMs:  waited.Milliseconds(),
		FreeOtherName: closedLinked >> 20,
	}
}

// createFilled creates name under root and fills it with size bytes of
// block, closing it at cleanup unless the test closes it first.
func createFilled(t *testing.T, root *os.Root, name string, size int, block []byte) *os.File {
	t.Helper()
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	for written := 0; written < size; written += len(block) {
		_, err := f.Write(block)
		require.NoError(t, err)
	}
	return f
}
