//go:build linux && sudo

package routing

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// tableWait bounds the wait for table local's entries. The kernel adds them
// as the address or link change is made, so a short wait is generous; what
// is still missing after it is a fact for the judge.
const tableWait = 3 * time.Second

// The notes' local table, lo's part:
//
//	local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
//	local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
//	broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1
func TestR1LocalTableHoldsLoopbackEntries(t *testing.T) {
	v := claims.Check(t, "R1")
	ns := sandbox.New(t) // a fresh namespace whose lo has just come up
	facts := observeLoopbackTable(t, ns)
	claims.Judge(v, facts, judgeLoopbackTable)
}

// Drill: a namespace whose lo has lost 127.0.0.1/8 before the observation.
// The claim's entries are the address's, so table local has none of them.
// equiv: ip addr del 127.0.0.1/8 dev lo; ip route show table local
func TestDrillR1WithoutLoopbackAddress(t *testing.T) {
	ns := sandbox.New(t)
	loAddr, err := netlink.ParseAddr("127.0.0.1/8")
	require.NoError(t, err)
	require.NoError(t, ns.Netlink().AddrDel(ns.Link(t, "lo"), loAddr), "ip addr del 127.0.0.1/8 dev lo")
	claims.Drill(t, "R1", observeLoopbackTable(t, ns), judgeLoopbackTable, claims.Refuted)
}

// observeLoopbackTable reads lo's entries in table local of ns, with lo up,
// then while lo is down, then (the control) after deleting lo's
// 127.0.0.1/8. It leaves lo without its address.
//
// Bringing lo up gives it 127.0.0.1/8 again when it has no IPv4 address
// (seen on 6.18), so the control reads lo's addresses afresh.
func observeLoopbackTable(t *testing.T, ns *sandbox.NS) LoopbackTableFacts {
	t.Helper()
	var f LoopbackTableFacts
	lo := ns.Link(t, "lo")
	f.LoAddrs = loAddrs(t, ns)

	// The entries, once the notes' three are there or the wait ends.
	_ = wait.Until(tableWait, func() error {
		f.Table = onDev(localTable(t, ns), "lo")
		for _, e := range NotesLoopbackEntries {
			if !slices.Contains(f.Table, e) {
				return errors.New("not yet")
			}
		}
		return nil
	})

	// The /8 entry makes every 127.x.y.z address this host's own.
	// equiv: ip route get 127.1.2.3
	f.AnyLoopback = lookup(t, ns, net.ParseIP("127.1.2.3"))

	// What lo going down does: the broadcast entry leaves, the local ones
	// stay on 6.18 (a lookup still says local; packets then die in lo's
	// transmit queue, see the loopback chapter's L1).
	// equiv: ip link set lo down; ip route show table local; ip link set lo up
	require.NoError(t, ns.Netlink().LinkSetDown(lo), "ip link set lo down")
	f.WhileLoDown = onDev(localTable(t, ns), "lo")
	ns.SetUp(t, lo)
	_ = wait.Until(tableWait, func() error {
		again := onDev(localTable(t, ns), "lo")
		for _, e := range f.Table {
			if !slices.Contains(again, e) {
				return errors.New("not back yet")
			}
		}
		return nil
	})
	f.LoAddrsAfterUp = loAddrs(t, ns)

	// Control: the entries are there because lo has 127.0.0.1/8. Take the
	// address away and they should go.
	// equiv: ip addr del 127.0.0.1/8 dev lo; ip route show table local
	if slices.Contains(f.LoAddrsAfterUp, "127.0.0.1/8") {
		loAddr, err := netlink.ParseAddr("127.0.0.1/8")
		require.NoError(t, err)
		require.NoError(t, ns.Netlink().AddrDel(lo, loAddr), "ip addr del 127.0.0.1/8 dev lo")
		f.AddrDeleted = true
	}
	f.WithoutLoAddr = onDev(localTable(t, ns), "lo")
	return f
}

// loAddrs lists lo's IPv4 addresses in ns.
// equiv: ip -4 addr show dev lo
func loAddrs(t *testing.T, ns *sandbox.NS) []string {
	t.Helper()
	addrs, err := ns.Netlink().AddrList(ns.Link(t, "lo"), netlink.FAMILY_V4)
	require.NoError(t, err, "ip -4 addr show dev lo in %v", ns)
	out := []string{}
	for _, a := range addrs {
		out = append(out, a.IPNet.String())
	}
	return out
}
