//go:build linux && sudo

package veth

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/ping"
	"netnotes/internal/sandbox"
)

// replyTimeout bounds a ping that must be answered; the machine is shared.
const replyTimeout = 5 * time.Second

// The notes: "network virtualisation: software simulates a real network
// cable"; a veth pair is that cable between two namespaces.
//
//	 namespace A                    namespace B
//	+---------------------+        +---------------------+
//	| a 198.18.0.1/24  [a]==========[b]  198.18.0.2/24 b |
//	+---------------------+  veth  +---------------------+
//	ICMP echo from A to 198.18.0.2: a's tx and b's rx counters,
//	B's Icmp InEchos and OutEchoReps; A's lo is the control.
func TestV4PingCrossesFromOneNamespaceToTheOther(t *testing.T) {
	v := claims.Check(t, "V4")
	facts := observeCrossPing(t, sandbox.NewPair(t))
	claims.Judge(v, facts, judgeCrossPing)
}

// observeCrossPing pings B's address from A five times (stopping at the
// first unanswered request) and reads both ends' counters, B's ICMP
// counters and A's lo around it.
func observeCrossPing(t *testing.T, p *sandbox.Pair) CrossPingFacts {
	t.Helper()
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	pinger := ping.New(t, p.A, ping.Options{})

	aBefore, bBefore, loBefore := p.A.Counters(t, nameA), p.B.Counters(t, nameB), p.A.Counters(t, "lo")
	echosBefore, repliesBefore := snmp(t, p.B, "Icmp", "InEchos"), snmp(t, p.B, "Icmp", "OutEchoReps")
	f := CrossPingFacts{Sent: 5}
	for range f.Sent {
		r, err := pinger.Echo(p.AddrB.Addr(), replyTimeout)
		if err != nil {
			f.Sent, f.LastReply = f.Replies+1, err.Error()
			break
		}
		f.Replies++
		f.LastReply = "last: " + r.String()
	}
	// What left A's end should arrive at B's, packet for packet, byte for
	// byte (the first ping's ARP exchange included), and B's ICMP layer
	// answer every request: the packets go up B's stack, not just into its
	// counters. Control: A's lo carries none of it.
	aSent, bGot := p.A.Counters(t, nameA).Sub(aBefore), p.B.Counters(t, nameB).Sub(bBefore)
	f.SenderTx = Count{aSent.TxPackets, aSent.TxBytes}
	f.PeerRx = Count{bGot.RxPackets, bGot.RxBytes}
	f.SenderLoTx = p.A.Counters(t, "lo").Sub(loBefore).TxPackets
	f.PeerInEchos = snmp(t, p.B, "Icmp", "InEchos") - echosBefore
	f.PeerOutEchoRep = snmp(t, p.B, "Icmp", "OutEchoReps") - repliesBefore
	return f
}

// The notes: with 192.168.5.1/24 on veth4 and 192.168.5.2/24 on veth5, both
// in the host's namespace, `ping 192.168.5.1` answers: "64 bytes from
// 192.168.5.1: icmp_seq=1 ttl=64".
//
//	 one namespace (the notes' host)
//	+-----------------------------------------------------+
//	| lo                                                  |
//	| A 198.18.5.1/24 [A]============[B] 198.18.5.2/24 B  |
//	|                        veth                         |
//	+-----------------------------------------------------+
//	ping 198.18.5.1 and 198.18.5.2: both are this namespace's own
//	addresses, so lo carries them; the veth only when the socket is
//	bound to A (SO_BINDTODEVICE), and B then needs accept_local=1.
func TestV5TheNotesSameNamespacePingNeverCrossesTheVeth(t *testing.T) {
	v := claims.Check(t, "V5")
	facts := observeSameNetnsPing(t, sandbox.New(t))
	claims.Judge(v, facts, judgeSameNetnsPing)
}

// observeSameNetnsPing puts both ends of a pair in ns with the notes'
// addresses (in 198.18.5.0/24), asks the routes to them, pings them while
// counting and tracing, then forces pings out of one end under four
// settings of the other end's accept_local and rp_filter.
func observeSameNetnsPing(t *testing.T, ns *sandbox.NS) SameNetnsPingFacts {
	t.Helper()
	p := newSameNetnsPair(t, ns)
	var f SameNetnsPingFacts
	f.Routes = p.routes(t)
	p.pingBothEnds(t, &f)
	f.Forced = p.forcePings(t)
	return f
}

// sameNetnsPair is a veth pair with both ends in one namespace, up, with
// the notes' addresses.
type sameNetnsPair struct {
	ns           *sandbox.NS
	a, b         netlink.Link
	addrA, addrB netip.Prefix
}

// newSameNetnsPair makes the pair in ns, IPv6 off there.
func newSameNetnsPair(t *testing.T, ns *sandbox.NS) sameNetnsPair {
	t.Helper()
	ns.DisableIPv6(t)
	a, b := ns.AddVeth(t, ns)
	p := sameNetnsPair{ns: ns, addrA: netip.MustParsePrefix("198.18.5.1/24"), addrB: netip.MustParsePrefix("198.18.5.2/24")}
	ns.AddAddr(t, a, p.addrA.String())
	ns.AddAddr(t, b, p.addrB.String())
	ns.SetUp(t, a)
	ns.SetUp(t, b)
	p.a, p.b = ns.WaitRunning(t, a.Attrs().Name), ns.WaitRunning(t, b.Attrs().Name)
	return p
}

