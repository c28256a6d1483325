//go:build linux && sudo

package loopback

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// "Loopback data still passes every step of cross-host traffic except the
// NIC hardware; it does not go through the NIC's RingBuffer, a softirq hands
// the skb straight to the receiving protocol stack."
// equiv: trace-cmd record -T -e net:net_dev_xmit -e net:netif_rx -e net:netif_receive_skb -f 'name == "lo"' nc -u 127.0.0.1 PORT
func TestLoopbackPassesTheStack(t *testing.T) {
	v := claims.Check(t, "L2")
	const datagrams = 5
	ns := sandbox.New(t)
	payload := distinctivePayloadSize()
	wireLen, ipLen := payload+udpIPHeaders+ethernetBytes, payload+udpIPHeaders

	// The transmit side, the "driver" handing the skb back, and the receive
	// side, each with its kernel stack, for lo packets of our length only.
	tr := ktrace.New(t)
	tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`name == "lo" && len == %d`, wireLen), ktrace.WithStack)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "lo" && len == %d`, ipLen), ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", fmt.Sprintf(`name == "lo" && len == %d`, ipLen), ktrace.WithStack)

	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	cli := ns.Dial(t, "udp4", srv.LocalAddr().String())
	// Negative control, in the same trace window: the same payloads over a
	// Unix socket pair, which bypasses the IP stack, must add no event.
	uds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err, "socketpair(AF_UNIX)")
	t.Cleanup(func() { unix.Close(uds[0]); unix.Close(uds[1]) })

	loBefore := ns.Counters(t, "lo")
	tr.Start(t)
	sendDatagrams(t, cli, srv, datagrams, payload)
	for range datagrams {
		_, err := unix.Write(uds[0], make([]byte, payload))
		require.NoError(t, err, "write on the Unix socket pair")
		_, err = unix.Read(uds[1], make([]byte, payload))
		require.NoError(t, err, "read on the Unix socket pair")
	}
	events := tr.Stop(t)
	loMoved := ns.Counters(t, "lo").Sub(loBefore)

	xmit, rx, recv := ktrace.Count(events, "net_dev_xmit"), ktrace.Count(events, "netif_rx"), ktrace.Count(events, "netif_receive_skb")
	require.Equal(t, []int{datagrams, datagrams, datagrams}, []int{xmit, rx, recv},
		"net_dev_xmit, netif_rx, netif_receive_skb for %d datagrams of %d B (the Unix pair's must add none); events: %v", datagrams, payload, events)
	assert.Equal(t, uint64(datagrams), loMoved.TxPackets, "lo's counters: %v", loMoved)

	var xmitStack, rxStack, recvStack []string
	var inSendingThread, inKsoftirqd int
	for _, e := range events {
		require.NotEmpty(t, e.Stack, "%v has no stack", e)
		switch e.Name {
		case "net_dev_xmit":
			// The IP output path down to the device, in the sender's own
			// (process) context.
			for _, fn := range []string{"ip_finish_output2", "__dev_queue_xmit", "dev_hard_start_xmit"} {
				assert.True(t, e.HasFrame(fn), "%v: no %s in %v", e, fn, e.Stack)
			}
			assert.False(t, e.InSoftirq(), "%v: transmit ran in softirq (flags %q)", e, e.Flags)
			xmitStack = e.Stack
		case "netif_rx":
			// lo's "driver" queues the skb to the per-CPU backlog: no ring.
			assert.True(t, e.HasFrame("loopback_xmit"), "%v: not queued by loopback_xmit: %v", e, e.Stack)
			rxStack = e.Stack
		case "netif_receive_skb":
			// The backlog is drained by the NET_RX softirq.
			assert.True(t, e.InSoftirq(), "%v: received outside softirq (flags %q)", e, e.Flags)
			for _, fn := range []string{"net_rx_action", "process_backlog"} {
				assert.True(t, e.HasFrame(fn), "%v: no %s in %v", e, fn, e.Stack)
			}
			recvStack = e.Stack
			// Recorded: where the softirq ran. Usually at once, on the
			// sender's own stack when __dev_queue_xmit re-enables bottom
			// halves; under load, in ksoftirqd.
			switch {
			case strings.HasPrefix(e.Task, "ksoftirqd"):
				inKsoftirqd++
			case e.HasFrame("__dev_queue_xmit"):
				inSendingThread++
			}
		}
	}

	if t.Failed() {
		return
	}
	v.Confirmed("%d UDP datagrams of %d B to 127.0.0.1: %d net_dev_xmit dev=lo (process context, %s), "+
		"%d netif_rx dev=lo (%s), %d netif_receive_skb dev=lo in softirq (%s; %d run on the sending thread as bottom halves were re-enabled, %d in ksoftirqd); lo tx +%d; "+
		"control: %d same-size Unix datagrams added 0 events",
		datagrams, payload, xmit, path(xmitStack, "ip_finish_output2", "dev_hard_start_xmit"),
		rx, path(rxStack, "loopback_xmit", "netif_rx", "__netif_rx"), recv, path(recvStack, "net_rx_action", "process_backlog", "__netif_receive_skb"),
		inSendingThread, inKsoftirqd,
		loMoved.TxPackets, datagrams)
}

// path shows a stack's chain through the named functions, caller last as
// the kernel prints it ("a <- b <- c"), keeping only those found.
func path(stack []string, fns ...string) string {
	var found []string
	for i := len(fns) - 1; i >= 0; i-- {
		for _, f := range stack {
			if f == fns[i] {
				found = append(found, f)
				break
			}
		}
	}
	if len(found) == 0 {
		return "no known frames"
	}
	out := found[0]
	for _, f := range found[1:] {
		out += " <- " + f
	}
	return out
}
