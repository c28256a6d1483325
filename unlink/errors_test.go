package unlink

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: "unlink deletes one file at a time and cannot delete
// directories; rm can delete files or directories in bulk."
func TestN5UnlinkTakesOneFileAndNoDirectory(t *testing.T) {
	v := claims.Check(t, "N5")
	facts := observeOneFile(t, t.TempDir())
	claims.Judge(v, facts, judgeOneFile)
}

// observeOneFile tries unlink(2) on what is not one file, a socket file,
// and the commands on several operands, under base.
func observeOneFile(t *testing.T, base string) OneFileFacts {
	t.Helper()
	empty, full := filepath.Join(base, "empty"), filepath.Join(base, "full")
	require.NoError(t, os.Mkdir(empty, 0o755))
	require.NoError(t, os.Mkdir(full, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(full, "f"), nil, 0o644))

	errDir := unix.Unlink(empty)
	errFull := unix.Unlinkat(unix.AT_FDCWD, full, unix.AT_REMOVEDIR)
	errMissing := unix.Unlink(filepath.Join(base, "missing"))
	// Control: the directory unlink refused is removable, by rmdir.
	errRmdir := unix.Rmdir(empty)

	// A socket file made by bind is just a name: unlink removes it like any
	// file, and new connects no longer find the listener.
	sock := boundSocket(t)
	require.NoError(t, connectUnix(t, sock.path), "connect to a fresh listener")
	errSockUnlink := unix.Unlink(sock.path)
	errConnectAfter := connectUnix(t, sock.path)
	_, _, errAccept := unix.Accept4(sock.fd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)

	f := OneFileFacts{
		UnlinkDir:     errnoName(errDir),
		RmdirFull:     errnoName(errFull),
		UnlinkMissing: errnoName(errMissing),
		RmdirEmpty:    errnoName(errRmdir),
		SocketUnlink:  errnoName(errSockUnlink),
		ConnectAfter:  errnoName(errConnectAfter),
		AcceptAfter:   errnoName(errAccept),
	}
	commandsTakeOneOrMany(t, base, &f)
	return f
}

type listener struct {
	fd   int
	path string
}

// boundSocket makes a listening Unix socket with raw calls (Go's listener
// would unlink its file on close) in a short directory of its own.
func boundSocket(t *testing.T) listener {
	t.Helper()
	dir, err := os.MkdirTemp("", "nn")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Close(fd) })
	require.NoError(t, unix.Bind(fd, &unix.SockaddrUnix{Name: path}))
	require.NoError(t, unix.Listen(fd, 4))
	return listener{fd, path}
}

// connectUnix connects a new socket to path and returns connect's error.
func connectUnix(t *testing.T, path string) error {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Close(fd) })
	return unix.Connect(fd, &unix.SockaddrUnix{Name: path})
}

// commandsTakeOneOrMany runs the commands themselves where they exist:
// `unlink a b`, then `rm -r a b full`.
func commandsTakeOneOrMany(t *testing.T, base string, f *OneFileFacts) {
	t.Helper()
	unlinkCmd, errU := exec.LookPath("unlink")
	rm, errR := exec.LookPath("rm")
	if errU != nil || errR != nil {
		return
	}
	f.CommandsRun = true
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	a, b, full := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "full")
	require.NoError(t, os.WriteFile(a, nil, 0o644))
	require.NoError(t, os.WriteFile(b, nil, 0o644))
	if missing(full) {
		require.NoError(t, os.Mkdir(full, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(full, "g"), nil, 0o644))

	unlinkOut, unlinkErr := runUntraced(ctx, base, unlinkCmd, "a", "b")
	f.UnlinkTwo = firstLine(unlinkOut) + " (" + errString(unlinkErr) + ")"
	f.UnlinkTwoFailed = unlinkErr != nil
	f.UnlinkTwoKept = !missing(a) && !missing(b)
	_, rmErr := runUntraced(ctx, base, rm, "-r", "a", "b", "full")
	f.RmMany = errString(rmErr)
	f.RmManyRemovedAll = missing(a) && missing(b) && missing(full)
}

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}
