package loopback

import (
	"strings"
	"testing"

	"netnotes/internal/claims"
)

// The judges of L1-L3, on facts seen on Linux 6.18 (copied from the facts
// lines of `go test -tags sudo -v ./loopback` as root) and on facts made by
// hand to contradict each claim.

func TestJudgeL1NoNIC(t *testing.T) {
	delivered := Delivery{Bytes: 19}
	lost := Delivery{Bytes: 19, TCP: "connect: timed out", UDP: "datagram: timed out"}
	facts := func(alone, unplugged Delivery, nicTx uint64, loDown Delivery, dropped uint64) NoNICFacts {
		return NoNICFacts{AloneDevices: []string{"lo"}, AloneLo: "up|loopback|running", Alone: alone, NIC: "nn8be-1a", NICState: "flags up|broadcast|multicast, operstate down",
			UnpluggedLo: "up|loopback|running", Unplugged: unplugged, NICTxPackets: nicTx, LoDown: loDown, LoDownTxDropped: dropped}
	}
	claims.TestJudge(t, "L1", judgeNoNIC, []claims.Case[NoNICFacts]{
		{Name: "seen on 6.18: both deliver, lo down loses, lo counts 2 drops",
			Facts: facts(delivered, delivered, 0, lost, 2), Want: claims.Confirmed},
		{Name: "as on 5.10 and 6.1: lo down loses, tx_dropped stays 0 (not judged)",
			Facts: facts(delivered, delivered, 0, lost, 0), Want: claims.Confirmed},
		{Name: "UDP lost without a card",
			Facts: facts(Delivery{Bytes: 19, UDP: "datagram: timed out"}, delivered, 0, lost, 2), Want: claims.Refined},
		{Name: "the unplugged card sent packets",
			Facts: facts(delivered, delivered, 3, lost, 2), Want: claims.Refined},
		{Name: "the control delivers with lo down",
			Facts: facts(delivered, delivered, 0, Delivery{Bytes: 19, TCP: "connect: timed out"}, 0), Want: claims.Refined},
		{Name: "a kernel with ipip and sit loaded: tunl0 and sit0 in every new namespace, down",
			Facts: withTunnels(facts(delivered, delivered, 0, lost, 2), 0), Want: claims.Confirmed},
		{Name: "a fallback tunnel device up in the namespace without a card",
			Facts: withTunnels(facts(delivered, delivered, 0, lost, 2), 1), Want: claims.Refined},
		{Name: "tunnel modules loaded, and lo down (the drill)",
			Facts: withTunnels(facts(lost, lost, 0, lost, 2), 0), Want: claims.Refuted},
	})
}

// withTunnels gives the namespace without a card the devices a kernel with
// ipip and sit loaded puts in every new namespace (`ip -br link` there:
// lo, tunl0@NONE, sit0@NONE), the first up devices of them up.
func withTunnels(f NoNICFacts, up int) NoNICFacts {
	f.AloneDevices = []string{"lo", "tunl0", "sit0"}
	f.AloneOthers = []string{"tunl0 (ipip, down)", "sit0 (sit, down)"}
	for i := range up {
		f.AloneOthers[i] = strings.Replace(f.AloneOthers[i], "down", "up", 1)
	}
	f.AloneOthersUp = up
	return f
}

// The extra devices are part of the evidence, whatever the verdict.
func TestJudgeL1NamesExtraDevices(t *testing.T) {
	f := withTunnels(NoNICFacts{AloneLo: "up|loopback|running", Alone: Delivery{Bytes: 19}, Unplugged: Delivery{Bytes: 19},
		LoDown: Delivery{Bytes: 19, TCP: "connect: timed out", UDP: "datagram: timed out"}}, 0)
	ev := judgeNoNIC(f).Evidence
	for _, want := range []string{"tunl0 (ipip, down)", "sit0 (sit, down)", "tunnel modules"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence does not name %q: %s", want, ev)
		}
	}
}

