package loopback

import (
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// The kernel functions whose frames L2 looks for in each tracepoint's
// stack: the IP output path down to the device on transmit, lo's driver
// queueing the skb to the per-CPU backlog, and the NET_RX softirq draining
// that backlog on receive.
var (
	XmitFrames    = []string{"ip_finish_output2", "__dev_queue_xmit", "dev_hard_start_xmit"}
	RxFrames      = []string{"loopback_xmit"}
	ReceiveFrames = []string{"net_rx_action", "process_backlog"}
)

// Tracepoint is what one tracepoint recorded for the test's datagrams
// (dev=lo, their length).
type Tracepoint struct {
	Events     int // how many fired
	WithFrames int // of them, with every frame L2 looks for in their stack
	InSoftirq  int // of them, in softirq context
}

// show says what a tracepoint recorded; frames are the ones looked for,
// shown as the kernel prints a stack, callee first.
func (tp Tracepoint) show(name string, frames []string) string {
	chain := slices.Clone(frames)
	slices.Reverse(chain)
	return fmt.Sprintf("%d %s dev=lo (%d with %s, %d in softirq)", tp.Events, name, tp.WithFrames, strings.Join(chain, " <- "), tp.InSoftirq)
}

// StackFacts is what L2's test saw of its own datagrams to 127.0.0.1: the
// three tracepoints of lo's way through the kernel, with their stacks.
// Every namespace's loopback is "lo", so the events counted are those the
// sending thread caused (ktrace.CausedBy: its transmits, and each packet's
// receive wherever the softirq ran); the rest are kept apart.
type StackFacts struct {
	Datagrams int // sent and received, over UDP to 127.0.0.1
	Payload   int // bytes each
	Xmit      Tracepoint
	Rx        Tracepoint
	Receive   Tracepoint
	// Where the receiving softirq ran: on the sending thread (when
	// __dev_queue_xmit re-enabled bottom halves) or in ksoftirqd.
	OnSendingThread, InKsoftirqd int
	LoTxPackets                  uint64
	// Control, that the events show the IP stack: the same tracepoints,
	// with the same filters, traced while only a Unix socket pair carried
	// as many datagrams of the same size, and attributed the same way to
	// the thread that wrote them. That way skips the IP stack, so it must
	// fire none; events here mean the filters and the attribution catch
	// more than the test's IP packets.
	UnixPairEvents int
	// Events of the datagrams' filters that other threads caused while
	// the test's datagrams went (another namespace's lo traffic of the
	// same length): not counted above.
	OtherThreads int `json:",omitempty"`
}

// judgeStack is L2's rule, in two parts.
//
// xmit: every datagram fires net_dev_xmit dev=lo with a stack that runs
// down the IP output path (ip_finish_output2, __dev_queue_xmit,
// dev_hard_start_xmit): confirmed. No such event, or none with that path,
// refutes.
//
// softirq: every datagram is queued by lo's driver (netif_rx from
// loopback_xmit) and received by the NET_RX softirq draining the backlog
// (netif_receive_skb in softirq, under net_rx_action and process_backlog):
// confirmed. No receive event, or none in softirq from the backlog,
// refutes.
//
// Anything between refines a part, and so does a control that fired
// events: then the counts are not the datagrams' alone.
func judgeStack(f StackFacts) claims.Finding {
	n := f.Datagrams
	control := fmt.Sprintf("control, a way that skips the IP stack: %d same-size Unix datagrams, traced alone, fired %d events", n, f.UnixPairEvents)
	unattributed := func(found claims.Finding) claims.Finding {
		if f.UnixPairEvents > 0 && found.Verdict == claims.Confirmed {
			return claims.Refine("%s; but the control fired events, so the counts are not the datagrams' alone", found.Evidence)
		}
		return found
	}

	if f.OtherThreads > 0 {
		control += fmt.Sprintf("; not counted: %d events of the same filters from other threads", f.OtherThreads)
	}
	xmitSeen := fmt.Sprintf("%d datagrams of %d B to 127.0.0.1: %s; lo tx +%d; %s",
		n, f.Payload, f.Xmit.show("net_dev_xmit", XmitFrames), f.LoTxPackets, control)
	var xmit claims.Finding
	switch {
	case f.Xmit.Events == 0:
		xmit = claims.Refute("no net_dev_xmit dev=lo for the test's datagrams: %s", xmitSeen)
	case f.Xmit.WithFrames == 0:
		xmit = claims.Refute("net_dev_xmit dev=lo fired, but no stack ran down the IP output path: %s", xmitSeen)
	case f.Xmit.Events == n && f.Xmit.WithFrames == n:
		xmit = claims.Confirm("%s", xmitSeen)
	default:
		xmit = claims.Refine("not every datagram took the IP output path to lo: %s", xmitSeen)
	}

	rxSeen := fmt.Sprintf("%s; %s; netif_receive_skb ran %d times on the sending thread (under __dev_queue_xmit), %d in ksoftirqd; %s",
		f.Rx.show("netif_rx", RxFrames), f.Receive.show("netif_receive_skb", ReceiveFrames), f.OnSendingThread, f.InKsoftirqd, control)
	var softirq claims.Finding
	switch {
	case f.Receive.Events == 0:
		softirq = claims.Refute("no netif_receive_skb dev=lo for the test's datagrams: %s", rxSeen)
	case f.Receive.InSoftirq == 0 || f.Receive.WithFrames == 0:
		softirq = claims.Refute("received, but not by the softirq draining the backlog: %s", rxSeen)
	case f.Rx.Events == n && f.Rx.WithFrames == n && f.Receive.Events == n && f.Receive.InSoftirq == n && f.Receive.WithFrames == n:
		softirq = claims.Confirm("%s", rxSeen)
	default:
		softirq = claims.Refine("not every datagram was queued by lo's driver and received in softirq: %s", rxSeen)
	}
	return claims.Combine(claims.P("xmit", unattributed(xmit)), claims.P("softirq", unattributed(softirq)))
}

var _ = claims.Register("L2", judgeStack, "127.0.0.1")
