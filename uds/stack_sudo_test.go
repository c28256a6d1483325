//go:build linux && sudo

package uds

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// transferSize is what each transport carries while the tracer watches.
const transferSize = 1 << 20

// The notes: "UDS does not depend on the network protocol stack; the kernel
// passes data between processes directly."
//
// Inside a private namespace, 1 MiB crosses a UDS, then (the control) the
// same over TCP to 127.0.0.1. lo's counters and the net:* tracepoints,
// counted for this process's threads in process context (where a UDS write
// would have to raise them: it runs no softirq), tell the two apart.
func TestU3UDSBypassesTheNetworkStack(t *testing.T) {
	v := claims.Check(t, "U3")
	ns := sandbox.New(t)
	path := filepath.Join(socketDir(t), "stack.sock")
	udsServer, udsClient := connectedPair(t, ns, "unix", path)
	tcpServer, tcpClient := connectedPair(t, ns, "tcp", "127.0.0.1:0")

	f := observeStack(t, ns, [2]net.Conn{udsServer, udsClient}, [2]net.Conn{tcpServer, tcpClient})

	claims.Judge(v, f, judgeStack)
}

// observeStack carries transferSize bytes over a would-be UDS connection
// and over the TCP control (each a server and a client end, in ns), once
// watching lo's counters, once more watching the net:* tracepoints where
// tracefs lets it.
func observeStack(t *testing.T, ns *sandbox.NS, udsConn, tcpConn [2]net.Conn) StackFacts {
	t.Helper()
	f := StackFacts{Bytes: transferSize}
	loDuring := func(c [2]net.Conn) LoCounters {
		before := ns.Counters(t, "lo")
		moved, err := transfer(c[0], c[1])
		require.NoError(t, err)
		require.Equal(t, int64(transferSize), moved)
		return LoCounters(ns.Counters(t, "lo").Sub(before))
	}
	f.LoUDS, f.LoTCP = loDuring(udsConn), loDuring(tcpConn)

	// Tracing needs real root and a kernel that lets it trace; where it
	// is refused, the tracepoints part is not observed.
	tr, why := ktrace.Try(t)
	if tr == nil {
		f.TraceNotObserved = why
		return f
	}
	filter := fmt.Sprintf(`comm == "%s"`, ownComm(t)) // less noise from other processes
	tr.Enable(t, "net", filter, false)
	tr.Enable(t, "skb/consume_skb", filter, false)
	eventsDuring := func(c [2]net.Conn) []ktrace.Event {
		tr.Start(t)
		moved, threads, err := tracedTransfer(tr, c[0], c[1])
		events := tr.Stop(t)
		require.NoError(t, err)
		require.Equal(t, int64(transferSize), moved)
		return ours(t, tr, events, threads)
	}
	udsEvents, tcpEvents := eventsDuring(udsConn), eventsDuring(tcpConn)
	f.NetUDS, f.NetTCP = countEvents(udsEvents, "net_"), countEvents(tcpEvents, "net_")
	f.SkbUDS = countEvents(udsEvents, "consume_skb")["consume_skb"]
	f.Traced = true
	return f
}

// A refutation drill for U3. No setting of a namespace makes the kernel
// carry a UDS's bytes through lo; what a reader can meet is a unix://
// endpoint that a proxy serves over TCP (socat UNIX-LISTEN:... TCP:..., as
// some container tooling does). Here the client writes into a UDS whose
// listener relays every byte over TCP to 127.0.0.1, and U3's own
// observation watches that path: the bytes the client puts into the UDS now
// reach their reader through lo, and the judge must say so (refuted), or
// the instrument is blind.
// equiv: socat UNIX-LISTEN:x.sock TCP:127.0.0.1:PORT &
//
// (then U3's observation against x.sock)
func TestDrillU3AUnixEndpointRelayedOverTCP(t *testing.T) {
	ns := sandbox.New(t)
	backend := ns.Listen(t, "tcp", "127.0.0.1:0")
	front := ns.Listen(t, "unix", filepath.Join(socketDir(t), "relayed.sock"))
	relayErr := make(chan error, 1)
	go func() { relayErr <- relay(ns, front, backend.Addr().String()) }()
	client := ns.Dial(t, "unix", front.Addr().String())
	require.NoError(t, backend.(*net.TCPListener).SetDeadline(time.Now().Add(10*time.Second)))
	server, err := backend.Accept()
	require.NoError(t, err, "the relay's connection to the backend")
	t.Cleanup(func() { server.Close() })
	tcpServer, tcpClient := connectedPair(t, ns, "tcp", "127.0.0.1:0")

	f := observeStack(t, ns, [2]net.Conn{server, client}, [2]net.Conn{tcpServer, tcpClient})

	select {
	case err := <-relayErr:
		require.NoError(t, err, "the relay stopped before the transfers ended")
	default: // still relaying, as it should until cleanup
	}
	claims.Drill(t, "U3", f, judgeStack, claims.Refuted)
}

