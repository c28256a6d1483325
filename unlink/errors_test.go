package unlink_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: "unlink deletes one file at a time and cannot delete
// directories; rm can delete files or directories in bulk."
//
// equiv: unlink dir; rmdir full; unlink missing; unlink s.sock (a bound socket); unlink a b; rm -r a b full
func TestN5UnlinkTakesOneFileAndNoDirectory(t *testing.T) {
	v := claims.Check(t, "N5")
	base := t.TempDir()
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
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(sock.path, &st))
	errConnectBefore := connectUnix(t, sock.path)
	errSockUnlink := unix.Unlink(sock.path)
	errConnectAfter := connectUnix(t, sock.path)
	_, _, errAccept := unix.Accept4(sock.fd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)

	assert.ErrorIs(t, errDir, unix.EISDIR, "unlink of a directory")
	assert.ErrorIs(t, errFull, unix.ENOTEMPTY, "AT_REMOVEDIR on a non-empty directory")
	assert.ErrorIs(t, errMissing, unix.ENOENT)
	assert.NoError(t, errRmdir)
	assert.Equal(t, uint32(unix.S_IFSOCK), st.Mode&unix.S_IFMT, "bind made a socket file")
	assert.NoError(t, errConnectBefore)
	assert.NoError(t, errSockUnlink)
	assert.ErrorIs(t, errConnectAfter, unix.ENOENT, "connect after the unlink")
	assert.NoError(t, errAccept, "the listener lives on and still holds the earlier connection")
	commands := commandsTakeOneOrMany(t, base)
	if t.Failed() {
		return
	}
	v.Confirmed("unlink(dir) = %s; unlinkat(full, AT_REMOVEDIR) = %s; unlink(missing) = %s; rmdir(dir) = %s; "+
		"socket file (S_IFSOCK): connect = %s, unlink = %s, connect = %s, earlier connection still accepted (%s); %s",
		errnoName(errDir), errnoName(errFull), errnoName(errMissing), errnoName(errRmdir),
		errnoName(errConnectBefore), errnoName(errSockUnlink), errnoName(errConnectAfter), errnoName(errAccept), commands)
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
// unlink refuses a second operand, rm -r takes files and directories at once.
func commandsTakeOneOrMany(t *testing.T, base string) string {
	t.Helper()
	unlinkCmd, errU := exec.LookPath("unlink")
	rm, errR := exec.LookPath("rm")
	if errU != nil || errR != nil {
		return "(unlink or rm not on PATH: the commands were not run)"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b, full := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "full")
	require.NoError(t, os.WriteFile(a, nil, 0o644))
	require.NoError(t, os.WriteFile(b, nil, 0o644))

	unlinkOut, unlinkErr := runUntraced(ctx, base, unlinkCmd, "a", "b")
	bothKept := !missing(a) && !missing(b)
	_, rmErr := runUntraced(ctx, base, rm, "-r", "a", "b", "full")

	assert.Error(t, unlinkErr, "unlink with two operands")
	assert.True(t, bothKept, "unlink a b removes neither")
	assert.NoError(t, rmErr)
	assert.True(t, missing(a) && missing(b) && missing(full), "rm -r a b full removes all three")
	return "`unlink a b`: " + firstLine(unlinkOut) + " (" + errString(unlinkErr) + "), both kept; `rm -r a b full`: all three gone"
}

func errString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}
