//go:build linux && sudo

package uds_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// nobody is the user the other client runs as.
var nobody = &syscall.Credential{Uid: 65534, Gid: 65534}

// The notes: "compared with TCP/UDP sockets, UDS is more efficient and more
// secure". The security half: connect needs write permission on the socket
// file, so file modes decide who may talk to a server; and the server learns
// from the kernel who is talking (SO_PEERCRED), with no password exchanged.
// equiv: chmod 600 /run/x.sock; sudo -u nobody socat - UNIX-CONNECT:/run/x.sock
func TestU9_FilePermissionsGateConnect(t *testing.T) {
	v := claims.Check(t, "U9")
	gate.MustSwitchUser(t)
	dir := socketDir(t)
	// Let everyone reach the directory: only the socket's own mode decides.
	require.NoError(t, os.Chmod(dir, 0o755))
	path := filepath.Join(dir, "root-only.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	require.NoError(t, os.Chmod(path, 0o600))
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	require.Equal(t, uint32(0), st.Uid, "owner of %s", path)

	creds := make(chan *unix.Ucred, 4)
	go func() {
		for {
			c, err := l.AcceptUnix()
			if err != nil {
				return
			}
			cred, err := peerCred(c)
			if err != nil {
				cred = nil
			}
			creds <- cred
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64)
			if _, err := c.Read(buf); err == nil {
				_, _ = c.Write([]byte("Hello from server!"))
			}
			c.Close()
		}
	}()
	nextCred := func() *unix.Ucred {
		select {
		case c := <-creds:
			require.NotNil(t, c, "SO_PEERCRED failed")
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("the server accepted nothing in 10s")
			return nil
		}
	}

	// uid 65534 against the root-owned 0600 file: refused.
	refused := runClient(t, path, nobody)
	require.Equal(t, int(nobody.Uid), refused.UID, "the client's uid")
	require.Equal(t, []string{"connect: EACCES"}, refused.Lines, "uid 65534 on a 0600 root socket")
	// Control: root, the owner, gets in.
	owner := runClient(t, path, nil)
	assert.Contains(t, owner.Lines, "Received from server: Hello from server!", "root on its own 0600 socket")
	ownerCred := nextCred()
	// Control: the same uid 65534 once the mode lets others write.
	require.NoError(t, os.Chmod(path, 0o666))
	allowed := runClient(t, path, nobody)
	assert.Contains(t, allowed.Lines, "Received from server: Hello from server!", "uid 65534 on a 0666 socket")
	cred := nextCred()

	assert.Equal(t, int32(allowed.PID), cred.Pid, "SO_PEERCRED pid")
	assert.Equal(t, nobody.Uid, cred.Uid, "SO_PEERCRED uid")
	assert.Equal(t, nobody.Gid, cred.Gid, "SO_PEERCRED gid")
	assert.Equal(t, int32(owner.PID), ownerCred.Pid)
	assert.Equal(t, uint32(0), ownerCred.Uid)

	v.Confirmed("socket file root:root 0600: uid 65534 (pid %d) got %s, root (pid %d) connected; after chmod 0666 uid 65534 connected "+
		"and the server read SO_PEERCRED pid=%d uid=%d gid=%d (the client said pid=%d uid=%d gid=%d); root's: pid=%d uid=%d gid=%d",
		refused.PID, strings.TrimPrefix(refused.Lines[0], "connect: "), owner.PID,
		cred.Pid, cred.Uid, cred.Gid, allowed.PID, allowed.UID, allowed.GID, ownerCred.Pid, ownerCred.Uid, ownerCred.Gid)
}
