package uds_test

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sockdiag"
	"netnotes/internal/wait"
)

// abstractNamesPerNetns is the privileged half of U7, set by
// sunpath_sudo_test.go (built with -tags sudo). It returns its evidence.
var abstractNamesPerNetns func(t *testing.T) string

// The notes' server copies its path into sun_path:
// `strcpy(serun.sun_path, socket_path)`. sun_path is 108 bytes: how long
// may the path be, and who says no?
// equiv: python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("/tmp/" + "s"*103)'
func TestU7_ThePathMustFitSunPath(t *testing.T) {
	v := claims.Check(t, "U7")
	dir := socketDir(t)
	if len(dir) > 90 {
		gate.Skip(t, "the temporary directory %q is too long to build 107-byte socket paths in: run with TMPDIR=/tmp", dir)
	}
	pathOfLen := func(n int) string { return dir + "/" + strings.Repeat("s", n-len(dir)-1) }
	p107, p108, p109 := pathOfLen(107), pathOfLen(108), pathOfLen(109)

	// 107 bytes and the NUL fill sun_path: Go binds and dials it.
	l, err := net.Listen("unix", p107)
	require.NoError(t, err, "listen on a 107-byte path")
	t.Cleanup(func() { l.Close() })
	c, err := net.Dial("unix", p107)
	require.NoError(t, err, "dial a 107-byte path")
	c.Close()

	// 108 bytes: Go refuses, and its error says "bind", but no bind(2)
	// happened. Proof: on an fd that is not a socket, the kernel answers
	// ENOTSOCK; for the 108-byte path the libraries answer EINVAL instead.
	_, goErr := net.Listen("unix", p108)
	require.Error(t, goErr, "net.Listen on a 108-byte path")
	notSocket, err := os.Open(os.DevNull)
	require.NoError(t, err)
	t.Cleanup(func() { notSocket.Close() })
	nfd := int(notSocket.Fd())
	kernelSays := unix.Bind(nfd, &unix.SockaddrUnix{Name: p107})
	xsysSays := unix.Bind(nfd, &unix.SockaddrUnix{Name: p108})
	syscallSays := syscall.Bind(nfd, &syscall.SockaddrUnix{Name: p108})
	assert.ErrorIs(t, kernelSays, unix.ENOTSOCK, "x/sys/unix bind 107 B on /dev/null: the kernel's answer")
	assert.ErrorIs(t, xsysSays, unix.EINVAL, "x/sys/unix bind 108 B on /dev/null")
	assert.ErrorIs(t, syscallSays, syscall.EINVAL, "syscall bind 108 B on /dev/null")
	assert.ErrorIs(t, goErr, syscall.EINVAL, "net.Listen 108 B")

	// The kernel itself: addrlen may be sizeof(sockaddr_un) = 110, a full
	// 108-byte sun_path with no NUL. One byte more and it says EINVAL.
	s108 := rawSocket(t, 0)
	require.NoError(t, rawBind(s108, p108), "bind(2) with a 108-byte path and no NUL")
	require.NoError(t, unix.Listen(s108, 1))
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(p108, &st), "the file of the 108-byte bind")
	assert.Equal(t, uint32(unix.S_IFSOCK), st.Mode&unix.S_IFMT)
	require.NoError(t, rawConnect(rawSocket(t, 0), p108), "connect(2) to the 108-byte path")
	kernel109 := rawBind(rawSocket(t, 0), p109)
	assert.ErrorIs(t, kernel109, unix.EINVAL, "bind(2) with a 109-byte path")

	// An abstract name (sun_path starting with NUL) makes no file: sock_diag
	// finds no VFS inode, where a path socket has one, and /proc/net/unix
	// (netstat's source) shows it with '@'.
	name := abstractName("u7")
	al, err := net.Listen("unix", "@"+name)
	require.NoError(t, err)
	var abstractInode uint32
	fdOf(t, al.(*net.UnixListener), func(fd int) { abstractInode = inodeOf(t, fd) })
	abstract, err := sockdiag.ByInode(abstractInode, sockdiag.ShowName|sockdiag.ShowVFS)
	require.NoError(t, err)
	var pathInode uint32
	fdOf(t, l.(*net.UnixListener), func(fd int) { pathInode = inodeOf(t, fd) })
	withFile, err := sockdiag.ByInode(pathInode, sockdiag.ShowName|sockdiag.ShowVFS)
	require.NoError(t, err)
	listed, err := procNetUnix("@" + name)
	require.NoError(t, err)
	assert.Equal(t, "@"+name, abstract.Name)
	assert.Nil(t, abstract.VFS, "an abstract socket has no file")
	assert.NotNil(t, withFile.VFS, "the 107-byte path socket has a file")
	assert.Equal(t, []uint64{uint64(abstractInode)}, listed, "/proc/net/unix lines for @%s", name)
	// It goes with the last close: nothing to unlink.
	require.NoError(t, al.Close())
	wait.For(t, 2*time.Second, "@"+name+" to leave /proc/net/unix", func() error {
		if in, err := procNetUnix("@" + name); err != nil || len(in) > 0 {
			return fmt.Errorf("still listed %v (%v)", in, err)
		}
		return nil
	})

	scoping := "netns scoping not checked (needs -tags sudo and root)"
	t.Run("abstract names belong to a network namespace", func(t *testing.T) {
		if abstractNamesPerNetns == nil {
			gate.Skip(t, "needs network namespaces: run %s", gate.RunPrivileged)
		}
		scoping = abstractNamesPerNetns(t)
	})

	v.Refined("107 B path: listen and dial work; 108 B: Go's net says %q and x/sys/unix EINVAL, both before any syscall "+
		"(on /dev/null the kernel answers 107 B with %s, the libraries answer 108 B with %s); the kernel itself binds and connects "+
		"a 108 B path without NUL (addrlen 110, file created) and refuses 109 B with %s; abstract @%s: no file (no UNIX_DIAG_VFS), "+
		"/proc/net/unix lists @name with inode %d, gone after close; %s",
		strings.Replace(goErr.Error(), p108, "<108 B path>", 1), errnoName(kernelSays), errnoName(xsysSays), errnoName(kernel109), name, abstractInode, scoping)
}

// rawBind calls bind(2) with sun_path holding exactly path, no NUL, and
// addrlen covering it: what the kernel accepts, whatever libraries check.
func rawBind(fd int, path string) error { return rawAddrCall(unix.SYS_BIND, fd, path) }

// rawConnect is rawBind for connect(2).
func rawConnect(fd int, path string) error { return rawAddrCall(unix.SYS_CONNECT, fd, path) }

func rawAddrCall(trap uintptr, fd int, path string) error {
	addr := make([]byte, 2+len(path))
	binary.NativeEndian.PutUint16(addr, unix.AF_UNIX)
	copy(addr[2:], path)
	_, _, errno := unix.Syscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&addr[0])), uintptr(len(addr)))
	if errno != 0 {
		return errno
	}
	return nil
}
