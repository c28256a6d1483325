package uds_test

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes' server calls unlink on its .sock path before bind. Why: the
// file outlives the socket, and bind will not reuse a path that exists.
// equiv: ./server; kill it; ./server again   (bind: Address already in use)
func TestU6_TheSocketFileOutlivesItsSocket(t *testing.T) {
	v := claims.Check(t, "U6")
	dir := socketDir(t)
	path := filepath.Join(dir, "uds_demo.sock")
	addr := &unix.SockaddrUnix{Name: path}

	// A server that exits without unlinking leaves its file behind.
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
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(path, &st), "the file after close")
	assert.Equal(t, uint32(unix.S_IFSOCK), st.Mode&unix.S_IFMT)

	// Nobody listens behind it: connect is refused, not "no such file".
	stale := unix.Connect(rawSocket(t, 0), addr)
	assert.ErrorIs(t, stale, unix.ECONNREFUSED, "connect to the stale file")

	// And the next server cannot bind there...
	next := rawSocket(t, 0)
	inUse := unix.Bind(next, addr)
	assert.ErrorIs(t, inUse, unix.EADDRINUSE, "bind over the stale file")
	// ...until it unlinks first, as the notes' server does.
	require.NoError(t, unix.Unlink(path))
	require.NoError(t, unix.Bind(next, addr), "bind after unlink")
	require.NoError(t, unix.Listen(next, 5))

	// Unlinking the file of a live listener cuts only the way in.
	client := rawSocket(t, 0)
	require.NoError(t, unix.Connect(client, addr))
	server, _, err := unix.Accept(next)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(server) })
	require.NoError(t, unix.Unlink(path))
	_, err = unix.Write(client, []byte("still here"))
	require.NoError(t, err, "write on an established connection after unlink")
	buf := make([]byte, 32)
	n, err := unix.Read(server, buf)
	require.NoError(t, err)
	assert.Equal(t, "still here", string(buf[:n]))
	gone := unix.Connect(rawSocket(t, 0), addr)
	assert.ErrorIs(t, gone, unix.ENOENT, "connect after the listener's file was unlinked")

	// Go's listener unlinks its own file on Close, unless told not to.
	goPath := filepath.Join(dir, "go.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: goPath, Net: "unix"})
	require.NoError(t, err)
	require.NoError(t, l.Close())
	_, goErr := os.Lstat(goPath)
	assert.ErrorIs(t, goErr, fs.ErrNotExist, "Go's UnixListener.Close unlinks")
	l, err = net.ListenUnix("unix", &net.UnixAddr{Name: goPath, Net: "unix"})
	require.NoError(t, err)
	l.SetUnlinkOnClose(false)
	require.NoError(t, l.Close())
	_, keptErr := os.Lstat(goPath)
	assert.NoError(t, keptErr, "SetUnlinkOnClose(false) keeps the file")
	_, err = net.DialTimeout("unix", goPath, time.Second)
	assert.ErrorIs(t, err, unix.ECONNREFUSED, "dial the file Go kept")

	v.Confirmed("after close the file stays (S_IFSOCK, inode %d): connect %s, bind %s; unlink then bind works; "+
		"unlinking a live listener's file: the established connection still carried %d B, new connects %s; "+
		"Go's UnixListener.Close unlinks (%s) unless SetUnlinkOnClose(false)",
		st.Ino, errnoName(stale), errnoName(inUse), n, errnoName(gone), errnoName(goErr))
}
