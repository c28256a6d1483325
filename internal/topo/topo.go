// Package topo builds, inside private namespaces, the network a container
// runtime builds on a host: a bridge with a gateway address, and containers
// joined to it by veth pairs.
//
// Docker's docker0 and podman's podman0 are such bridges. Here the "host" is
// itself a private namespace, so nothing touches the reader's host, and no
// host firewall (br_netfilter with a FORWARD DROP policy) sees the bridge:
//
//	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.8.1/24"))
//	c1 := br.Plug(t, netip.MustParsePrefix("198.18.8.2/24"))
//	c2 := br.Plug(t, netip.MustParsePrefix("198.18.8.3/24"))
//
// IPv6 is off in every namespace made here, so no router or multicast
// chatter moves the counters a note compares.
package topo

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"

	"netnotes/internal/sandbox"
)

// Bridge is a bridge device in a private "host" namespace.
type Bridge struct {
	Host    *sandbox.NS
	Link    netlink.Link // the bridge, as it was when made
	Gateway netip.Prefix // the bridge's own address: the containers' gateway
}

// NewBridge makes a host namespace holding a bridge, up, with gateway as
// its address. The bridge has no carrier until a container is plugged in.
// equiv: ip link add br type bridge; ip addr add GATEWAY dev br; ip link set br up
func NewBridge(t testing.TB, gateway netip.Prefix) *Bridge {
	t.Helper()
	host := sandbox.New(t)
	host.DisableIPv6(t)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: sandbox.UniqueName("br")}}
	if err := host.Netlink().LinkAdd(br); err != nil {
		sandbox.SkipIfKindMissing(t, "bridge", err)
		t.Fatalf("ip link add %s type bridge in %v: %v", br.Name, host, err)
	}
	link := host.Link(t, br.Name)
	host.AddAddr(t, link, gateway.String())
	host.SetUp(t, link)
	return &Bridge{Host: host, Link: link, Gateway: gateway}
}

// Container is a namespace joined to a Bridge by a veth pair.
type Container struct {
	NS      *sandbox.NS
	Eth     netlink.Link // the container's end, in NS (fresh once up)
	HostEnd netlink.Link // the other end, in the bridge's namespace, enslaved (fresh once up)
	Addr    netip.Prefix // Eth's address
}

// Plug makes a container namespace and joins it to the bridge: a veth pair
// with one end in the container (address addr, default route via the
// gateway) and the other in the host namespace, enslaved to the bridge. It
// returns once both ends and the bridge are UP,LOWER_UP.
// equiv: ip link add H type veth peer name C netns CTR; ip link set H master br up;
// equiv: ip -n CTR addr add ADDR dev C; ip -n CTR link set C up; ip -n CTR route add default via GATEWAY
func (b *Bridge) Plug(t testing.TB, addr netip.Prefix) *Container {
	t.Helper()
	if !b.Gateway.Contains(addr.Addr()) {
		t.Fatalf("topo: container address %v is outside the bridge's subnet %v", addr, b.Gateway.Masked())
	}
	ctr := sandbox.New(t)
	ctr.DisableIPv6(t)
	hostEnd, eth := b.Host.AddVeth(t, ctr)
	if err := b.Host.Netlink().LinkSetMaster(hostEnd, b.Link); err != nil {
		t.Fatalf("ip link set %s master %s in %v: %v", hostEnd.Attrs().Name, b.Link.Attrs().Name, b.Host, err)
	}
	b.Host.SetUp(t, hostEnd)

	ctr.AddAddr(t, eth, addr.String())
	ctr.SetUp(t, eth)
	c := &Container{NS: ctr, Addr: addr}
	c.Eth = ctr.WaitRunning(t, eth.Attrs().Name)
	c.HostEnd = b.Host.WaitRunning(t, hostEnd.Attrs().Name)
	b.Host.WaitRunning(t, b.Link.Attrs().Name)

	def := &netlink.Route{LinkIndex: c.Eth.Attrs().Index, Gw: net.IP(b.Gateway.Addr().AsSlice())}
	if err := ctr.Netlink().RouteAdd(def); err != nil {
		t.Fatalf("ip route add default via %v in %v: %v", b.Gateway.Addr(), ctr, err)
	}
	return c
}
