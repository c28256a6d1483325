//go:build linux && sudo

package veth

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

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
// Where the kernel has kprobe events the test puts the notes' probe on
// veth_xmit too; where it has none (the project machine), the facts say so
// and a tracepoint's stacktrace trigger shows the same path: net_dev_xmit fires in dev_hard_start_xmit once veth_xmit has
// returned, and netif_rx fires inside veth_xmit, so veth_xmit is a frame of
// the latter's stack only.
func TestV6TheFirstPacketToANewNeighbourGoesThroughARP(t *testing.T) {
	v := claims.Check(t, "V6")
	facts := observeFirstPacket(t, sandbox.NewPair(t), 3)
	claims.Judge(v, facts, judgeFirstPacket)
}

// observeFirstPacket pings B from A (pings times), starting with A's
// neighbour table as p has it (empty for a fresh pair, which it notes),
// and keeps the stacks of the neighbour entry made, the ARP request
// (leaving A and arriving inside veth_xmit) and the echo requests.
func observeFirstPacket(t *testing.T, p *sandbox.Pair, pings int) FirstPacketFacts {
	t.Helper()
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	before := neighbourState(t, p.A, p.LinkA, p.AddrB.Addr())
	tr := ktrace.New(t)
	tr.Enable(t, "neigh/neigh_create", fmt.Sprintf(`dev == "%s"`, nameA), ktrace.WithStack)
	tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`name == "%s"`, nameA), ktrace.WithStack)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "%s"`, nameB), ktrace.WithStack)
	f := FirstPacketFacts{Mechanism: MechanismTracepoint, Neighbour: p.AddrB.Addr().String(), NeighbourBefore: before, Sent: pings}
	// Where the kernel has kprobe events (Debian's do; the project's
	// machine does not), also the notes' own probe: the stack at
	// veth_xmit itself.
	if err := tr.EnableKprobe(t, "veth_xmit", ktrace.WithStack); err != nil {
		f.KprobeRefused = err.Error()
	} else {
		f.Mechanism = MechanismKprobe
	}
	pinger := ping.New(t, p.A, ping.Options{})

	tr.Start(t)
	for range f.Sent {
		if _, err := pinger.Echo(p.AddrB.Addr(), replyTimeout); err != nil {
			break // what did leave is in the trace
		}
	}
	events := tr.Stop(t)

	for _, e := range events {
		switch {
		case e.Name == "veth_xmit": // the kprobe
			if f.XmitHits == 0 {
				f.XmitStack = e.StackUpTo("ip_finish_output2")
			}
			f.XmitHits++
		case e.Name == "neigh_create":
			if f.NeighCreates == 0 {
				f.NeighCreateText, f.NeighCreateStack = e.Text, e.StackUpTo("ip_finish_output2")
			}
			f.NeighCreates++
		case e.Name == "net_dev_xmit" && e.Field("len") == fmt.Sprint(arpFrame) && e.HasFrame("arp_process"):
			// A's answer to the peer's own ARP request (the peer had
			// no entry for A), not a request of A's.
			f.ARPReplies++
		case e.Name == "netif_rx" && e.Field("len") == fmt.Sprint(arpPacket) && e.HasFrame("arp_process"):
			// That answer arriving at the peer.
		case e.Name == "net_dev_xmit" && e.Field("len") == fmt.Sprint(arpFrame):
			if f.ARPOut == 0 {
				f.ARPOutStack = e.StackUpTo("ip_finish_output2")
			}
			f.ARPOut++
		case e.Name == "netif_rx" && e.Field("len") == fmt.Sprint(arpPacket):
			if f.ARPIntoPeer == 0 {
				f.ARPIntoPeerStack = e.StackUpTo("ip_finish_output2")
			}
			f.ARPIntoPeer++
		case e.Name == "net_dev_xmit" && e.Field("len") == fmt.Sprint(echoFrame):
			// The first echo request may leave from the ARP reply's
			// softirq: its stack is kept up to the ARP layer.
			if f.Echoes == 0 {
				f.FirstEchoStack = e.StackUpTo("arp_process", "ip_finish_output2")
			} else {
				f.LaterEchoStacks = append(f.LaterEchoStacks, e.StackUpTo("ip_finish_output2"))
			}
			f.Echoes++
		}
	}
	return f
}

// The notes (funcgraph -H veth_xmit): veth_xmit calls __dev_forward_skb,
// then __netif_rx -> netif_rx_internal -> enqueue_to_backlog, which raises
// the receive softirq.
func TestV7VethXmitHandsThePacketToThePeerThroughTheBacklog(t *testing.T) {
	v := claims.Check(t, "V7")
	facts := observeHandoff(t, sandbox.NewPair(t))
	claims.Judge(v, facts, judgeHandoff)
}

// neighbourState is the state of link's neighbour entry for addr in ns
// ("PERMANENT", "REACHABLE", ...), "" when it has none.
// equiv: ip neigh show ADDR dev LINK
func neighbourState(t *testing.T, ns *sandbox.NS, link netlink.Link, addr netip.Addr) string {
	t.Helper()
	neighs, err := ns.Netlink().NeighList(link.Attrs().Index, netlink.FAMILY_V4)
	require.NoError(t, err, "ip neigh show dev %s", link.Attrs().Name)
	for _, n := range neighs {
		if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap() == addr {
			return nudNames[n.State]
		}
	}
	return ""
}

// xdpOf names the XDP program attached to ns's device name ("id 42,
// native"), "" for none.
// equiv: ip -d link show NAME  # prog/xdp id 42
func xdpOf(t *testing.T, ns *sandbox.NS, name string) string {
	t.Helper()
	l, err := ns.Netlink().LinkByName(name)
	require.NoError(t, err, "ip link show %s", name)
	x := l.Attrs().Xdp
	if x == nil || !x.Attached {
		return ""
	}
	mode := map[uint32]string{1: "native", 2: "generic", 3: "offloaded"}[x.AttachMode]
	return fmt.Sprintf("id %d, %s", x.ProgId, mode)
}

// nudNames are the neighbour states as ip neigh names them.
var nudNames = map[int]string{
	netlink.NUD_INCOMPLETE: "INCOMPLETE", netlink.NUD_REACHABLE: "REACHABLE", netlink.NUD_STALE: "STALE",
	netlink.NUD_DELAY: "DELAY", netlink.NUD_PROBE: "PROBE", netlink.NUD_FAILED: "FAILED",
	netlink.NUD_NOARP: "NOARP", netlink.NUD_PERMANENT: "PERMANENT", netlink.NUD_NONE: "NONE",
}

// observeHandoff pings B from A (neighbours warmed first, so every traced
// packet is an echo) and keeps where netif_rx fired and for which device,
// and how B's netif_receive_skb was reached.
func observeHandoff(t *testing.T, p *sandbox.Pair) HandoffFacts {
	t.Helper()
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	tr := ktrace.New(t)
	tr.Enable(t, "net/netif_rx", fmt.Sprintf(`name == "%s" || name == "%s"`, nameA, nameB), ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", fmt.Sprintf(`name == "%s"`, nameB), ktrace.WithStack)
	pinger := ping.New(t, p.A, ping.Options{})
	// Warm the neighbour entries so every traced packet is an echo.
	_, err := pinger.Echo(p.AddrB.Addr(), replyTimeout)
	require.NoError(t, err, "the warm-up ping (the harness's, before anything is observed)")

	f := HandoffFacts{Mechanism: MechanismTracepoint, Sent: 3, PeerXDP: xdpOf(t, p.B, nameB)}
	// Where the kernel has kprobe events, also what veth_xmit calls on the
	// way, as the notes' funcgraph showed it (no kernel of the matrix
	// offers the function graph tracer in a private instance): a probe
	// with a stack on each callee.
	for _, fn := range vethXmitCallees {
		if err := tr.EnableKprobe(t, fn, ktrace.WithStack); err != nil {
			f.KprobeRefused = err.Error()
		}
	}
	tr.Start(t)
	for range f.Sent {
		if _, err := pinger.Echo(p.AddrB.Addr(), replyTimeout); err != nil {
			break
		}
	}
	events := tr.Stop(t)

	for _, e := range events {
		switch {
		case slices.Contains(vethXmitCallees, e.Name): // the kprobes
			f.noteCallee(e)
		case e.Name == "netif_receive_skb":
			f.noteReceive(e)
		default:
			f.noteHandoff(e, nameA, nameB)
		}
	}
	return f
}

// noteCallee keeps the first stack of a veth_xmit callee's kprobe that
// veth_xmit called.
func (f *HandoffFacts) noteCallee(e ktrace.Event) {
	if _, seen := f.CalleeStacks[e.Name]; seen || !e.HasFrame("veth_xmit") {
		return
	}
	if f.CalleeStacks == nil {
		f.CalleeStacks = map[string][]string{}
	}
	f.CalleeStacks[e.Name] = e.StackUpTo("veth_xmit")
}

// noteReceive counts one netif_receive_skb on B: in a softirq, from the
// backlog (process_backlog under net_rx_action) or from veth's own NAPI
// poll; the first one's stack is kept.
func (f *HandoffFacts) noteReceive(e ktrace.Event) {
	f.Received++
	if e.InSoftirq() {
		f.ReceivedSoftirq++
	}
	if ktrace.InOrder(e.Stack, "process_backlog", "net_rx_action") {
		f.ReceivedBacklog++
	}
	if e.HasFrame("veth_poll") {
		f.ReceivedVethNAPI++
	}
	if f.Received == 1 {
		f.ReceiveStack, f.ReceiveFlags = e.StackUpTo("net_rx_action"), e.Flags
	}
}

// noteHandoff counts one netif_rx. Which side sent the packet shows in its
// stack: A's ping socket (raw_sendmsg) for requests, B's kernel answering
// (icmp_reply, often in a softirq run on A's sending thread) for replies.
// A request should be handed to B's end and a reply to A's, from inside
// veth_xmit. Anything else (neither frame) is not the test's packet.
func (f *HandoffFacts) noteHandoff(e ktrace.Event, nameA, nameB string) {
	switch {
	case e.HasFrame("icmp_reply"):
		f.RepliesRx++
		if e.Field("dev") == nameA {
			f.RepliesRxOnA++
		}
	case e.HasFrame("raw_sendmsg"):
		f.RequestsRx++
		if e.Field("dev") == nameB {
			f.RequestsRxOnPeer++
		}
		if f.RequestsRx == 1 {
			f.ForwardStack = e.StackUpTo("raw_sendmsg")
		}
	default:
		return
	}
	if ktrace.InOrder(e.Stack, "veth_xmit", "dev_hard_start_xmit") {
		f.InsideVethXmit++
	}
}
