//go:build linux && sudo

package veth_test

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/ktrace"
	"netnotes/internal/ping"
	"netnotes/internal/sandbox"
)

// replyTimeout bounds a ping that must be answered; the machine is shared.
const replyTimeout = 5 * time.Second

// The notes: "network virtualisation: software simulates a real network
// cable"; a veth pair is that cable between two namespaces.
// equiv: ip netns exec A ping -c 5 198.18.0.2; ip -n B -s link show B; ip netns exec B nstat IcmpInEchos
func TestV4PingCrossesFromOneNamespaceToTheOther(t *testing.T) {
	v := claims.Check(t, "V4")
	p := sandbox.NewPair(t)
	nameA, nameB := p.LinkA.Attrs().Name, p.LinkB.Attrs().Name
	pinger := ping.New(t, p.A, ping.Options{})

	aBefore, bBefore, loBefore := p.A.Counters(t, nameA), p.B.Counters(t, nameB), p.A.Counters(t, "lo")
	echosBefore, repliesBefore := snmp(t, p.B, "Icmp", "InEchos"), snmp(t, p.B, "Icmp", "OutEchoReps")
	const n = 5
	var last ping.Reply
	for range n {
		var err error
		last, err = pinger.Echo(p.AddrB.Addr(), replyTimeout)
		require.NoError(t, err)
	}
	aSent, bGot := p.A.Counters(t, nameA).Sub(aBefore), p.B.Counters(t, nameB).Sub(bBefore)
	loMoved := p.A.Counters(t, "lo").Sub(loBefore)
	echos := snmp(t, p.B, "Icmp", "InEchos") - echosBefore
	replies := snmp(t, p.B, "Icmp", "OutEchoReps") - repliesBefore

	// What left A's end arrived at B's, packet for packet, byte for byte
	// (the first ping's ARP exchange included), and B's ICMP layer answered
	// every request: the packets went up B's stack, not just into its counters.
	assert.Equal(t, aSent.TxPackets, bGot.RxPackets, "A tx vs B rx packets")
	assert.Equal(t, aSent.TxBytes, bGot.RxBytes, "A tx vs B rx bytes")
	assert.GreaterOrEqual(t, bGot.RxPackets, uint64(n), "B rx")
	assert.Equal(t, uint64(n), echos, "B's IcmpInEchos")
	assert.Equal(t, uint64(n), replies, "B's IcmpOutEchoReps")
	// Control: A's lo carried none of it.
	assert.Zero(t, loMoved.TxPackets, "A's lo moved: %v", loMoved)

	v.Confirmed("%d echo replies (last: %v); %s tx +%d pkts/%d B, %s rx +%d pkts/%d B; B IcmpInEchos +%d, OutEchoReps +%d; A's lo tx +%d",
		n, last, nameA, aSent.TxPackets, aSent.TxBytes, nameB, bGot.RxPackets, bGot.RxBytes, echos, replies, loMoved.TxPackets)
}

