//go:build linux && sudo

package loopback

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// "Loopback data still passes every step of cross-host traffic except the
// NIC hardware; it does not go through the NIC's RingBuffer, a softirq hands
// the skb straight to the receiving protocol stack."
func TestL2LoopbackPassesTheStack(t *testing.T) {
	v := claims.Check(t, "L2")
	claims.Judge(v, observeStack(t, sandbox.New(t)), judgeStack)
}

// observeStack sends datagrams over UDP to 127.0.0.1 in ns and records the
// three tracepoints of lo's way through the kernel, with their stacks;
// then, in a trace window of its own, the control: as many same-size
// datagrams over a Unix socket pair.
func observeStack(t *testing.T, ns *sandbox.NS) StackFacts {
	t.Helper()
	f := StackFacts{Datagrams: 5, Payload: distinctivePayloadSize()}
	wireLen, ipLen := f.Payload+udpIPHeaders+ethernetBytes, f.Payload+udpIPHeaders

	// The transmit side, the "driver" handing the skb back, and the receive
	// side, each with its kernel stack, for lo packets of our length only.
	tr := ktrace.New(t)
	tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`name == "lo" && len == %d`, wireLen), ktrace.WithStack)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "lo" && len == %d`, ipLen), ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", fmt.Sprintf(`name == "lo" && len == %d`, ipLen), ktrace.WithStack)

	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	cli := ns.Dial(t, "udp4", srv.LocalAddr().String())
	loBefore := ns.Counters(t, "lo")
	tr.Start(t)
	sender := tr.OnThread(func() { sendDatagrams(t, cli, srv, f.Datagrams, f.Payload) })
	events, others := tr.CausedBy(t, tr.Stop(t), sender)
	f.OtherThreads = len(others)
	f.LoTxPackets = ns.Counters(t, "lo").Sub(loBefore).TxPackets
	for _, e := range events {
		// The stacktrace trigger is the harness's: an event without a
		// stack says nothing about the path.
		require.NotEmpty(t, e.Stack, "%v has no stack", e)
	}

	tally := func(name string, frames []string) Tracepoint {
		var tp Tracepoint
		for _, e := range events {
			if e.Name != name {
				continue
			}
			tp.Events++
			if e.InSoftirq() {
				tp.InSoftirq++
			}
			if !slices.ContainsFunc(frames, func(fn string) bool { return !e.HasFrame(fn) }) {
				tp.WithFrames++
			}
		}
		return tp
	}
	f.Xmit = tally("net_dev_xmit", XmitFrames)
	f.Rx = tally("netif_rx", RxFrames)
	f.Receive = tally("netif_receive_skb", ReceiveFrames)
	// Where the receiving softirq ran. Usually at once, on the sender's own
	// stack when __dev_queue_xmit re-enables bottom halves; under load, in
	// ksoftirqd.
	for _, e := range events {
		switch {
		case e.Name != "netif_receive_skb":
		case strings.HasPrefix(e.Task, "ksoftirqd"):
			f.InKsoftirqd++
		case e.HasFrame("__dev_queue_xmit"):
			f.OnSendingThread++
		}
	}

	// Control, in a trace window of its own: the same payloads over a Unix
	// socket pair, which skips the IP stack.
	uds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err, "socketpair(AF_UNIX)")
	t.Cleanup(func() { unix.Close(uds[0]); unix.Close(uds[1]) })
	tr.Start(t)
	writer := tr.OnThread(func() {
		for range f.Datagrams {
			_, err := unix.Write(uds[0], make([]byte, f.Payload))
			require.NoError(t, err, "write on the Unix socket pair")
			_, err = unix.Read(uds[1], make([]byte, f.Payload))
			require.NoError(t, err, "read on the Unix socket pair")
		}
	})
	controlEvents, _ := tr.CausedBy(t, tr.Stop(t), writer)
	f.UnixPairEvents = len(controlEvents)
	return f
}
