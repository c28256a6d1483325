package sandbox

import (
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
)

// Addresses of a Pair. 198.18.0.0/15 is reserved for benchmarking (RFC
// 2544): no reader's LAN uses it.
var (
	PairAddrA = netip.MustParsePrefix("198.18.0.1/24")
	PairAddrB = netip.MustParsePrefix("198.18.0.2/24")
)

// Pair is the common shape of the veth notes: two namespaces joined by a
// veth pair, addressed and up.
type Pair struct {
	A, B         *NS
	LinkA, LinkB netlink.Link // fresh after both ends came up
	AddrA, AddrB netip.Prefix // PairAddrA on LinkA, PairAddrB on LinkB
}

// NewPair builds two namespaces joined by a veth pair, with PairAddrA and
// PairAddrB, both ends up and with carrier. IPv6 is off in both namespaces
// so that no router or multicast chatter moves the counters a note compares.
// equiv: ip netns add A; ip netns add B; ip -n A link add a type veth peer name b netns B
func NewPair(t testing.TB) *Pair {
	t.Helper()
	p := &Pair{A: New(t), B: New(t), AddrA: PairAddrA, AddrB: PairAddrB}
	p.A.DisableIPv6(t)
	p.B.DisableIPv6(t)
	a, b := p.A.AddVeth(t, p.B)
	p.A.AddAddr(t, a, p.AddrA.String())
	p.B.AddAddr(t, b, p.AddrB.String())
	p.A.SetUp(t, a)
	p.B.SetUp(t, b)
	p.LinkA = p.A.WaitRunning(t, a.Attrs().Name)
	p.LinkB = p.B.WaitRunning(t, b.Attrs().Name)
	return p
}
