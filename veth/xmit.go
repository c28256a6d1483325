package veth

import (
	"fmt"
	"slices"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
)

// How a test saw the kernel's stacks: "tracepoint" (a stacktrace trigger
// on a tracepoint near the function, the only way on a kernel without
// kprobes) or "kprobe" (a probe on veth_xmit itself, as the notes'
// bpftrace did).
const (
	MechanismTracepoint = "tracepoint"
	MechanismKprobe     = "kprobe"
)

// The notes' stack into veth_xmit for the first ping, callee first.
var notesARPStack = []string{"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}

// FirstPacketFacts is what V6's test saw while a fresh namespace pinged its
// pair's other end: the neighbour entry made, the ARP request, the echo
// requests, each with its kernel stack (callee first, cut where the
// interesting part ends).
type FirstPacketFacts struct {
	Mechanism string
	Neighbour string // the address pinged
	// NeighbourBefore is the state of the sending end's neighbour entry
	// for Neighbour before the first ping ("PERMANENT", as a CNI plugin
	// or `ip neigh add ... nud permanent` leaves one), "" for none.
	NeighbourBefore  string `json:",omitempty"`
	Sent             int
	NeighCreates     int      // neigh_create on the sending end
	NeighCreateText  string   // the first one's fields
	NeighCreateStack []string // the first one's stack
	ARPOut           int      // ARP requests out of the sending end (net_dev_xmit)
	ARPOutStack      []string
	ARPReplies       int      `json:",omitempty"` // ARP replies out of the sending end (to the peer's own requests: arp_process)
	ARPIntoPeer      int      // ARP requests the peer received inside veth_xmit (netif_rx)
	ARPIntoPeerStack []string // seen from inside veth_xmit: the notes' view
	Echoes           int      // echo requests out of the sending end
	FirstEchoStack   []string
	LaterEchoStacks  [][]string
	XmitHits         int      `json:",omitempty"` // with a kprobe on veth_xmit: its hits
	XmitStack        []string `json:",omitempty"` // the first hit's stack, at veth_xmit itself
	KprobeRefused    string   `json:",omitempty"` // why there was no kprobe (none on this kernel)
}

// judgeFirstPacket is V6's rule, in three parts: the first packet to a new
// neighbour triggers ARP (a neighbour entry, then an ARP request whose
// stack runs arp_solicit <- neigh_probe ... into veth_xmit); later packets
// go straight from ip_finish_output2; and whose stack the notes show (the
// ping's own confirms; the ARP request's, the echo request having waited
// in the neighbour's queue, refines).
func judgeFirstPacket(f FirstPacketFacts) claims.Finding {
	how := "through " + f.Mechanism + " stacks"
	var arp claims.Finding
	switch {
	case f.NeighCreates == 0 || f.ARPOut == 0:
		arp = claims.Refute("the first ping made %d neighbour entries and %d ARP requests (%s)%s", f.NeighCreates, f.ARPOut, how, neighbourBefore(f))
	case f.ARPIntoPeer == 0 || !ktrace.InOrder(f.ARPIntoPeerStack, notesARPStack...):
		arp = claims.Refine("an ARP request went out (%s), but its stack into veth_xmit is not the notes': %s", ktrace.Chain(f.ARPOutStack), ktrace.Chain(f.ARPIntoPeerStack))
	case len(f.XmitStack) > 1 && !ktrace.InOrder(f.XmitStack, notesARPStack...) && f.XmitStack[1] == notesARPStack[2] &&
		ktrace.InOrder(f.XmitStack, append([]string{notesARPStack[0]}, notesARPStack[2:]...)...):
		// A kprobe on a function's first instruction, where the return
		// address is still in the link register (arm64): the unwinder
		// follows frame records and misses the caller. The tracepoint
		// inside veth_xmit (checked above) has it.
		arp = claims.Confirm("neigh_create %s from %s; the first of %d stacks at veth_xmit itself (kprobe), the ARP request's: %s, without veth_xmit's caller %s, as a stack taken at a function's entry misses it where the return address is still in a register (arm64); the stack inside veth_xmit has it: %s",
			f.NeighCreateText, ktrace.Chain(f.NeighCreateStack), f.XmitHits, ktrace.Chain(f.XmitStack), notesARPStack[1], ktrace.Chain(f.ARPIntoPeerStack))
	case len(f.XmitStack) > 0 && !ktrace.InOrder(f.XmitStack, notesARPStack...):
		arp = claims.Refine("an ARP request went out (%s), but the first stack at veth_xmit (kprobe) is not the notes': %s", ktrace.Chain(f.ARPOutStack), ktrace.Chain(f.XmitStack))
	case len(f.XmitStack) > 0:
		arp = claims.Confirm("neigh_create %s from %s; the first of %d stacks at veth_xmit itself (kprobe), the ARP request's: %s",
			f.NeighCreateText, ktrace.Chain(f.NeighCreateStack), f.XmitHits, ktrace.Chain(f.XmitStack))
	default:
		arp = claims.Confirm("neigh_create %s from %s; the ARP request seen inside veth_xmit (%s%s): %s",
			f.NeighCreateText, ktrace.Chain(f.NeighCreateStack), how, refusedNote(f.KprobeRefused), ktrace.Chain(f.ARPIntoPeerStack))
	}

	var later claims.Finding
	direct := 0
	for _, s := range f.LaterEchoStacks {
		if ktrace.InOrder(s, "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2") &&
			!slices.Contains(s, "arp_solicit") && !slices.Contains(s, "neigh_probe") && !slices.Contains(s, "neigh_resolve_output") && !slices.Contains(s, "__neigh_update") {
			direct++
		}
	}
	switch {
	case len(f.LaterEchoStacks) == 0:
		later = claims.SkipPart("no echo request after the first was seen (%d of %d)", f.Echoes, f.Sent)
	case direct == len(f.LaterEchoStacks):
		later = claims.Confirm("echo requests 2..%d: %s (no neighbour work)", f.Echoes, ktrace.Chain(f.LaterEchoStacks[len(f.LaterEchoStacks)-1]))
	case direct == 0:
		later = claims.Refute("later echo requests still went through the neighbour layer: %s", ktrace.Chain(f.LaterEchoStacks[0]))
	default:
		later = claims.Refine("%d of %d later echo requests went straight from ip_finish_output2", direct, len(f.LaterEchoStacks))
	}

	var whose claims.Finding
	switch {
	case len(f.FirstEchoStack) == 0:
		whose = claims.SkipPart("no first echo request was seen leaving (%d of %d)", f.Echoes, f.Sent)
	case ktrace.InOrder(f.FirstEchoStack, notesARPStack[1:]...):
		whose = claims.Confirm("the first echo request itself has the notes' stack: %s", ktrace.Chain(f.FirstEchoStack))
	case slices.Contains(f.FirstEchoStack, "__neigh_update") || slices.Contains(f.FirstEchoStack, "neigh_update"):
		whose = claims.Refine("the notes' stack is the ARP request's; the first echo request waited in the neighbour's queue and left when the ARP reply came: %s", ktrace.Chain(f.FirstEchoStack))
	case f.NeighCreates == 0 && f.ARPOut == 0 && ktrace.InOrder(f.FirstEchoStack, "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2"):
		whose = claims.Refute("no neighbour work before it: the first echo request went straight from ip_finish_output2: %s", ktrace.Chain(f.FirstEchoStack))
	default:
		whose = claims.Refine("the first echo request left by neither the notes' path nor the neighbour update: %s", ktrace.Chain(f.FirstEchoStack))
	}
	return claims.Combine(claims.P("arp-first", arp), claims.P("later-direct", later), claims.P("whose-stack", whose))
}

var _ = claims.Register("V6", judgeFirstPacket)

// neighbourBefore says which neighbour entry the first ping found, if
// there was one.
func neighbourBefore(f FirstPacketFacts) string {
	if f.NeighbourBefore == "" {
		return ""
	}
	ev := fmt.Sprintf(": a %s neighbour entry for %s was there before it", f.NeighbourBefore, f.Neighbour)
	if f.ARPReplies > 0 {
		ev += fmt.Sprintf(" (the peer, with no entry for the sender, asked for it; ARP replies out of the sending end: %d)", f.ARPReplies)
	}
	return ev
}

// HandoffFacts is what V7's test saw while a namespace pinged its pair's
// other end (neighbours warm): netif_rx events, who they name and where
// they fired, and the peer's netif_receive_skb.
type HandoffFacts struct {
	Mechanism        string
	Sent             int
	RequestsRx       int      // netif_rx of A's echo requests (stack through A's sendmsg)
	RequestsRxOnPeer int      // of those, naming the peer device
	RepliesRx        int      // netif_rx of B's echo replies (stack through icmp_reply)
	RepliesRxOnA     int      // of those, naming A's device
	InsideVethXmit   int      // of all netif_rx, those with veth_xmit <- dev_hard_start_xmit in their stack
	ForwardStack     []string // one request's netif_rx stack
	Received         int      // netif_receive_skb on the peer
	ReceivedSoftirq  int      // of those, in softirq context
	ReceivedBacklog  int      // of those, from process_backlog <- net_rx_action
	ReceivedVethNAPI int      // of those, from veth's own NAPI poll (veth_poll)
	ReceiveStack     []string
	ReceiveFlags     string
	CalleeStacks     map[string][]string `json:",omitempty"` // with kprobes: each callee's first stack inside veth_xmit
	KprobeRefused    string              `json:",omitempty"` // why there were no kprobes (none on this kernel)
	// PeerXDP is the XDP program the peer device had attached ("id 42,
	// native"), "" for none: with one, veth_xmit hands packets to the
	// peer's NAPI instead of the backlog.
	PeerXDP string `json:",omitempty"`
}

// The functions the notes' funcgraph showed veth_xmit calling (on the way
// to the backlog), which V7 probes where the kernel has kprobes.
var vethXmitCallees = []string{"__dev_forward_skb", "enqueue_to_backlog"}

// refusedNote says why a note fell back to tracepoints, if it did.
func refusedNote(why string) string {
	if why == "" {
		return ""
	}
	return ", because " + why
}

// The function the notes name for veth_xmit's hand-off to the backlog.
const notesHandoff = "__netif_rx"

// judgeHandoff is V7's rule, in two parts: inside veth_xmit the packet is
// handed to the peer through __netif_rx (netif_rx fires for the peer
// device, inside veth_xmit, and the function veth_xmit called is the one
// the notes name; a kernel that calls it by another name, as 5.10's
// netif_rx, refines the part with its own name), and the peer takes it off
// the per-CPU backlog in the receive softirq (process_backlog, not veth's
// NAPI).
func judgeHandoff(f HandoffFacts) claims.Finding {
	all := f.RequestsRx + f.RepliesRx
	seen := fmt.Sprintf("netif_rx fired %d times for the peer (requests, %d naming it) and %d for the sender (replies, %d naming it), %d of %d inside veth_xmit (%s): %s",
		f.RequestsRx, f.RequestsRxOnPeer, f.RepliesRx, f.RepliesRxOnA, f.InsideVethXmit, all, f.Mechanism, ktrace.Chain(f.ForwardStack))
	handoff := calledBy(f.ForwardStack, "veth_xmit")
	var forward claims.Finding
	switch {
	case f.RequestsRxOnPeer == 0 || f.InsideVethXmit == 0:
		forward = claims.Refute("the peer did not receive through netif_rx inside veth_xmit%s: %s", peerXDP(f), seen)
	case f.RequestsRxOnPeer < f.Sent || f.RequestsRxOnPeer != f.RequestsRx || f.InsideVethXmit != all || f.RepliesRxOnA != f.RepliesRx:
		forward = claims.Refine("not for every packet: %s", seen)
	case handoff == "":
		forward = claims.Refine("the stack does not show what veth_xmit called, so not that it is %s: %s%s", notesHandoff, seen, calleesSeen(f))
	case handoff != notesHandoff:
		forward = claims.Refine("veth_xmit hands the packet to %s, this kernel's name where the notes say %s: %s%s", handoff, notesHandoff, seen, calleesSeen(f))
	default:
		forward = claims.Confirm("%s%s", seen, calleesSeen(f))
	}
	rseen := fmt.Sprintf("netif_receive_skb on the peer %d times, %d in softirq (flags %s), %d from the backlog, %d from veth's NAPI: %s",
		f.Received, f.ReceivedSoftirq, f.ReceiveFlags, f.ReceivedBacklog, f.ReceivedVethNAPI, ktrace.Chain(f.ReceiveStack))
	var backlog claims.Finding
	switch {
	case f.Received == 0 || f.ReceivedBacklog == 0:
		backlog = claims.Refute("the peer did not take the packets off the backlog%s: %s", peerXDP(f), rseen)
	case f.ReceivedBacklog != f.Received || f.ReceivedSoftirq != f.Received:
		backlog = claims.Refine("only some through the backlog in softirq: %s", rseen)
	default:
		backlog = claims.Confirm("%s", rseen)
	}
	return claims.Combine(claims.P("forward", forward), claims.P("backlog", backlog))
}

var _ = claims.Register("V7", judgeHandoff)

// peerXDP names the peer's XDP program, if it had one.
func peerXDP(f HandoffFacts) string {
	if f.PeerXDP == "" {
		return ""
	}
	return " (the peer had an XDP program attached: " + f.PeerXDP + ")"
}

// calledBy returns the function that caller called on the way to a
// stack's top (the frame before caller in the stack, innermost first), or
// "" when the stack does not show caller calling anything.
func calledBy(stack []string, caller string) string {
	i := slices.Index(stack, caller)
	if i < 1 {
		return ""
	}
	return stack[i-1]
}

// calleesSeen tells what the kprobes on veth_xmit's callees showed, or why
// there were none.
func calleesSeen(f HandoffFacts) string {
	if f.KprobeRefused != "" {
		return "; no kprobes on what veth_xmit calls, because " + f.KprobeRefused
	}
	if len(f.CalleeStacks) == 0 {
		return ""
	}
	out := "; what veth_xmit calls (kprobes):"
	for _, fn := range vethXmitCallees {
		if st, ok := f.CalleeStacks[fn]; ok {
			out += " " + ktrace.Chain(st) + ";"
		} else {
			out += " " + fn + " not seen inside veth_xmit;"
		}
	}
	return out[:len(out)-1]
}
