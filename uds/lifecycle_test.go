package uds

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes' server calls unlink on its .sock path before bind. Why: the
// file outlives the socket, and bind will not reuse a path that exists.
func TestU6TheSocketFileOutlivesItsSocket(t *testing.T) {
	v := claims.Check(t, "U6")
	dir := socketDir(t)
	path := filepath.Join(dir, "uds_demo.sock")
	addr := &unix.SockaddrUnix{Name: path}
	var f LifecycleFacts

	// A server that exits without unlinking: what does it leave behind?
	old, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			unix.Close(old)
		}
	})
	require.NoError(t, unix.Bind(old, addr))
	require.NoError(t, unix.Listen(old, 5))
	closed = true
	require.NoError(t, unix.Close(old))
	f.AfterClose, f.Inode = fileType(t, path)
	// Nobody listens behind it: what does connect say?
	f.ConnectStale = errnoName(unix.Connect(rawSocket(t, 0), addr))
	// And the next server's bind, before and after unlinking the path.
	next := rawSocket(t, 0)
	f.BindOver = errnoName(unix.Bind(next, addr))
	if err := unix.Unlink(path); err != nil && !errors.Is(err, unix.ENOENT) {
		t.Fatalf("unlink %s: %v", path, err)
	}
	f.BindUnlinked = errnoName(unix.Bind(next, addr))

	// Unlinking the file of a live listener (one of its own, on another
	// path): the established connection, and a new connect.
	livePath := filepath.Join(dir, "live.sock")
	live := rawListen(t, livePath, 5)
	client := rawSocket(t, 0)
	require.NoError(t, unix.Connect(client, &unix.SockaddrUnix{Name: livePath}))
	server, _, err := unix.Accept(live)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(server) })
	require.NoError(t, unix.Unlink(livePath))
	f.CarriedAfterUnlink = errnoName(carry(client, server, "still here"))
	f.ConnectUnlinked = errnoName(unix.Connect(rawSocket(t, 0), &unix.SockaddrUnix{Name: livePath}))

	// Go's listener unlinks its own file on Close, unless told not to.
	goPath := filepath.Join(dir, "go.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: goPath, Net: "unix"})
	require.NoError(t, err)
	require.NoError(t, l.Close())
	f.GoCloseLeaves, _ = fileType(t, goPath)
	if f.GoCloseLeaves != "none" {
		require.NoError(t, os.Remove(goPath))
	}
	l, err = net.ListenUnix("unix", &net.UnixAddr{Name: goPath, Net: "unix"})
	require.NoError(t, err)
	l.SetUnlinkOnClose(false)
	require.NoError(t, l.Close())
	f.GoKeptLeaves, _ = fileType(t, goPath)
	_, err = net.DialTimeout("unix", goPath, time.Second)
	f.GoDialKept = errnoName(err)

	claims.Judge(v, f, judgeLifecycle)
}

// carry writes msg on one end of a connection and reads it on the other:
// nil if it arrived whole.
func carry(from, to int, msg string) error {
	if _, err := unix.Write(from, []byte(msg)); err != nil {
		return err
	}
	buf := make([]byte, len(msg)+16)
	n, err := unix.Read(to, buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != msg {
		return fmt.Errorf("read %q, wrote %q", buf[:n], msg)
	}
	return nil
}
