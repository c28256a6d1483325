//go:build linux && sudo

package veth_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/ping"
	"netnotes/internal/sandbox"
)

// Lengths the tracepoints report: net_dev_xmit sees the Ethernet frame,
// netif_rx the packet after the Ethernet header was pulled.
const (
	arpFrame  = 42                             // 14 Ethernet + 28 ARP
	arpPacket = 28                             //
	echoFrame = 14 + 20 + 8 + ping.DefaultSize // an echo request of ping's default size
)

// The notes (bpftrace on kprobe:veth_xmit while `ping 192.168.5.2 -I veth4`):
// the first stack is veth_xmit <- dev_hard_start_xmit <- __dev_queue_xmit <-
// arp_solicit <- neigh_probe <- __neigh_event_send <- neigh_resolve_output <-
// ip_finish_output2 <- ip_push_pending_frames <- ping_v4_sendmsg.
//
// This kernel has no kprobes. A tracepoint's stacktrace trigger shows the
// same path: net_dev_xmit fires in dev_hard_start_xmit once veth_xmit has
// returned, and netif_rx fires inside veth_xmit, so veth_xmit is a frame of
// the latter's stack only.
// equiv: bpftrace -e 'kprobe:veth_xmit { printf("%s\n", kstack()); }' & ping -c 3 198.18.0.2
func TestV6TheFirstPacketToANewNeighbourGoesThroughARP(t *testing.T) {
	v := claims.Check(t, "V6")
	// Fresh namespaces: A's neighbour table has no entry for B yet.
	p := sandbox.NewPair(t)
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	tr := ktrace.New(t)
	tr.Enable(t, "neigh/neigh_create", fmt.Sprintf(`dev == "%s"`, nameA), ktrace.WithStack)
	tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`name == "%s"`, nameA), ktrace.WithStack)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "%s"`, nameB), ktrace.WithStack)
	// Where the kernel has kprobe events (Debian's do; the project's
	// machine does not), also the notes' own probe: the stack at
	// veth_xmit itself. The evidence names the mechanism it rests on.
	mechanism, kprobeErr := ktrace.MechanismKprobe, tr.EnableKprobe(t, "veth_xmit", ktrace.WithStack)
	if kprobeErr != nil {
		mechanism = ktrace.MechanismTracepoint
	}
	pinger := ping.New(t, p.A, ping.Options{})

	tr.Start(t)
	const n = 3
	for range n {
		_, err := pinger.Echo(p.AddrB.Addr(), replyTimeout)
		require.NoError(t, err)
	}
	events := tr.Stop(t)

	var created, arpOut, arpIn []ktrace.Event
	var echoes []ktrace.Event // net_dev_xmit of the echo requests, in order
	var atXmit []ktrace.Event // kprobe:veth_xmit hits, in order
	for _, e := range events {
		switch {
		case e.Name == "veth_xmit":
			atXmit = append(atXmit, e)
		case e.Name == "neigh_create":
			created = append(created, e)
		case e.Name == "net_dev_xmit" && e.Field("len") == fmt.Sprint(arpFrame):
			arpOut = append(arpOut, e)
		case e.Name == "net_dev_xmit" && e.Field("len") == fmt.Sprint(echoFrame):
			echoes = append(echoes, e)
		case e.Name == "netif_rx" && e.Field("len") == fmt.Sprint(arpPacket):
			arpIn = append(arpIn, e)
		}
	}

	// One neighbour entry is made, by the first ping's route output.
	require.Len(t, created, 1, "neigh_create on %s: %v", nameA, events)
	assert.Contains(t, created[0].Text, p.AddrB.Addr().String())
	assert.True(t, created[0].HasFrame("ip_finish_output2"), "neigh_create stack %v", created[0].Stack)

	// One ARP request leaves A, sent by the neighbour layer's probe.
	require.Len(t, arpOut, 1, "ARP frames out of %s: %v", nameA, events)
	assert.True(t, inOrder(arpOut[0].Stack, "dev_hard_start_xmit", "__dev_queue_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"),
		"ARP request's stack %v", arpOut[0].Stack)
	// Seen from inside veth_xmit (netif_rx on B), that ARP request has the
	// notes' stack.
	require.Len(t, arpIn, 1, "ARP packets into %s: %v", nameB, events)
	assert.True(t, inOrder(arpIn[0].Stack, "veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"),
		"ARP request's stack inside veth_xmit %v", arpIn[0].Stack)

	// The first echo request waited in the neighbour's queue and left when
	// the ARP reply came in (in softirq, from the neighbour update); the
	// later ones go straight from ip_finish_output2, with no neighbour work.
	require.Len(t, echoes, n, "echo requests out of %s: %v", nameA, events)
	first := echoes[0]
	assert.True(t, first.HasFrame("__neigh_update") || first.HasFrame("neigh_update"), "first echo request's stack %v", first.Stack)
	for _, e := range echoes[1:] {
		assert.True(t, inOrder(e.Stack, "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2"), "later echo request's stack %v", e.Stack)
		for _, f := range []string{"arp_solicit", "neigh_probe", "neigh_resolve_output", "__neigh_update"} {
			assert.False(t, e.HasFrame(f), "later echo request went through %s: %v", f, e.Stack)
		}
	}

	// With the kprobe, the first packet through veth_xmit is that ARP
	// request, and its stack is the one the notes printed.
	seenBy := fmt.Sprintf("mechanism: tracepoints, because %v", kprobeErr)
	if mechanism == ktrace.MechanismKprobe {
		require.NotEmpty(t, atXmit, "kprobe:veth_xmit hits: %v", events)
		assert.True(t, inOrder(atXmit[0].Stack, "veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "arp_solicit", "neigh_probe"),
			"first stack at veth_xmit %v", atXmit[0].Stack)
		seenBy = "mechanism: kprobe on veth_xmit, first of " + fmt.Sprint(len(atXmit)) + " hits: " + frames(atXmit[0], "ip_finish_output2")
	}

	v.Refined(seenBy+"; the notes' stack is the ARP request's, made for the first ping: neigh_create dev %s %s from %s; "+
		"the ARP request (net_dev_xmit dev=%s len=%d), seen inside veth_xmit (netif_rx dev=%s len=%d): %s; "+
		"the first echo request itself (len=%d) left later, when the ARP reply arrived: %s; "+
		"echo requests 2..%d: %s (no neigh_create, no ARP)",
		nameA, p.AddrB.Addr(), frames(created[0], "ip_finish_output2"),
		nameA, arpFrame, nameB, arpPacket, frames(arpIn[0], "ip_finish_output2"),
		echoFrame, frames(first, "arp_process"),
		n, frames(echoes[n-1], "ip_finish_output2"))
}

// The notes (funcgraph -H veth_xmit): veth_xmit calls __dev_forward_skb,
// then __netif_rx -> netif_rx_internal -> enqueue_to_backlog, which raises
// the receive softirq.
// equiv: funcgraph -H veth_xmit; perf record -e net:netif_rx -e net:netif_receive_skb -g
func TestV7VethXmitHandsThePacketToThePeerThroughTheBacklog(t *testing.T) {
	v := claims.Check(t, "V7")
	p := sandbox.NewPair(t)
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	tr := ktrace.New(t)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "%s" || name == "%s"`, nameA, nameB), ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", fmt.Sprintf(`name == "%s"`, nameB), ktrace.WithStack)
	// Where the kernel has kprobe events (Debian's do), also what
	// veth_xmit calls on the way, as the notes' funcgraph showed it (the
	// function graph tracer is refused in a private instance on every
	// kernel the matrix runs): a probe with a stack on each callee.
	callees := []string{"__dev_forward_skb", "enqueue_to_backlog"}
	var kprobeErr error
	for _, fn := range callees {
		if err := tr.EnableKprobe(t, fn, ktrace.WithStack); err != nil {
			kprobeErr = err
		}
	}
	pinger := ping.New(t, p.A, ping.Options{})
	// Warm the neighbour entries so every traced packet is an echo.
	_, err := pinger.Echo(p.AddrB.Addr(), replyTimeout)
	require.NoError(t, err)

	tr.Start(t)
	const n = 3
	for range n {
		_, err := pinger.Echo(p.AddrB.Addr(), replyTimeout)
		require.NoError(t, err)
	}
	events := tr.Stop(t)

	// Every netif_rx fires inside veth_xmit and names the device at the
	// other end from the sender: requests A sends are received by B,
	// replies B sends by A.
	var intoB, intoA, received []ktrace.Event
	calledFromXmit := map[string]ktrace.Event{} // a callee's first hit inside veth_xmit
	for _, e := range events {
		switch {
		case slices.Contains(callees, e.Name):
			if _, ok := calledFromXmit[e.Name]; !ok && e.HasFrame("veth_xmit") {
				calledFromXmit[e.Name] = e
			}
		case e.Name == "netif_receive_skb":
			received = append(received, e)
		case e.HasFrame("icmp_reply"): // B's kernel answering (often in a softirq run on A's sending thread)
			intoA = append(intoA, e)
			assert.Equal(t, nameA, e.Field("dev"), "reply sent by B: %v", e)
		case e.HasFrame("raw_sendmsg"): // A's ping socket sending
			intoB = append(intoB, e)
			assert.Equal(t, nameB, e.Field("dev"), "request sent by A: %v", e)
		}
	}
	require.Len(t, intoB, n, "netif_rx for %s: %v", nameB, events)
	require.Len(t, intoA, n, "netif_rx for %s: %v", nameA, events)
	for _, e := range append(intoB, intoA...) {
		assert.True(t, inOrder(e.Stack, "veth_xmit", "dev_hard_start_xmit"), "netif_rx stack %v", e.Stack)
	}

	// B takes them off the per-CPU backlog in the receive softirq: the
	// backlog's poll function, not veth's own NAPI (used with GRO or XDP).
	require.Len(t, received, n, "netif_receive_skb on %s: %v", nameB, events)
	for _, e := range received {
		assert.True(t, e.InSoftirq(), "%v flags %q", e, e.Flags)
		assert.True(t, inOrder(e.Stack, "process_backlog", "net_rx_action"), "netif_receive_skb stack %v", e.Stack)
		assert.False(t, e.HasFrame("veth_poll"), "netif_receive_skb through veth's NAPI: %v", e.Stack)
	}

	calls := fmt.Sprintf("no kprobes on its callees, because %v", kprobeErr)
	if kprobeErr == nil {
		var seen []string
		for _, fn := range callees {
			if e, ok := calledFromXmit[fn]; ok {
				seen = append(seen, frames(e, "veth_xmit"))
			} else {
				seen = append(seen, fn+": no hit inside veth_xmit")
			}
		}
		calls = "kprobes on its callees: " + strings.Join(seen, "; ")
	}

	v.Confirmed("netif_rx fired %d times for the peer %s (requests) and %d for %s (replies), each inside veth_xmit: %s; "+
		"what veth_xmit calls, %s; then in softirq (flags %s): %s",
		len(intoB), nameB, len(intoA), nameA, frames(intoB[0], "raw_sendmsg"), calls,
		received[0].Flags, frames(received[0], "net_rx_action"))
}
