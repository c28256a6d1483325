//go:build linux && sudo

package routing_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
	"netnotes/routing"
)

// The notes' local table, enp4s0's part:
//
//	local 192.168.1.150 dev enp4s0 proto kernel scope host src 192.168.1.150
//	broadcast 192.168.1.255 dev enp4s0 proto kernel scope link src 192.168.1.150
//
// Here the interface is one end of a veth pair (its peer in a second
// namespace), the address 198.18.0.1/24.
// equiv: ip addr add 198.18.0.1/24 dev IF; ip link set IF up; ip addr del 198.18.0.1/24 dev IF
func TestAddressAddsLocalAndBroadcastEntries(t *testing.T) {
	v := claims.Check(t, "R2")
	ns, peer := sandbox.New(t), sandbox.New(t)
	here, there := ns.AddVeth(t, peer)
	dev := here.Attrs().Name
	addr := netip.MustParsePrefix("198.18.0.1/24")
	brd, err := routing.Broadcast(addr)
	require.NoError(t, err)
	local := entry{"local", addr.Addr().String(), dev, "kernel", "host", addr.Addr().String()}
	broadcast := entry{"broadcast", brd.String(), dev, "kernel", "link", addr.Addr().String()}

	before := onDev(localTable(t, ns), dev)
	require.Empty(t, before, "a new %s already has entries: %s", dev, list(before))

	// The address, on a link that is still down: the local entry is there
	// when the netlink request returns, the broadcast entry is not.
	// equiv: ip addr add 198.18.0.1/24 dev IF; ip route show table local dev IF
	nlAddr := ns.AddAddr(t, here, addr.String())
	whileDown := onDev(localTable(t, ns), dev)
	assert.Equal(t, []entry{local}, whileDown, "right after ip addr add, link down")

	// Link up (the peer too, so that the entry carries no linkdown flag):
	// the broadcast entry comes.
	// equiv: ip link set IF up; ip route show table local dev IF
	ns.SetUp(t, here)
	peer.SetUp(t, there)
	ns.WaitRunning(t, dev)
	var whileUp []entry
	wait.For(t, sandbox.LinkTimeout, "the broadcast entry of "+dev, func() error {
		whileUp = onDev(localTable(t, ns), dev)
		if !slices.Contains(whileUp, broadcast) {
			return errors.New("entries of " + dev + ": " + list(whileUp))
		}
		return nil
	})
	assert.Contains(t, whileUp, local)
	// Recorded, not judged: kernels before 5.14 also added a broadcast
	// entry for the network address (198.18.0.0).
	network := addr.Masked().Addr().String()
	networkBroadcast := slices.ContainsFunc(whileUp, func(e entry) bool { return e.Type == "broadcast" && e.Dst == network })
	others := slices.DeleteFunc(slices.Clone(whileUp), func(e entry) bool { return e == local || e == broadcast })

	// Negative control: the entries are the address's. Remove it, and both go.
	// equiv: ip addr del 198.18.0.1/24 dev IF; ip route show table local dev IF
	require.NoError(t, ns.Netlink().AddrDel(here, nlAddr), "ip addr del %s dev %s", addr, dev)
	afterDel := onDev(localTable(t, ns), dev)
	assert.Empty(t, afterDel, "the address is gone, its entries not: %s", list(afterDel))

	if t.Failed() {
		return
	}
	brd0 := "no network-address broadcast " + network + " (gone since 5.14)"
	if networkBroadcast {
		brd0 = "network-address broadcast " + network + " present (a pre-5.14 kernel)"
	}
	v.Confirmed("at ip addr add (link down): %s; at link up: + %s; %s; other entries: %s; after ip addr del: %s",
		list(whileDown), list([]entry{broadcast}), brd0, brief(others), brief(afterDel))
}

// Supporting the Broadcast example: a /31 point-to-point address gets a
// local entry and no broadcast entry at all (RFC 3021).
// equiv: ip addr add 198.18.0.1/31 dev IF; ip link set IF up; ip route show table local dev IF
func TestSlash31GetsNoBroadcastEntry(t *testing.T) {
	ns := sandbox.New(t)
	here, there := ns.AddVeth(t, ns)
	dev := here.Attrs().Name
	ns.AddAddr(t, here, "198.18.0.1/31")
	ns.SetUp(t, here)
	ns.SetUp(t, there)
	ns.WaitRunning(t, dev)

	entries := onDev(localTable(t, ns), dev)
	assert.Equal(t, []entry{{"local", "198.18.0.1", dev, "kernel", "host", "198.18.0.1"}}, entries)
}
