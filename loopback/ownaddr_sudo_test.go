//go:build linux && sudo

package loopback

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// "The kernel marks every local route RTN_LOCAL; when it looks up the route
// (__ip_route_output_key), it picks the loopback device for them", so
// 127.0.0.1 and the host's own IP take the same way.
//
//	 namespace A ("the host")          namespace B
//	+------------------------+        +------------------------+
//	| lo  127.0.0.1/8        |        |                        |
//	| a   198.18.0.1/24 [a]==========[b] 198.18.0.2/24   b     |
//	+------------------------+  veth  +------------------------+
//	A sends to 198.18.0.1, its own address: does lo carry it, or a?
func TestL3OwnAddressGoesThroughLo(t *testing.T) {
	v := claims.Check(t, "L3")
	// This namespace is "the host": its own address 198.18.0.1 sits on a
	// veth end, whose peer (198.18.0.2) is in a second namespace. IPv6 is
	// off in both, so the counters move only for the test's packets.
	p := sandbox.NewPair(t)
	claims.Judge(v, observeOwnAddress(t, p), judgeOwnAddress)
}

// Drill: the same observation on a host whose table local is consulted
// after main (its priority-0 rule moved behind main's 32766). Then main's
// connected route for the /24 decides: the own address is looked up as
// unicast out of the veth, and nothing to it crosses lo.
// equiv: ip rule add pref 40000 lookup local; ip rule del pref 0 lookup local
func TestDrillL3LocalTableBehindMain(t *testing.T) {
	p := sandbox.NewPair(t)
	p.A.MoveLocalBehindMain(t)
	claims.Drill(t, "L3", observeOwnAddress(t, p), judgeOwnAddress, claims.Refuted)
}

// observeOwnAddress asks the kernel how it routes A's own address, then
// sends a batch of datagrams to it and (the control) a batch to B's
// address, and records for each where it went: what arrived, lo's and the
// veth's counters, and the net_dev_xmit events of the datagrams' length.
func observeOwnAddress(t *testing.T, p *sandbox.Pair) OwnAddressFacts {
	t.Helper()
	own, peer := p.AddrA.Addr(), p.AddrB.Addr()
	f := OwnAddressFacts{Addr: own.String(), Dev: p.LinkA.Attrs().Name, Peer: peer.String(), Datagrams: 5, Payload: distinctivePayloadSize()}

	// The route lookup. With the default rules the kernel reports table
	// main, as local and main are merged: the judge reads type and device.
	routes, err := p.A.Netlink().RouteGet(own.AsSlice())
	require.NoError(t, err, "ip route get %s", own)
	require.Len(t, routes, 1, "ip route get %s: one answer", own)
	f.RouteType, f.RouteTable = sandbox.RouteTypeName(routes[0].Type), routes[0].Table
	dev, err := p.A.Netlink().LinkByIndex(routes[0].LinkIndex)
	require.NoError(t, err, "device %d of the route", routes[0].LinkIndex)
	f.RouteDev = dev.Attrs().Name

	// The tracepoint needs real root and a kernel that lets it trace
	// (no lockdown=confidentiality); the counters do not.
	tr, why := ktrace.Try(t)
	if tr != nil {
		wireLen := f.Payload + udpIPHeaders + ethernetBytes
		tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`len == %d && (name == "lo" || name == "%s")`, wireLen, f.Dev), !ktrace.WithStack)
	} else {
		f.TraceNotObserved = why
	}

	toOwn := p.A.ListenPacket(t, "udp4", net.JoinHostPort(own.String(), "0"))
	cliOwn := p.A.Dial(t, "udp4", toOwn.LocalAddr().String())
	toPeer := p.B.ListenPacket(t, "udp4", net.JoinHostPort(peer.String(), "0"))
	cliPeer := p.A.Dial(t, "udp4", toPeer.LocalAddr().String())

	// One batch, traced and counted on its own. The datagrams are sent
	// from one known thread: on lo, the transmit happens in the sending
	// system call, and only that thread's events are the test's.
	batch := func(cli net.Conn, srv net.PacketConn) Path {
		loBefore, devBefore := p.A.Counters(t, "lo"), p.A.Counters(t, f.Dev)
		if tr != nil {
			tr.Start(t)
		}
		var received int
		sender := tr.OnThread(func() {
			received = countDatagrams(t, cli, srv, f.Datagrams, f.Payload, deliveryWait)
		})
		path := Path{
			Received: received,
			LoTx:     p.A.Counters(t, "lo").Sub(loBefore).TxPackets,
			DevTx:    p.A.Counters(t, f.Dev).Sub(devBefore).TxPackets,
		}
		if tr == nil {
			return path
		}
		var onLo []ktrace.Event
		for _, e := range tr.Stop(t) {
			if e.Field("dev") == "lo" {
				onLo = append(onLo, e)
			} else {
				path.XmitDev++ // the veth end's name is this test's own
			}
		}
		ours, others := tr.CausedBy(t, onLo, sender)
		path.XmitLo, path.XmitLoOthers = len(ours), len(others)
		return path
	}
	f.ToOwn = batch(cliOwn, toOwn)
	// Control: the peer's address, which is not local, should leave
	// through the veth (plus an ARP request the first time); the same
	// counters and tracepoint see it.
	f.ToPeer = batch(cliPeer, toPeer)
	return f
}