func TestJudgeL2Stack(t *testing.T) {
	all := Tracepoint{Events: 5, WithFrames: 5}
	inSoftirq := Tracepoint{Events: 5, WithFrames: 5, InSoftirq: 5}
	facts := func(xmit, rx, receive Tracepoint, unixEvents int) StackFacts {
		return StackFacts{Datagrams: 5, Payload: 1305, Xmit: xmit, Rx: rx, Receive: receive, OnSendingThread: receive.InSoftirq, LoTxPackets: 5, UnixPairEvents: unixEvents}
	}
	claims.TestJudge(t, "L2", judgeStack, []claims.Case[StackFacts]{
		{Name: "seen on 6.18: IP output path to lo, backlog drained in softirq",
			Facts: facts(all, all, inSoftirq, 0),
			Want:  claims.Confirmed, Parts: map[string]string{"xmit": claims.Confirmed, "softirq": claims.Confirmed}},
		{Name: "refutable only by a kernel that hands loopback packets to the receive path without the IP output path or a softirq (no Linux kernel does): transmit without the IP output path, receive outside softirq",
			Facts: facts(Tracepoint{Events: 5}, all, Tracepoint{Events: 5, WithFrames: 0}, 0),
			Want:  claims.Refuted},
		{Name: "received straight from the driver, not by a softirq (a NIC-like ring)",
			Facts: facts(all, Tracepoint{Events: 5}, Tracepoint{Events: 5}, 0),
			Want:  claims.Refined, Parts: map[string]string{"xmit": claims.Confirmed, "softirq": claims.Refuted}},
		{Name: "one datagram's receive in process context",
			Facts: facts(all, all, Tracepoint{Events: 5, WithFrames: 5, InSoftirq: 4}, 0),
			Want:  claims.Refined, Parts: map[string]string{"xmit": claims.Confirmed, "softirq": claims.Refined}},
		{Name: "the Unix pair's control fired events",
			Facts: facts(all, all, inSoftirq, 3),
			Want:  claims.Refined, Parts: map[string]string{"xmit": claims.Refined, "softirq": claims.Refined}},
	})
}

func TestJudgeL3OwnAddress(t *testing.T) {
	untraced := func(f OwnAddressFacts) OwnAddressFacts {
		f.TraceNotObserved = "needs real root (tracefs cannot be mounted in a user namespace): run `sudo make notes`"
		return f
	}
	viaLo := Path{Received: 5, LoTx: 5, XmitLo: 5}
	outOfVeth := Path{Received: 5, DevTx: 6, XmitDev: 5}
	facts := func(typ, dev string, own, peer Path) OwnAddressFacts {
		return OwnAddressFacts{Addr: "198.18.0.1", Dev: "nndd2-1a", Datagrams: 5, Payload: 1393,
			RouteType: typ, RouteDev: dev, RouteTable: 254, ToOwn: own, Peer: "198.18.0.2", ToPeer: peer}
	}
	claims.TestJudge(t, "L3", judgeOwnAddress, []claims.Case[OwnAddressFacts]{
		{Name: "seen on 6.18: local via lo, the datagrams on lo, the peer's on the veth",
			Facts: facts("local", "lo", viaLo, outOfVeth),
			Want:  claims.Confirmed, Parts: map[string]string{"lookup": claims.Confirmed, "traffic": claims.Confirmed}},
		{Name: "the lookup says lo, the datagrams leave through the veth",
			Facts: facts("local", "lo", Path{Received: 5, DevTx: 5, XmitDev: 5}, outOfVeth),
			Want:  claims.Refined, Parts: map[string]string{"lookup": claims.Confirmed, "traffic": claims.Refuted}},
		{Name: "some datagrams on each device",
			Facts: facts("local", "lo", Path{Received: 5, LoTx: 3, DevTx: 2, XmitLo: 3, XmitDev: 2}, outOfVeth),
			Want:  claims.Refined, Parts: map[string]string{"traffic": claims.Refined}},
		{Name: "the control's datagrams also on lo",
			Facts: facts("local", "lo", viaLo, Path{Received: 5, LoTx: 5, DevTx: 6, XmitLo: 5, XmitDev: 5}),
			Want:  claims.Refined, Parts: map[string]string{"lookup": claims.Confirmed, "traffic": claims.Refined}},
		{Name: "rootless, seen on 6.18: no tracepoints, the counters alone say lo",
			Facts: untraced(facts("local", "lo", Path{Received: 5, LoTx: 5}, Path{Received: 5, DevTx: 6})),
			Want:  claims.Confirmed, Parts: map[string]string{"lookup": claims.Confirmed, "traffic": claims.Confirmed, "tracepoints": claims.Skipped}},
		{Name: "the L3 drill's setup as an ordinary user (table local behind main; counters only, no tracepoints): the counters say the veth",
			Facts: untraced(facts("unicast", "nndd2-2a", Path{DevTx: 2}, Path{Received: 5, DevTx: 6})),
			Want:  claims.Refuted, Parts: map[string]string{"lookup": claims.Refuted, "traffic": claims.Refuted, "tracepoints": claims.Skipped}},
		{Name: "rootless, the control's datagrams also on lo",
			Facts: untraced(facts("local", "lo", Path{Received: 5, LoTx: 5}, Path{Received: 5, LoTx: 5, DevTx: 6})),
			Want:  claims.Refined, Parts: map[string]string{"traffic": claims.Refined, "tracepoints": claims.Skipped}},
	})
}
