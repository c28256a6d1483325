package uds

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// StackFacts is what U3's test saw while the same bytes crossed a UDS and,
// the control, a TCP connection to 127.0.0.1, both inside a private network
// namespace whose only device is lo.
type StackFacts struct {
	Bytes        int64      // carried by each transfer
	LoUDS, LoTCP LoCounters // lo's counters' change during each transfer
	// The net:* tracepoints, counted by name for this process's threads in
	// process context (where a UDS write would raise them: it runs no
	// softirq), during a second transfer of each; skb:consume_skb too.
	Traced           bool
	TraceNotObserved string // why not, when not Traced
	NetUDS, NetTCP   map[string]int
	SkbUDS           int
}

// LoCounters is a change in lo's counters, as `ip -s link show lo` shows
// them.
type LoCounters struct {
	RxPackets, TxPackets, RxBytes, TxBytes uint64
}

func (c LoCounters) String() string {
	return fmt.Sprintf("rx %d pkts/%d B, tx %d pkts/%d B", c.RxPackets, c.RxBytes, c.TxPackets, c.TxBytes)
}

// judgeStack is U3's rule: data crossing a UDS does not go through the
// network stack, seen two ways, each with TCP over lo as the control that
// shows the instrument can see the stack at work:
//
//   - lo: lo's counters do not move while the UDS carries the bytes (and do
//     for TCP). Refuted if they move.
//   - tracepoints: no net:* tracepoint fires in the transfer's threads
//     (net:net_dev_xmit does for TCP). Refuted if one does; not observed
//     where tracefs is refused (it needs real root).
//
// Where the control does not move the instrument either, that part cannot
// tell, and is not observed.
func judgeStack(f StackFacts) claims.Finding {
	return claims.Combine(
		claims.P("lo", judgeLo(f)),
		claims.P("tracepoints", judgeTracepoints(f)),
	)
}

var _ = claims.Register("U3", judgeStack, "127.0.0.1")

func judgeLo(f StackFacts) claims.Finding {
	switch {
	case f.LoUDS.RxPackets+f.LoUDS.TxPackets > 0:
		return claims.Refute("lo moved while %d B crossed the UDS: %v (TCP to 127.0.0.1: %v)", f.Bytes, f.LoUDS, f.LoTCP)
	case f.LoTCP.TxPackets == 0 || f.LoTCP.TxBytes < uint64(f.Bytes):
		return claims.SkipPart("the control, %d B over TCP to 127.0.0.1, moved lo by only %v: the counters cannot tell here", f.Bytes, f.LoTCP)
	}
	return claims.Confirm("while %d B crossed the UDS lo stayed still (%v); the same over TCP to 127.0.0.1 moved it (%v)", f.Bytes, f.LoUDS, f.LoTCP)
}

func judgeTracepoints(f StackFacts) claims.Finding {
	switch {
	case !f.Traced:
		return claims.SkipPart("%s", f.TraceNotObserved)
	case total(f.NetUDS) > 0:
		return claims.Refute("net:* tracepoints fired in this process's threads while %d B crossed the UDS: %s (TCP: %s)", f.Bytes, tally(f.NetUDS), tally(f.NetTCP))
	case f.NetTCP["net_dev_xmit"] == 0:
		return claims.SkipPart("the control, %d B over TCP to 127.0.0.1, raised no net:net_dev_xmit either (%s): the tracer cannot tell here", f.Bytes, tally(f.NetTCP))
	}
	return claims.Confirm("no net:* tracepoint fired in this process's threads while %d B crossed the UDS (its data still rode in %d sk_buffs, skb:consume_skb, never through a device); "+
		"the same over TCP to 127.0.0.1 raised %s", f.Bytes, f.SkbUDS, tally(f.NetTCP))
}

func total(n map[string]int) int {
	sum := 0
	for _, c := range n {
		sum += c
	}
	return sum
}

// tally writes event counts as "net_dev_xmit×12 netif_rx×12", or "none".
func tally(n map[string]int) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(n)) {
		if n[name] > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", name, n[name]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}