// The notes: with 192.168.5.1/24 on veth4 and 192.168.5.2/24 on veth5, both
// in the host's namespace, `ping 192.168.5.1` answers: "64 bytes from
// 192.168.5.1: icmp_seq=1 ttl=64".
// equiv: ip route get 198.18.5.1; ping -c 3 198.18.5.1; ping -c 3 198.18.5.2; ip -s link show lo
// equiv: sysctl -w net.ipv4.conf.B.accept_local=1 net.ipv4.conf.B.rp_filter=2; ping -I A 198.18.5.2
func TestV5TheNotesSameNamespacePingNeverCrossesTheVeth(t *testing.T) {
	v := claims.Check(t, "V5")
	ns := sandbox.New(t)
	ns.DisableIPv6(t)
	a, b := ns.AddVeth(t, ns)
	addrA, addrB := netip.MustParsePrefix("198.18.5.1/24"), netip.MustParsePrefix("198.18.5.2/24")
	ns.AddAddr(t, a, addrA.String())
	ns.AddAddr(t, b, addrB.String())
	ns.SetUp(t, a)
	ns.SetUp(t, b)
	a, b = ns.WaitRunning(t, a.Attrs().Name), ns.WaitRunning(t, b.Attrs().Name)
	nameA, nameB := a.Attrs().Name, b.Attrs().Name
	lo := ns.Link(t, "lo")

	// Both ends' addresses are local: the lookup answers type local, dev lo.
	// equiv: ip route get 198.18.5.1
	for _, dst := range []netip.Addr{addrA.Addr(), addrB.Addr()} {
		routes, err := ns.Netlink().RouteGet(dst.AsSlice())
		require.NoError(t, err)
		require.Len(t, routes, 1)
		assert.Equal(t, unix.RTN_LOCAL, routes[0].Type, "route to %v", dst)
		assert.Equal(t, lo.Attrs().Index, routes[0].LinkIndex, "route to %v goes out of if%d", dst, routes[0].LinkIndex)
	}

	// The notes' ping, and one to the other end: lo carries request and
	// reply, the veth nothing. A payload of 1199 bytes makes the tracepoint
	// filter pick this test's packets out of every namespace's lo.
	const size, n = 1199, 3
	// The tracepoint half needs real root; the counters do not.
	traced, noTrace := gate.CanTrace()
	var tr *ktrace.Tracer
	if traced {
		tr = ktrace.New(t)
		tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`(name == "lo" && len == %d) || name == "%s" || name == "%s"`, ping.WireLen(size), nameA, nameB), false)
	}
	pinger := ping.New(t, ns, ping.Options{Size: size})
	loBefore, aBefore, bBefore := ns.Counters(t, "lo"), ns.Counters(t, nameA), ns.Counters(t, nameB)
	if traced {
		tr.Start(t)
	}
	for _, dst := range []netip.Addr{addrA.Addr(), addrB.Addr()} {
		for range n {
			_, err := pinger.Echo(dst, replyTimeout)
			require.NoError(t, err)
		}
	}
	var events []ktrace.Event
	if traced {
		events = tr.Stop(t)
	}
	loMoved, aMoved, bMoved := ns.Counters(t, "lo").Sub(loBefore), ns.Counters(t, nameA).Sub(aBefore), ns.Counters(t, nameB).Sub(bBefore)
	perDev := map[string]int{}
	for _, e := range events {
		perDev[e.Field("dev")]++
	}
	assert.Equal(t, uint64(4*n), loMoved.TxPackets, "lo: %v", loMoved)
	assert.Zero(t, aMoved.TxPackets+bMoved.TxPackets, "%s %v, %s %v", nameA, aMoved, nameB, bMoved)
	loTrace, vethTrace := "", ""
	if traced {
		assert.Equal(t, 4*n, perDev["lo"], "net_dev_xmit dev=lo events: %v", events)
		assert.Zero(t, perDev[nameA]+perDev[nameB], "net_dev_xmit on the veth: %v", events)
		loTrace = fmt.Sprintf(" (%d net_dev_xmit dev=lo)", perDev["lo"])
		vethTrace = fmt.Sprintf(" (%d events)", perDev[nameA]+perDev[nameB])
	} else {
		vethTrace = " (" + gate.PartNotObserved(t, "V5/tracepoints", noTrace) + ")"
	}

	// Forcing it across: a socket bound to A (ping -I A) sends to B's
	// address out of A, because a lookup restricted to A skips the local
	// entry (it names B) and finds the connected route. B then receives a
	// packet whose source is one of its own namespace's addresses. A
	// permanent neighbour entry keeps ARP (which checks the same source)
	// out of the way, so each attempt is one echo request on the wire.
	// equiv: ip neigh add 198.18.5.2 lladdr B_MAC dev A nud permanent
	require.NoError(t, ns.Netlink().NeighAdd(&netlink.Neigh{
		LinkIndex: a.Attrs().Index, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT,
		IP: net.IP(addrB.Addr().AsSlice()), HardwareAddr: b.Attrs().HardwareAddr,
	}))
	ns.SetSysctl(t, "net.ipv4.conf.all.accept_local", "0")
	ns.SetSysctl(t, "net.ipv4.conf.all.rp_filter", "0") // effective value: max(all, dev)
	forced := ping.New(t, ns, ping.Options{Device: nameA, Size: size})
	var outcomes []string
	for _, c := range []struct {
		acceptLocal, rpFilter string
		answered              bool
	}{
		{"0", "0", false}, // source is local: a martian
		{"1", "1", false}, // accepted as local, but strict reverse path wants it from A
		{"1", "2", true},  // loose reverse path
		{"1", "0", true},  // no reverse path check
	} {
		ns.SetSysctl(t, "net.ipv4.conf."+nameB+".accept_local", c.acceptLocal)
		ns.SetSysctl(t, "net.ipv4.conf."+nameB+".rp_filter", c.rpFilter)
		aBefore, bBefore, loBefore := ns.Counters(t, nameA), ns.Counters(t, nameB), ns.Counters(t, "lo")
		echosBefore := snmp(t, ns, "Icmp", "InEchos")
		timeout := replyTimeout
		if !c.answered {
			timeout = time.Second // the reply, if any, would come in microseconds
		}
		reply, err := forced.Echo(addrB.Addr(), timeout)
		aMoved, bMoved, loMoved := ns.Counters(t, nameA).Sub(aBefore), ns.Counters(t, nameB).Sub(bBefore), ns.Counters(t, "lo").Sub(loBefore)
		echos := snmp(t, ns, "Icmp", "InEchos") - echosBefore
		// The request crosses the veth either way; what differs is whether
		// B's side lets it in.
		assert.Equal(t, uint64(1), aMoved.TxPackets, "%s tx, accept_local=%s rp_filter=%s", nameA, c.acceptLocal, c.rpFilter)
		assert.Equal(t, uint64(1), bMoved.RxPackets, "%s rx, accept_local=%s rp_filter=%s", nameB, c.acceptLocal, c.rpFilter)
		outcome := fmt.Sprintf("accept_local=%s rp_filter=%s: %s tx +%d, %s rx +%d, IcmpInEchos +%d, ",
			c.acceptLocal, c.rpFilter, nameA, aMoved.TxPackets, nameB, bMoved.RxPackets, echos)
		if c.answered {
			require.NoError(t, err, "accept_local=%s rp_filter=%s", c.acceptLocal, c.rpFilter)
			// The reply goes to a local address: back through lo.
			assert.Equal(t, uint64(1), loMoved.TxPackets, "lo tx for the reply")
			assert.Equal(t, uint64(1), echos, "IcmpInEchos")
			outcome += fmt.Sprintf("reply in %v back via lo (lo tx +%d)", reply.RTT.Round(time.Microsecond), loMoved.TxPackets)
		} else {
			require.ErrorIs(t, err, ping.ErrTimeout, "accept_local=%s rp_filter=%s", c.acceptLocal, c.rpFilter)
			// Dropped at B's IP input, before ICMP saw it.
			assert.Zero(t, echos, "IcmpInEchos")
			outcome += fmt.Sprintf("no reply in %v", timeout)
		}
		outcomes = append(outcomes, outcome)
	}

	v.Refined("the notes' ping to a local address never touches the veth: route get says local dev lo; %d pings to %v and %v moved lo tx +%d%s, %s/%s tx +%d%s; "+
		"forced out with SO_BINDTODEVICE=%s: %s; %s; %s; %s",
		2*n, addrA.Addr(), addrB.Addr(), loMoved.TxPackets, loTrace, nameA, nameB, aMoved.TxPackets+bMoved.TxPackets, vethTrace,
		nameA, outcomes[0], outcomes[1], outcomes[2], outcomes[3])
}
