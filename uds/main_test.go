package uds

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/errno"
)

// After a full run, fail when a claim of the chapter has no registered
// judge, or no refuting case of that judge ran.
func TestMain(m *testing.M) { os.Exit(claims.Main(m, "uds")) }

// socketDir makes a short directory for socket files, removed at cleanup.
// (t.TempDir's path embeds the test name and can overflow sun_path.)
func socketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nn")
	if err != nil {
		t.Fatalf("making a socket directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var abstractSeq atomic.Uint64

// abstractName returns an abstract socket name no other process uses.
func abstractName(role string) string {
	return "netnotes-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(abstractSeq.Add(1), 10) + "-" + role
}

// errnoName names the errno inside err ("EACCES"), or returns err's text;
// "ok" is success.
func errnoName(err error) string { return errno.Name(err, "ok") }

// fdOf runs fn with the file descriptor of a net socket.
func fdOf(t testing.TB, c syscall.Conn, fn func(fd int)) {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatalf("SyscallConn: %v", err)
	}
	if err := raw.Control(func(fd uintptr) { fn(int(fd)) }); err != nil {
		t.Fatalf("Control: %v", err)
	}
}

// rawSocket makes an AF_UNIX stream socket with plain system calls, closed
// at cleanup. Do not close it before: its number may be reused by then.
func rawSocket(t testing.TB, flags int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|flags, 0)
	if err != nil {
		t.Fatalf("socket(AF_UNIX, SOCK_STREAM): %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// rawListen binds path and listens with backlog, as uds_server.c does.
// socket(AF_UNIX), bind(path), listen(backlog), as the notes' C server does.
func rawListen(t testing.TB, path string, backlog int) int {
	t.Helper()
	fd := rawSocket(t, 0)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatalf("bind(%s): %v", path, err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		t.Fatalf("listen(%d): %v", backlog, err)
	}
	return fd
}

// procNetUnix returns the inodes /proc/thread-self/net/unix lists for a
// name (a path, or "@name"), the file netstat reads. Read it on the thread
// whose namespace matters (inside NS.Do, say).
func procNetUnix(name string) ([]uint64, error) {
	b, err := os.ReadFile("/proc/thread-self/net/unix")
	if err != nil {
		return nil, err
	}
	var inodes []uint64
	// Num RefCount Protocol Flags Type St Inode Path
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 8 && f[7] == name {
			ino, err := strconv.ParseUint(f[6], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("inode column of %q: %w", line, err)
			}
			inodes = append(inodes, ino)
		}
	}
	return inodes, nil
}

// peerCred reads SO_PEERCRED: the pid, uid and gid the kernel recorded for
// the peer when it called connect (a TCP socket answers too, with what it
// knows). Safe off the test goroutine.
func peerCred(c syscall.Conn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, credErr
}
