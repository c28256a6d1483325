package sockdiag_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/sockdiag"
)

// A listener on a path: sock_diag names it, reports the file's inode and
// device as stat sees them, and finds it again in a dump.
func TestByInodeReportsTheBoundFile(t *testing.T) {
	dir, err := os.MkdirTemp("", "nn")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "diag.sock")
	l, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })

	var inode uint32
	raw, err := l.(*net.UnixListener).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, raw.Control(func(fd uintptr) { inode, err = sockdiag.SocketInode(int(fd)) }))
	require.NoError(t, err)

	s, err := sockdiag.ByInode(inode, sockdiag.ShowAll)
	require.NoError(t, err)
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))

	assert.Equal(t, inode, s.Inode)
	assert.Equal(t, uint8(sockdiag.StateListen), s.State)
	assert.Equal(t, path, s.Name)
	require.NotNil(t, s.VFS)
	assert.Equal(t, uint32(st.Ino), s.VFS.Ino)
	assert.Equal(t, unix.Major(st.Dev), s.VFS.Major())
	assert.Equal(t, unix.Minor(st.Dev), s.VFS.Minor())
	assert.True(t, s.HasRQLen)

	all, err := sockdiag.Dump(sockdiag.ShowName)
	require.NoError(t, err)
	found := false
	for _, d := range all {
		found = found || (d.Inode == inode && d.Name == path)
	}
	assert.True(t, found, "listener inode %d not in a dump of %d sockets", inode, len(all))
}

// An inode no socket has: the kernel says ENOENT, and so do we.
func TestByInodeOfNoSocket(t *testing.T) {
	_, err := sockdiag.ByInode(^uint32(0)-1, sockdiag.ShowName)
	assert.ErrorIs(t, err, unix.ENOENT)
}
