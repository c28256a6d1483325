package uds_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sockdiag"
)

// The notes: a UDS needs "no TCP-like three-way handshake, no half-open or
// full connection queues". The test finds no handshake, but a queue: listen's
// backlog bounds the connections waiting for accept, as for TCP.
//
// Go's net.Listen always passes somaxconn as the backlog and net.Dial gives
// up on EAGAIN, so this note uses plain system calls.
// equiv: ss -xl  (Recv-Q: connections waiting, Send-Q: the backlog)
func TestU4_NoHandshakeButAnAcceptQueue(t *testing.T) {
	v := claims.Check(t, "U4")
	dir := socketDir(t)

	// listen(n) with nobody calling accept: how many connects get in?
	admitted := map[int]int{}
	for _, backlog := range []int{0, 1, 3} {
		path := filepath.Join(dir, fmt.Sprintf("backlog%d.sock", backlog))
		rawListen(t, path, backlog)
		for admitted[backlog] = 0; admitted[backlog] <= backlog+5; admitted[backlog]++ {
			if err := nonBlockingConnect(t, path); err != nil {
				require.ErrorIs(t, err, unix.EAGAIN, "connect #%d to listen(%d)", admitted[backlog]+1, backlog)
				break
			}
		}
		assert.Equal(t, backlog+1, admitted[backlog], "connects admitted by listen(%d) before EAGAIN", backlog)
	}

	// listen(1) again, this time looking at the first client and the queue.
	path := filepath.Join(dir, "demo.sock")
	lfd := rawListen(t, path, 1)
	listener := inodeOf(t, lfd)
	first := rawSocket(t, unix.SOCK_NONBLOCK)
	require.NoError(t, unix.Connect(first, &unix.SockaddrUnix{Name: path}),
		"a non-blocking connect completes at once: no handshake to wait for")
	_, err := unix.Write(first, []byte("sent before accept"))
	require.NoError(t, err, "the client can send before the server accepts")
	require.NoError(t, nonBlockingConnect(t, path), "second connect to listen(1)")
	require.ErrorIs(t, nonBlockingConnect(t, path), unix.EAGAIN, "third connect to listen(1)")

	clientInode := inodeOf(t, first)
	client, err := sockdiag.ByInode(clientInode, sockdiag.ShowPeer)
	require.NoError(t, err)
	queue, err := sockdiag.ByInode(listener, sockdiag.ShowIcons|sockdiag.ShowRQLen)
	require.NoError(t, err)
	assert.Equal(t, uint8(sockdiag.StateEstablished), client.State, "the client before any accept")
	// The server's end exists already, unnamed until accept gives it an
	// inode; the listener lists the clients that wait.
	assert.Zero(t, client.Peer, "the waiting server end has no inode before accept")
	assert.Contains(t, queue.Icons, clientInode, "the listener's queue lists the client")
	require.True(t, queue.HasRQLen, "sock_diag sent no UNIX_DIAG_RQLEN")
	assert.Equal(t, uint32(2), queue.RQueue, "Recv-Q: connections waiting for accept")
	assert.Equal(t, uint32(1), queue.WQueue, "Send-Q: the backlog")

	// A blocking connect to the full queue waits for room; SO_SNDTIMEO
	// bounds the wait, and then it too says EAGAIN.
	const timeout = 200 * time.Millisecond
	blocking := rawSocket(t, 0)
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	require.NoError(t, unix.SetsockoptTimeval(blocking, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv))
	start := time.Now()
	err = unix.Connect(blocking, &unix.SockaddrUnix{Name: path})
	waited := time.Since(start)
	assert.ErrorIs(t, err, unix.EAGAIN, "blocking connect to a full queue")
	assert.GreaterOrEqual(t, waited, timeout, "the blocking connect returned before SO_SNDTIMEO")

	// Accept now: the data sent before accept is there.
	sfd, _, err := unix.Accept(lfd)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(sfd) })
	buf := make([]byte, 64)
	n, err := unix.Read(sfd, buf)
	require.NoError(t, err)
	assert.Equal(t, "sent before accept", string(buf[:n]))
	accepted := inodeOf(t, sfd)
	after, err := sockdiag.ByInode(clientInode, sockdiag.ShowPeer)
	require.NoError(t, err)
	assert.Equal(t, accepted, after.Peer, "after accept the client's peer is the accepted socket")

	var counts []string
	for _, b := range slices.Sorted(maps.Keys(admitted)) {
		counts = append(counts, fmt.Sprintf("listen(%d) admitted %d", b, admitted[b]))
	}
	v.Refined("no handshake: connect returned 0 before any accept, client %d ESTABLISHED and sent %d B that accept's socket %d then read; "+
		"but an accept queue: %s, the next non-blocking connect EAGAIN; a blocking one waited %v (SO_SNDTIMEO %v) then EAGAIN; "+
		"sock_diag on listen(1): Recv-Q %d (waiting), Send-Q %d (backlog), queued inodes %v",
		clientInode, n, accepted, strings.Join(counts, ", "), waited.Round(time.Millisecond), timeout, queue.RQueue, queue.WQueue, queue.Icons)
}

// nonBlockingConnect connects a new non-blocking socket (kept open until
// cleanup) to path.
func nonBlockingConnect(t *testing.T, path string) error {
	fd := rawSocket(t, unix.SOCK_NONBLOCK)
	err := unix.Connect(fd, &unix.SockaddrUnix{Name: path})
	if err != nil && !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("connect(%s): %v, want success or EAGAIN", path, err)
	}
	return err
}

// inodeOf returns a socket's own inode, the number ss shows.
func inodeOf(t testing.TB, fd int) uint32 {
	t.Helper()
	ino, err := sockdiag.SocketInode(fd)
	if err != nil {
		t.Fatal(err)
	}
	return ino
}