// relay accepts one connection on front and copies what it receives to a
// new TCP connection to backend, inside ns, until either side closes.
func relay(ns *sandbox.NS, front net.Listener, backend string) error {
	in, err := front.Accept()
	if err != nil {
		return err
	}
	defer in.Close()
	var out net.Conn
	if err := ns.Do(func() (err error) { out, err = net.Dial("tcp", backend); return err }); err != nil {
		return err
	}
	defer out.Close()
	_, err = io.Copy(out, in)
	return err
}

// connectedPair makes a listener inside ns and one connection to it, and
// returns both ends. Everything is closed at cleanup.
func connectedPair(t *testing.T, ns *sandbox.NS, network, address string) (server, client net.Conn) {
	t.Helper()
	l := ns.Listen(t, network, address)
	client = ns.Dial(t, network, l.Addr().String())
	server, err := l.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	return server, client
}

// transfer writes transferSize bytes on client and reads them on server.
func transfer(server, client net.Conn) (int64, error) {
	moved, _, err := tracedTransfer(nil, server, client)
	return moved, err
}

// tracedTransfer is transfer with the writer and the reader each on a
// thread of its own, marked in tr's trace (Tracer.OnThread): every net
// event the transfer raises in process context is in one of their system
// calls (the writer's sends, the reader's acknowledgements).
func tracedTransfer(tr *ktrace.Tracer, server, client net.Conn) (int64, [2]ktrace.Thread, error) {
	var threads [2]ktrace.Thread
	wrote := make(chan error, 1)
	go func() {
		var err error
		threads[0] = tr.OnThread(func() {
			chunk := make([]byte, 64<<10)
			for sent := 0; sent < transferSize && err == nil; sent += len(chunk) {
				_, err = client.Write(chunk)
			}
		})
		wrote <- err
	}()
	var n int64
	var err error
	threads[1] = tr.OnThread(func() { n, err = io.CopyN(io.Discard, server, transferSize) })
	if werr := <-wrote; err == nil {
		err = werr
	}
	return n, threads, err
}

// ownComm returns this process's command name, as tracepoints record it.
func ownComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/comm")
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// ours keeps the events that ran in process context on the transfer's
// two threads, told by their marks in the trace (their pids there are the
// kernel's, not what gettid says in a container): another process with
// the same name (a benchmark run of this package, say) or a softirq
// serving some other device does not count.
func ours(t *testing.T, tr *ktrace.Tracer, events []ktrace.Event, threads [2]ktrace.Thread) []ktrace.Event {
	t.Helper()
	pids := map[int]bool{}
	for _, th := range threads {
		pid, err := tr.PID(th)
		require.NoError(t, err)
		pids[pid] = true
	}
	var kept []ktrace.Event
	for _, e := range events {
		if pids[e.PID] && e.InProcessContext() {
			kept = append(kept, e)
		}
	}
	return kept
}

// countEvents counts events by name, for names starting with prefix.
func countEvents(events []ktrace.Event, prefix string) map[string]int {
	n := map[string]int{}
	for _, e := range events {
		if strings.HasPrefix(e.Name, prefix) {
			n[e.Name]++
		}
	}
	return n
}
