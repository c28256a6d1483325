//go:build linux && sudo

package routing

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
)

// "Although it shows enp4s0, every RTN_LOCAL entry still routes through the
// loopback device."
func TestR3LocalEntryNamesTheInterfaceButLookupSaysLo(t *testing.T) {
	v := claims.Check(t, "R3")
	p := sandbox.NewPair(t) // 198.18.0.1/24 on A's veth end, 198.18.0.2/24 on B's
	claims.Judge(v, observeLocalEntry(t, p), judgeLocalEntry)
}

// observeLocalEntry reads table local's entry for A's address, asks the
// kernel how it routes that address, and (the control) how it routes B's
// address, a neighbour in the same /24.
func observeLocalEntry(t *testing.T, p *sandbox.Pair) LocalEntryFacts {
	t.Helper()
	own, neighbour := p.AddrA.Addr().String(), p.AddrB.Addr().String()
	f := LocalEntryFacts{Addr: own, Dev: p.LinkA.Attrs().Name, Neighbour: neighbour}
	// equiv: ip route show table local
	for _, e := range localTable(t, p.A) {
		if e.Dst == own {
			f.Entries = append(f.Entries, e)
		}
	}
	// With the default rules the kernel reports table main here: local
	// and main are merged until a rule is added. The judge reads type and
	// device.
	// equiv: ip route get 198.18.0.1; ip route get 198.18.0.2
	f.Lookup = lookup(t, p.A, net.ParseIP(own))
	f.NeighbourLookup = lookup(t, p.A, net.ParseIP(neighbour))
	return f
}

// Beyond the notes: `ip rule` priority 0 consults table local before any
// other, so a more specific route elsewhere cannot take a local address
// away from lo.
//
//	 namespace A                              namespace B
//	+--------------------------------+       +-------------------+
//	| a 198.18.0.1/24             [a]=========[b] 198.18.0.2/24  |
//	| table local: local 198.18.0.1  |  veth +-------------------+
//	| table main:  198.18.0.1/32 dev a  (the more specific route)
//	| rules: 0 local, 32766 main     |
//	+--------------------------------+
//	ip route get 198.18.0.1 in A: local via lo, or unicast out of a?
func TestR4LocalTableWinsOverMoreSpecificRoute(t *testing.T) {
	v := claims.Check(t, "R4")
	p := sandbox.NewPair(t)
	claims.Judge(v, observeLocalFirst(t, p), judgeLocalFirst)
}

// Drill: the same observation in a namespace whose table local was moved
// behind main before the /32 went in. Then main's /32 decides.
// equiv: ip rule add pref 40000 lookup local; ip rule del pref 0 lookup local
func TestDrillR4LocalBehindMain(t *testing.T) {
	p := sandbox.NewPair(t)
	p.A.MoveLocalBehindMain(t)
	claims.Drill(t, "R4", observeLocalFirst(t, p), judgeLocalFirst, claims.Refuted)
}

// observeLocalFirst adds a /32 route for A's address to table main, out of
// A's veth end, and asks the kernel how it routes the address: with the
// rules as found (local and main merged if they are the defaults), with
// the tables split by an added rule, and (the control) with table local
// moved behind main.
func observeLocalFirst(t *testing.T, p *sandbox.Pair) LocalFirstFacts {
	t.Helper()
	own := p.AddrA.Addr()
	f := LocalFirstFacts{Addr: own.String(), Dev: p.LinkA.Attrs().Name}
	h := p.A.Netlink()

	// equiv: ip rule
	rules, err := h.RuleList(netlink.FAMILY_V4)
	require.NoError(t, err, "ip rule")
	require.NotEmpty(t, rules, "ip rule lists no rule at all")
	f.FirstRulePriority, f.FirstRuleTable = rules[0].Priority, rules[0].Table

	// A /32 for our own address in main, out of the interface: as specific
	// as the local entry can be.
	// equiv: ip route add 198.18.0.1/32 dev IF scope link
	hostRoute := &netlink.Route{
		LinkIndex: p.LinkA.Attrs().Index,
		Dst:       &net.IPNet{IP: own.AsSlice(), Mask: net.CIDRMask(32, 32)},
		Scope:     netlink.SCOPE_LINK,
		Table:     unix.RT_TABLE_MAIN,
	}
	require.NoError(t, h.RouteAdd(hostRoute), "ip route add %s/32 dev %s", own, f.Dev)
	f.Merged = lookup(t, p.A, own.AsSlice())

	// With only the default rules the kernel keeps local and main in one
	// merged table (and reports 254). Any added rule splits them; then the
	// answer names the table that gave it.
	// equiv: ip rule add pref 100 lookup main; ip route get 198.18.0.1
	split := netlink.NewRule()
	split.Priority, split.Table = 100, unix.RT_TABLE_MAIN
	require.NoError(t, h.RuleAdd(split), "ip rule add pref 100 lookup main")
	f.Split = lookup(t, p.A, own.AsSlice())

	// Control: move the local table behind main; then the /32 in main
	// should decide.
	p.A.MoveLocalBehindMain(t)
	f.Reordered = lookup(t, p.A, own.AsSlice())
	return f
}
