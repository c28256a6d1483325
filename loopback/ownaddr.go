package loopback

import (
	"fmt"

	"netnotes/internal/claims"
)

// Path is where one batch of the test's datagrams went: how many arrived,
// what lo's and the interface's transmit counters moved by, and the
// net_dev_xmit events of the datagrams' length, by device.
//
// The tracepoint fires for every namespace's lo, all named "lo", so the
// lo events the judge counts are those the sending thread caused
// (ktrace.CausedBy); the rest are kept apart, as what they are: frames of
// the same length that other threads sent, which a length filter alone
// would have taken for the test's. The interface's name is the test's
// own, so its events need no such care.
type Path struct {
	Received     int    // datagrams that arrived at the listener
	LoTx         uint64 // lo's tx_packets, moved
	DevTx        uint64 // the interface's tx_packets, moved
	XmitLo       int    // net_dev_xmit dev=lo of the datagrams' length, from the sending thread
	XmitDev      int    // net_dev_xmit dev=IF of the datagrams' length
	XmitLoOthers int    `json:",omitempty"` // net_dev_xmit dev=lo of that length that other threads caused
}

// show says what the batch did; dev names the interface. Untraced, the
// net_dev_xmit counts are not facts and are left out.
func (p Path) show(dev string, traced bool) string {
	s := fmt.Sprintf("received %d, lo tx +%d, %s tx +%d", p.Received, p.LoTx, dev, p.DevTx)
	if traced {
		s += fmt.Sprintf(", net_dev_xmit %d dev=lo from the sending thread, %d dev=%s", p.XmitLo, p.XmitDev, dev)
	}
	if traced && p.XmitLoOthers > 0 {
		s += fmt.Sprintf(" (not counted: %d dev=lo of the same length from other threads)", p.XmitLoOthers)
	}
	return s
}

// OwnAddressFacts is what L3's test saw in a namespace that plays the host:
// its own address on an interface (a veth end), the kernel's route lookup
// for it, and where datagrams to it and (the control) to the peer's
// address went.
type OwnAddressFacts struct {
	Addr, Dev string // the host's own address and the interface that holds it
	Datagrams int    // per batch
	Payload   int    // bytes per datagram
	// ip route get Addr
	RouteType  string
	RouteDev   string
	RouteTable int
	ToOwn      Path
	// Control: the peer's address, on the other side of the interface.
	Peer   string
	ToPeer Path
	// TraceNotObserved says why net_dev_xmit could not be recorded here
	// (tracefs needs real root): then the Xmit counts are not facts and
	// the counters alone decide. Empty when it was recorded.
	TraceNotObserved string `json:",omitempty"`
}

// judgeOwnAddress is L3's rule, in two parts.
//
// lookup: the kernel's route lookup for the host's own address answers
// type local, dev lo (confirmed); anything else refutes.
//
// traffic: every datagram to the own address crosses lo (lo's counter and
// net_dev_xmit dev=lo, one per datagram) and none leaves through the
// interface (confirmed). None crossing lo refutes. Between the two, or a
// control that fails (datagrams to the peer not seen leaving through the
// interface, or seen on lo: then the counters cannot tell the ways apart),
// refines. Where the tracepoint could not be had (not real root), the
// counters alone decide and a third part, tracepoints, says it was not
// observed.
func judgeOwnAddress(f OwnAddressFacts) claims.Finding {
	route := fmt.Sprintf("ip route get %s (on %s): type %s dev %s (table %d)", f.Addr, f.Dev, f.RouteType, f.RouteDev, f.RouteTable)
	lookup := claims.Confirm("%s", route)
	if f.RouteType != "local" || f.RouteDev != "lo" {
		lookup = claims.Refute("%s", route)
	}

	n := f.Datagrams
	traced := f.TraceNotObserved == ""
	seen := fmt.Sprintf("%d datagrams of %d B to %s: %s; control, to the peer %s: %s", n, f.Payload, f.Addr, f.ToOwn.show(f.Dev, traced), f.Peer, f.ToPeer.show(f.Dev, traced))
	own, peer := f.ToOwn, f.ToPeer
	viaLo := own.LoTx >= uint64(n) && own.Received == n && (own.XmitLo == n || !traced)
	offIF := own.DevTx == 0 && (own.XmitDev == 0 || !traced)
	controlHolds := peer.LoTx == 0 && peer.XmitDev == n && peer.XmitLo == 0
	if !traced {
		controlHolds = peer.LoTx == 0 && peer.DevTx >= uint64(n)
	}
	var traffic claims.Finding
	switch {
	case own.XmitLo == 0 && own.LoTx == 0:
		traffic = claims.Refute("nothing to the own address crossed lo: %s", seen)
	case !viaLo || !offIF:
		traffic = claims.Refine("traffic to the own address crossed lo only in part: %s", seen)
	case !controlHolds:
		traffic = claims.Refine("traffic to the own address crossed lo, but the control's did not leave through the interface alone, so the counters may not tell the ways apart: %s", seen)
	default:
		traffic = claims.Confirm("%s", seen)
	}
	parts := []claims.Part{claims.P("lookup", lookup), claims.P("traffic", traffic)}
	if !traced {
		parts = append(parts, claims.P("tracepoints", claims.SkipPart("%s", f.TraceNotObserved)))
	}
	return claims.Combine(parts...)
}

var _ = claims.Register("L3", judgeOwnAddress)
