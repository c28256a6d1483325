package uds

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sockdiag"
	"netnotes/internal/wait"
)

// abstractNamesPerNetns is the privileged half of U7, set by
// sunpath_sudo_test.go (built with -tags sudo).
var abstractNamesPerNetns func(t *testing.T) AbstractNetnsFacts

// The notes' server copies its path into sun_path:
// `strcpy(serun.sun_path, socket_path)`. sun_path is 108 bytes: how long
// may the path be, and who says no?
func TestU7ThePathMustFitSunPath(t *testing.T) {
	v := claims.Check(t, "U7")
	dir := socketDir(t)
	if len(dir) > 90 {
		gate.Skip(t, "the temporary directory %q is too long to build 107-byte socket paths in: run with TMPDIR=/tmp", dir)
	}
	var f SunPathFacts
	observePathLengths(t, dir, &f)
	observeAbstractName(t, dir, &f)

	f.NetnsNotObserved = "needs network namespaces: run " + gate.RunPrivileged
	t.Run("abstract names belong to a network namespace", func(t *testing.T) {
		if abstractNamesPerNetns == nil {
			gate.Skip(t, "%s", f.NetnsNotObserved)
		}
		n := abstractNamesPerNetns(t)
		f.Netns, f.NetnsNotObserved = &n, ""
	})

	claims.Judge(v, f, judgeSunPath)
}

// observePathLengths binds and connects paths of 107, 108 and 109 bytes
// in dir, through Go, x/sys, syscall and the kernel itself.
func observePathLengths(t *testing.T, dir string, f *SunPathFacts) {
	t.Helper()
	pathOfLen := func(n int) string { return dir + "/" + strings.Repeat("s", n-len(dir)-1) }
	p107, p108, p109 := pathOfLen(107), pathOfLen(108), pathOfLen(109)

	// 107 bytes and the NUL fill sun_path: does Go bind and dial it?
	l, err := net.Listen("unix", p107)
	f.Listen107 = errnoName(err)
	if err == nil {
		t.Cleanup(func() { l.Close() })
		c, err := net.Dial("unix", p107)
		f.Dial107 = errnoName(err)
		if err == nil {
			c.Close()
		}
	}

	// 108 bytes through the libraries. Which layer says no? On an fd that
	// is not a socket, the kernel answers ENOTSOCK: a library that answers
	// something else there never made the system call.
	if _, err := net.Listen("unix", p108); err != nil {
		f.GoListen108 = strings.Replace(err.Error(), p108, "(108-byte path)", 1)
	} else {
		f.GoListen108 = "ok"
	}
	notSocket, err := os.Open(os.DevNull)
	require.NoError(t, err)
	t.Cleanup(func() { notSocket.Close() })
	nfd := int(notSocket.Fd())
	f.Kernel107OnDevNull = errnoName(unix.Bind(nfd, &unix.SockaddrUnix{Name: p107}))
	f.XSys108OnDevNull = errnoName(unix.Bind(nfd, &unix.SockaddrUnix{Name: p108}))
	f.Syscall108OnDevNull = errnoName(syscall.Bind(nfd, &syscall.SockaddrUnix{Name: p108}))

	// The kernel itself: sun_path holding the whole path, no NUL, addrlen
	// covering it (110 = sizeof(sockaddr_un) for 108 bytes).
	s108 := rawSocket(t, 0)
	err = rawBind(s108, p108)
	f.Kernel108 = errnoName(err)
	if err == nil {
		require.NoError(t, unix.Listen(s108, 1))
		f.Kernel108File, _ = fileType(t, p108)
		f.Kernel108Connect = errnoName(rawConnect(rawSocket(t, 0), p108))
	}
	f.Kernel109 = errnoName(rawBind(rawSocket(t, 0), p109))
}

// observeAbstractName asks whether sock_diag names a file for an
// abstract name (sun_path starting with NUL), as it does for a path
// socket in dir, and whether /proc/net/unix (netstat's source) lists it
// with '@', and not after its close.
func observeAbstractName(t *testing.T, dir string, f *SunPathFacts) {
	t.Helper()
	f.Abstract = "@" + abstractName("u7")
	al, err := net.Listen("unix", f.Abstract)
	require.NoError(t, err)
	fdOf(t, al.(*net.UnixListener), func(fd int) { f.AbstractInode = inodeOf(t, fd) })
	abstract, err := sockdiag.ByInode(f.AbstractInode, sockdiag.ShowName|sockdiag.ShowVFS)
	require.NoError(t, err)
	require.Equal(t, f.Abstract, abstract.Name, "sock_diag's name for the abstract socket")
	f.AbstractHasFile = abstract.VFS != nil
	path := rawListen(t, filepath.Join(dir, "control.sock"), 1)
	withFile, err := sockdiag.ByInode(inodeOf(t, path), sockdiag.ShowName|sockdiag.ShowVFS)
	require.NoError(t, err)
	f.PathHasFile = withFile.VFS != nil
	f.AbstractListed, err = procNetUnix(f.Abstract)
	require.NoError(t, err)
	require.NoError(t, al.Close())
	f.AbstractGone = wait.Until(2*time.Second, func() error {
		if in, err := procNetUnix(f.Abstract); err != nil || len(in) > 0 {
			return fmt.Errorf("still listed %v (%v)", in, err)
		}
		return nil
	}) == nil
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
