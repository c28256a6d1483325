//go:build linux && sudo

package routing

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/vishvananda/netlink"

	"netnotes/internal/claims"
	"netnotes/internal/wait"
)

// Beyond the notes (the series' next part, routing): "With
// net.ipv4.ip_forward=0 a container's packets to beyond the host are
// dropped; with 1 they are forwarded." Datagrams from the container to
// the outside namespace cross the host (the path in path_sudo_test.go):
// the host routes them from its bridge to its uplink only if it forwards.
//
// equiv: ip netns exec host sysctl -w net.ipv4.ip_forward=0; ip netns exec ctr bash -c 'echo hi > /dev/udp/198.18.14.2/7007'
// equiv: ip netns exec host nstat -az IpForwDatagrams IpInAddrErrors; ip -n out -s link show
func TestR5IPForwardDecidesWhetherTheHostForwards(t *testing.T) {
	v := claims.Check(t, "R5")
	p := newPath(t)
	claims.Judge(v, observeForwarding(t, p, nil), judgeForwarding)
}

// Drill: ip_forward=0, but the device the container's packets arrive on
// (the bridge) forwards on its own: net.ipv4.conf.BRIDGE.forwarding=1,
// which the kernel checks per input device (ip_forward only sets every
// device's at once). The off round then forwards.
// equiv: sysctl -w net.ipv4.ip_forward=0; sysctl -w net.ipv4.conf.br0.forwarding=1
func TestDrillR5BridgeForwardsWithIPForwardOff(t *testing.T) {
	p := newPath(t)
	dev := p.Bridge.Link.Attrs().Name
	f := claims.Drill(t, "R5", observeForwarding(t, p, func() {
		p.Bridge.Host.SetSysctl(t, "net.ipv4.conf."+dev+".forwarding", "1")
	}), judgeForwarding, claims.Refuted)
	off, _ := f.Part("off-drops")
	assert.Equal(t, claims.Refuted, off.Verdict, "part off-drops: %s", off.Evidence)
}

// forwardPort is the outside's UDP port.
const forwardPort = 7007

// observeForwarding sends datagrams from the container to the outside
// with ip_forward=0, then with 1, and reads what the outside got and
// which of the host's Ip counters moved. drill, when set, runs after
// ip_forward=0 is written.
func observeForwarding(t *testing.T, p *path, drill func()) ForwardingFacts {
	t.Helper()
	host := p.Bridge.Host
	dev := p.Bridge.Link.Attrs().Name
	to := netip.AddrPortFrom(p.OutsideAt.Addr(), forwardPort)
	f := ForwardingFacts{Container: p.Ctr.Addr.Addr().String(), Outside: p.OutsideAt.Addr().String(), Dev: dev}
	// Here the outside routes the container's subnet back via the host,
	// as a LAN's router would (without it, its reverse-path filter drops
	// what it has no route back for): forwarding alone decides.
	// equiv: ip -n out route add 198.18.13.0/24 via 198.18.14.1
	back := &netlink.Route{Dst: prefixNet(p.Ctr.Addr.Masked()), Gw: p.HostOut.Addr().AsSlice(), LinkIndex: p.OutEnd.Attrs().Index}
	if err := p.Outside.Netlink().RouteAdd(back); err != nil {
		t.Fatalf("ip route add %v via %v in the outside: %v", p.Ctr.Addr.Masked(), p.HostOut.Addr(), err)
	}
	srv := p.Outside.ListenPacket(t, "udp4", to.String())
	cli := p.Ctr.NS.ListenPacket(t, "udp4", "0.0.0.0:0")
	round := func(value string, drill func()) ForwardRun {
		// equiv: sysctl -w net.ipv4.ip_forward=VALUE
		host.SetSysctl(t, "net.ipv4.ip_forward", value)
		if drill != nil {
			drill()
		}
		r := ForwardRun{IPForward: host.Sysctl(t, "net.ipv4.ip_forward"), DevForward: host.Sysctl(t, "net.ipv4.conf."+dev+".forwarding"), Sent: 3}
		before, rxBefore := host.SNMP(t, "Ip"), p.Outside.Counters(t, p.OutEnd.Attrs().Name)
		for i := range r.Sent {
			if _, err := cli.WriteTo(fmt.Appendf(nil, "R5 ip_forward=%s #%d", value, i), net.UDPAddrFromAddrPort(to)); err != nil {
				t.Fatalf("sending from the container: %v", err)
			}
		}
		// Wait until the host has done something with every datagram:
		// forwarded it (and the outside read it) or counted it dropped.
		buf := make([]byte, 64)
		err := wait.Until(5*time.Second, func() error {
			for {
				// A deadline already passed would fail the read before it is tried.
				_ = srv.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
				_, peer, err := srv.ReadFrom(buf)
				if err != nil {
					break
				}
				r.Received++
				r.SeenFrom = peer.(*net.UDPAddr).IP.String()
			}
			r.Host = moved(before, host.SNMP(t, "Ip"))
			dropped := r.Host["InAddrErrors"] + r.Host["InNoRoutes"] + r.Host["InDiscards"] + r.Host["OutDiscards"] + r.Host["OutNoRoutes"] + r.Host["InHdrErrors"]
			if r.Received >= r.Sent || dropped >= uint64(r.Sent) {
				return nil
			}
			return fmt.Errorf("the outside read %d of %d, the host's Ip counters moved: %s", r.Received, r.Sent, counters(r.Host))
		})
		if err != nil {
			t.Fatalf("ip_forward=%s: the datagrams were neither delivered nor counted as dropped: %v", value, err)
		}
		r.OutsideRx = p.Outside.Counters(t, p.OutEnd.Attrs().Name).Sub(rxBefore).RxPackets
		return r
	}
	f.Off = round("0", drill)
	f.On = round("1", nil)
	return f
}

// moved keeps the counters that changed, as deltas. InReceives and the
// like move with every datagram; the judge reads the ones it names.
func moved(before, after map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for k, v := range after {
		if v > before[k] {
			out[k] = v - before[k]
		}
	}
	return out
}

// prefixNet is p as netlink wants a destination.
func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
