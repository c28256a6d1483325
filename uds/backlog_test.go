package uds

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
	"netnotes/internal/sockdiag"
)

// The notes: a UDS needs "no TCP-like three-way handshake, no half-open or
// full connection queues". The test looks for both: does connect complete
// with nobody accepting, and does anything bound the connections waiting
// for accept? (Here: no handshake, but a queue: listen's backlog.)
//
// Go's net.Listen always passes somaxconn as the backlog and net.Dial gives
// up on EAGAIN, so this note uses plain system calls.
func TestU4NoHandshakeButAnAcceptQueue(t *testing.T) {
	v := claims.Check(t, "U4")
	dir := socketDir(t)
	var f BacklogFacts

	// listen(n) with nobody calling accept: how many connects get in?
	for _, backlog := range []int{0, 1, 3} {
		path := filepath.Join(dir, fmt.Sprintf("backlog%d.sock", backlog))
		rawListen(t, path, backlog)
		a := Admission{Backlog: backlog, Tried: backlog + 6}
		for range a.Tried {
			if err := nonBlockingConnect(t, path); err != nil {
				a.Then = errnoName(err)
				break
			}
			a.Admitted++
		}
		f.Admissions = append(f.Admissions, a)
	}

	// listen(1) again, this time looking at the first client and the queue.
	path := filepath.Join(dir, "demo.sock")
	lfd := rawListen(t, path, 1)
	listener := inodeOf(t, lfd)
	first := rawSocket(t, unix.SOCK_NONBLOCK)
	connectErr := unix.Connect(first, &unix.SockaddrUnix{Name: path})
	f.FirstConnect = errnoName(connectErr)
	clientInode := inodeOf(t, first)
	client, err := sockdiag.ByInode(clientInode, sockdiag.ShowPeer)
	require.NoError(t, err)
	f.StateBeforeAccept = stateName(client.State)
	if connectErr == nil {
		if n, err := unix.Write(first, []byte("sent before accept")); err == nil {
			f.SentBeforeAccept = n
		}
	}
	// Fill the queue: a second client, then one that does not get in.
	_ = nonBlockingConnect(t, path)
	_ = nonBlockingConnect(t, path)
	queue, err := sockdiag.ByInode(listener, sockdiag.ShowIcons|sockdiag.ShowRQLen)
	require.NoError(t, err)
	require.True(t, queue.HasRQLen, "sock_diag sent no UNIX_DIAG_RQLEN")
	f.RecvQ, f.SendQ, f.Waiting = queue.RQueue, queue.WQueue, len(queue.Icons)

	// A blocking connect to the full queue waits for room; SO_SNDTIMEO
	// bounds the wait.
	const timeout = 200 * time.Millisecond
	blocking := rawSocket(t, 0)
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	require.NoError(t, unix.SetsockoptTimeval(blocking, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv))
	start := time.Now()
	err = unix.Connect(blocking, &unix.SockaddrUnix{Name: path})
	f.BlockingWaitedMS, f.SndTimeoMS = time.Since(start).Milliseconds(), timeout.Milliseconds()
	f.BlockingConnect = errnoName(err)

	// Accept now (without blocking: with no client there is none to take),
	// and read what the first client sent before it.
	require.NoError(t, unix.SetNonblock(lfd, true))
	if sfd, _, err := unix.Accept(lfd); err == nil {
		t.Cleanup(func() { unix.Close(sfd) })
		if f.SentBeforeAccept > 0 {
			buf := make([]byte, 64)
			n, err := unix.Read(sfd, buf)
			require.NoError(t, err, "reading the accepted socket")
			f.ReadAfterAccept = n
		}
	}

	f.Connect, f.ConnectNotMeasured = measureConnections(t)
	claims.Judge(v, f, judgeBacklog)
}

// measureConnections is the note beside U4: what a connection costs over
// UDS and over TCP to 127.0.0.1 (connect + accept + first byte + close),
// 5 interleaved pairs of 100 ms per placement, about 2.5 s in all. As
// root the sockets live in a private namespace, whose Tcp counters then
// count this measurement alone; otherwise on this namespace's lo, as the
// U8 measurement does (nothing listens on anything but 127.0.0.1).
func measureConnections(t *testing.T) (*bench.ConnectFacts, string) {
	if why, ok := gate.Emulated("the connection note"); ok {
		return nil, why
	}
	var in func(func() error) error
	private := false
	if gate.IsRoot() {
		in, private = sandbox.New(t).Do, true
	}
	f, err := bench.MeasureConnections([]bench.Placement{bench.OneCPU, bench.Free}, 5, 100*time.Millisecond, in, private, nil)
	if err != nil {
		t.Fatalf("measuring connections: %v", err)
	}
	return &f, ""
}

// stateName names a sock_diag state as ss does.
func stateName(state uint8) string {
	switch state {
	case sockdiag.StateEstablished:
		return "ESTABLISHED"
	case sockdiag.StateListen:
		return "LISTEN"
	case sockdiag.StateClose:
		return "UNCONN"
	}
	return fmt.Sprintf("state %d", state)
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