// routes is where the lookup sends each end's address.
// equiv: ip route get 198.18.5.1
func (p sameNetnsPair) routes(t *testing.T) []RouteSeen {
	t.Helper()
	names := map[int]string{}
	for _, l := range []netlink.Link{p.a, p.b, p.ns.Link(t, "lo")} {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var out []RouteSeen
	for _, dst := range []netip.Addr{p.addrA.Addr(), p.addrB.Addr()} {
		routes, err := p.ns.Netlink().RouteGet(dst.AsSlice())
		require.NoError(t, err)
		require.Len(t, routes, 1)
		out = append(out, RouteSeen{Dst: dst.String(), Type: sandbox.RouteTypeName(routes[0].Type), Dev: names[routes[0].LinkIndex]})
	}
	return out
}

// The notes' pings are of this size: the tracepoint fires for every
// namespace's lo, and a payload of 1199 bytes narrows the record.
const sameNetnsPingSize = 1199

// pingBothEnds is the notes' ping, and one to the other end, counted on
// lo and the ends and traced where tracing works. The pinging thread
// decides which lo records are ours (ktrace.CausedBy): its echo requests
// leave in its own system calls. The veth ends' names are the test's.
func (p sameNetnsPair) pingBothEnds(t *testing.T, f *SameNetnsPingFacts) {
	t.Helper()
	const n = 3
	ns, nameA, nameB := p.ns, p.a.Attrs().Name, p.b.Attrs().Name
	// The tracepoint needs real root and a kernel that lets it trace
	// (no lockdown=confidentiality); the counters do not.
	tr, why := ktrace.Try(t)
	if tr != nil {
		tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`(name == "lo" && len == %d) || name == "%s" || name == "%s"`, ping.WireLen(sameNetnsPingSize), nameA, nameB), false)
	} else {
		f.TraceNotObserved = why
	}
	pinger := ping.New(t, ns, ping.Options{Size: sameNetnsPingSize})
	loBefore, aBefore, bBefore := ns.Counters(t, "lo"), ns.Counters(t, nameA), ns.Counters(t, nameB)
	if tr != nil {
		tr.Start(t)
	}
	pinging := tr.OnThread(func() {
		for _, dst := range []netip.Addr{p.addrA.Addr(), p.addrB.Addr()} {
			for range n {
				f.Sent++
				if _, err := pinger.Echo(dst, replyTimeout); err == nil {
					f.Answered++
				}
			}
		}
	})
	f.LoTx = ns.Counters(t, "lo").Sub(loBefore).TxPackets
	f.VethTx = ns.Counters(t, nameA).Sub(aBefore).TxPackets + ns.Counters(t, nameB).Sub(bBefore).TxPackets
	if tr == nil {
		return
	}
	var onLo []ktrace.Event
	for _, e := range tr.Stop(t) {
		if e.Field("dev") == "lo" {
			onLo = append(onLo, e)
		} else {
			f.VethEvents++
		}
	}
	fromPinger, _ := tr.CausedBy(t, onLo, pinging)
	f.LoEvents = len(fromPinger)
}

// forcePings forces pings across: a socket bound to A (ping -I A) sends
// to B's address out of A, because a lookup restricted to A skips the
// local entry (it names B) and finds the connected route. B then receives
// a packet whose source is one of its own namespace's addresses. A
// permanent neighbour entry keeps ARP (which checks the same source) out
// of the way, so each attempt is one echo request on the wire.
// equiv: ip neigh add 198.18.5.2 lladdr B_MAC dev A nud permanent
func (p sameNetnsPair) forcePings(t *testing.T) []ForcedPing {
	t.Helper()
	ns, nameA, nameB := p.ns, p.a.Attrs().Name, p.b.Attrs().Name
	require.NoError(t, ns.Netlink().NeighAdd(&netlink.Neigh{
		LinkIndex: p.a.Attrs().Index, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT,
		IP: net.IP(p.addrB.Addr().AsSlice()), HardwareAddr: p.b.Attrs().HardwareAddr,
	}))
	ns.SetSysctl(t, "net.ipv4.conf.all.accept_local", "0")
	ns.SetSysctl(t, "net.ipv4.conf.all.rp_filter", "0") // effective value: max(all, dev)
	forced := ping.New(t, ns, ping.Options{Device: nameA, Size: sameNetnsPingSize})
	var out []ForcedPing
	for _, c := range []struct{ acceptLocal, rpFilter string }{
		{"0", "0"}, // source is local: a martian
		{"1", "1"}, // accepted as local, but strict reverse path wants it from A
		{"1", "2"}, // loose reverse path
		{"1", "0"}, // no reverse path check
	} {
		ns.SetSysctl(t, "net.ipv4.conf."+nameB+".accept_local", c.acceptLocal)
		ns.SetSysctl(t, "net.ipv4.conf."+nameB+".rp_filter", c.rpFilter)
		aBefore, bBefore, loBefore := ns.Counters(t, nameA), ns.Counters(t, nameB), ns.Counters(t, "lo")
		echosBefore := snmp(t, ns, "Icmp", "InEchos")
		// A reply, if any, comes in microseconds; a second is plenty and
		// keeps the dropped cases short.
		reply, err := forced.Echo(p.addrB.Addr(), time.Second)
		fp := ForcedPing{
			AcceptLocal: c.acceptLocal, RpFilter: c.rpFilter,
			SenderTx: ns.Counters(t, nameA).Sub(aBefore).TxPackets,
			PeerRx:   ns.Counters(t, nameB).Sub(bBefore).RxPackets,
			LoTx:     ns.Counters(t, "lo").Sub(loBefore).TxPackets,
			InEchos:  snmp(t, ns, "Icmp", "InEchos") - echosBefore,
			Answered: err == nil,
		}
		if err == nil {
			fp.Reply = reply.RTT.Round(time.Microsecond).String()
		} else {
			require.ErrorIs(t, err, ping.ErrTimeout, "an echo that is not answered times out; anything else is the harness's")
			fp.Reply = err.Error()
		}
		out = append(out, fp)
	}
	return out
}
