//go:build linux && sudo

package loopback_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// "The kernel marks every local route RTN_LOCAL; when it looks up the route
// (__ip_route_output_key), it picks the loopback device for them", so
// 127.0.0.1 and the host's own IP take the same way.
// equiv: ip route get 198.18.0.1; nc -u 198.18.0.1 PORT; ip -s link show lo; ip -s link show IF
func TestOwnAddressGoesThroughLo(t *testing.T) {
	v := claims.Check(t, "L3")
	const datagrams = 5
	// This namespace is "the host": its own address 198.18.0.1 sits on a
	// veth end, whose peer (198.18.0.2) is in a second namespace. IPv6 is
	// off in both, so the counters move only for the test's packets.
	p := sandbox.NewPair(t)
	own, peer := p.AddrA.Addr(), p.AddrB.Addr()
	dev := p.LinkA.Attrs().Name

	// The route lookup: type local, device lo. (With the default rules the
	// kernel reports table main, as local and main are merged: the table is
	// not asserted.)
	routes, err := p.A.Netlink().RouteGet(own.AsSlice())
	require.NoError(t, err, "ip route get %s", own)
	require.Len(t, routes, 1)
	route := routes[0]
	lo, err := p.A.Netlink().LinkByIndex(route.LinkIndex)
	require.NoError(t, err, "device %d of the route", route.LinkIndex)
	assert.Equal(t, unix.RTN_LOCAL, route.Type, "ip route get %s: type", own)
	assert.Equal(t, "lo", lo.Attrs().Name, "ip route get %s: dev", own)

	payload := distinctivePayloadSize()
	wireLen := payload + udpIPHeaders + ethernetBytes
	// The tracepoint half needs real root; the route and the counters do not.
	traced, noTrace := gate.CanTrace()
	var tr *ktrace.Tracer
	if traced {
		tr = ktrace.New(t)
		tr.Enable(t, "net/net_dev_xmit", fmt.Sprintf(`len == %d && (name == "lo" || name == "%s")`, wireLen, dev), !ktrace.WithStack)
	}

	toOwn := p.A.ListenPacket(t, "udp4", net.JoinHostPort(own.String(), "0"))
	cliOwn := p.A.Dial(t, "udp4", toOwn.LocalAddr().String())
	// Negative control: the peer's address, which is not local, does leave
	// through the veth; the same counters and tracepoint see it.
	toPeer := p.B.ListenPacket(t, "udp4", net.JoinHostPort(peer.String(), "0"))
	cliPeer := p.A.Dial(t, "udp4", toPeer.LocalAddr().String())

	if traced {
		tr.Start(t)
	}
	loBefore, devBefore := p.A.Counters(t, "lo"), p.A.Counters(t, dev)
	sendDatagrams(t, cliOwn, toOwn, datagrams, payload)
	loOwn, devOwn := p.A.Counters(t, "lo").Sub(loBefore), p.A.Counters(t, dev).Sub(devBefore)

	loBefore, devBefore = p.A.Counters(t, "lo"), p.A.Counters(t, dev)
	sendDatagrams(t, cliPeer, toPeer, datagrams, payload)
	loPeer, devPeer := p.A.Counters(t, "lo").Sub(loBefore), p.A.Counters(t, dev).Sub(devBefore)
	var tracepoints string
	if traced {
		events := tr.Stop(t)
		// The events of each phase, by device, in order: first the own
		// address's datagrams, then the peer's.
		byDev := map[string]int{}
		for _, e := range events {
			byDev[e.Field("dev")]++
		}
		require.Len(t, events, 2*datagrams, "net_dev_xmit of len %d: %v", wireLen, events)
		for i, e := range events {
			want := "lo"
			if i >= datagrams {
				want = dev
			}
			assert.Equal(t, want, e.Field("dev"), "event %d: %v", i, e)
		}
		tracepoints = fmt.Sprintf("net_dev_xmit: %d dev=lo to it, %d dev=%s to the peer", byDev["lo"], byDev[dev], dev)
	} else {
		tracepoints = gate.PartNotObserved(t, "L3/tracepoints", noTrace)
	}

	// To the own address: lo carries every datagram, the veth none.
	assert.Equal(t, uint64(datagrams), loOwn.TxPackets, "lo, to %s: %v", own, loOwn)
	assert.Zero(t, devOwn.TxPackets, "%s, to %s: %v", dev, own, devOwn)
	// To the peer: the veth carries them (plus an ARP request the first
	// time), lo none.
	assert.GreaterOrEqual(t, devPeer.TxPackets, uint64(datagrams), "%s, to %s: %v", dev, peer, devPeer)
	assert.Zero(t, loPeer.TxPackets, "lo, to %s: %v", peer, loPeer)

	if t.Failed() {
		return
	}
	v.Confirmed("ip route get %s (on %s): type local dev lo (table %d); %d datagrams of %d B to it: lo tx +%d, %s tx +%d; "+
		"control, to the peer %s: %s tx +%d, lo tx +%d; %s",
		own, dev, route.Table, datagrams, payload, loOwn.TxPackets, dev, devOwn.TxPackets,
		peer, dev, devPeer.TxPackets, loPeer.TxPackets, tracepoints)
}
