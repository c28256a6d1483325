//go:build linux && sudo

package routing_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
)

// "Although it shows enp4s0, every RTN_LOCAL entry still routes through the
// loopback device."
// equiv: ip route show table local; ip route get 198.18.0.1
func TestLocalEntryNamesTheInterfaceButLookupSaysLo(t *testing.T) {
	v := claims.Check(t, "R3")
	p := sandbox.NewPair(t) // 198.18.0.1/24 on A's veth end, 198.18.0.2/24 on B's
	own, neighbour := p.AddrA.Addr().String(), p.AddrB.Addr().String()
	dev := p.LinkA.Attrs().Name

	// The table entry names the interface.
	var tableEntry entry
	for _, e := range localTable(t, p.A) {
		if e.Type == "local" && e.Dst == own {
			tableEntry = e
		}
	}
	require.NotZero(t, tableEntry, "no local entry for %s in table local", own)
	assert.Equal(t, dev, tableEntry.Dev, "the local entry for %s", own)

	// The lookup sends it to lo. With the default rules the kernel reports
	// table main: local and main are merged until a rule is added, so the
	// table is recorded and the type and device are asserted.
	got := lookup(t, p.A, net.ParseIP(own))
	gotDev := devName(t, p.A, got.LinkIndex)
	assert.Equal(t, unix.RTN_LOCAL, got.Type, "ip route get %s: type %s", own, typeName(got.Type))
	assert.Equal(t, "lo", gotDev, "ip route get %s", own)

	// Negative control: the neighbour's address, in the same /24, is not
	// local and the lookup does send it out of the interface.
	// equiv: ip route get 198.18.0.2
	other := lookup(t, p.A, net.ParseIP(neighbour))
	otherDev := devName(t, p.A, other.LinkIndex)
	assert.Equal(t, unix.RTN_UNICAST, other.Type, "ip route get %s: type %s", neighbour, typeName(other.Type))
	assert.Equal(t, dev, otherDev, "ip route get %s", neighbour)

	if t.Failed() {
		return
	}
	v.Confirmed("table local: %v; ip route get %s: %s dev %s (table %d); control ip route get %s: %s dev %s",
		tableEntry, own, typeName(got.Type), gotDev, got.Table, neighbour, typeName(other.Type), otherDev)
}

// Beyond the notes: `ip rule` priority 0 consults table local before any
// other, so a more specific route elsewhere cannot take a local address
// away from lo.
// equiv: ip route add 198.18.0.1/32 dev IF; ip route get 198.18.0.1; ip rule
func TestLocalTableWinsOverMoreSpecificRoute(t *testing.T) {
	v := claims.Check(t, "R4")
	p := sandbox.NewPair(t)
	own := p.AddrA.Addr()
	dev := p.LinkA.Attrs().Name
	h := p.A.Netlink()

	rules, err := h.RuleList(netlink.FAMILY_V4)
	require.NoError(t, err, "ip rule")
	require.NotEmpty(t, rules)
	first := rules[0]
	require.Equal(t, 0, first.Priority, "the first rule: %v", first)
	require.Equal(t, tableLocal, first.Table, "the first rule: %v", first)

	// A /32 for our own address in main, out of the interface: as specific
	// as the local entry can be.
	// equiv: ip route add 198.18.0.1/32 dev IF scope link
	hostRoute := &netlink.Route{
		LinkIndex: p.LinkA.Attrs().Index,
		Dst:       &net.IPNet{IP: own.AsSlice(), Mask: net.CIDRMask(32, 32)},
		Scope:     netlink.SCOPE_LINK,
		Table:     unix.RT_TABLE_MAIN,
	}
	require.NoError(t, h.RouteAdd(hostRoute), "ip route add %s/32 dev %s", own, dev)

	got := lookup(t, p.A, own.AsSlice())
	gotDev := devName(t, p.A, got.LinkIndex)
	assert.Equal(t, unix.RTN_LOCAL, got.Type, "ip route get %s: type %s", own, typeName(got.Type))
	assert.Equal(t, "lo", gotDev, "ip route get %s", own)

	// With only the default rules the kernel keeps local and main in one
	// merged table (and reports 254). Any added rule splits them; then the
	// answer comes literally from table local, through rule 0.
	// equiv: ip rule add pref 100 lookup main; ip route get 198.18.0.1
	split := netlink.NewRule()
	split.Priority, split.Table = 100, unix.RT_TABLE_MAIN
	require.NoError(t, h.RuleAdd(split), "ip rule add pref 100 lookup main")
	unmerged := lookup(t, p.A, own.AsSlice())
	unmergedDev := devName(t, p.A, unmerged.LinkIndex)
	assert.Equal(t, unix.RTN_LOCAL, unmerged.Type, "ip route get %s, tables split: type %s", own, typeName(unmerged.Type))
	assert.Equal(t, "lo", unmergedDev, "ip route get %s, tables split", own)
	assert.Equal(t, tableLocal, unmerged.Table, "ip route get %s, tables split", own)

	// Negative control: move the local table behind main, and the same
	// /32 in main now decides.
	// equiv: ip rule add pref 40000 lookup local; ip rule del pref 0 lookup local; ip route get 198.18.0.1
	late := netlink.NewRule()
	late.Priority, late.Table = 40000, tableLocal
	require.NoError(t, h.RuleAdd(late), "ip rule add pref 40000 lookup local")
	early := netlink.NewRule()
	early.Priority, early.Table = 0, tableLocal
	require.NoError(t, h.RuleDel(early), "ip rule del pref 0 lookup local")
	reordered := lookup(t, p.A, own.AsSlice())
	reorderedDev := devName(t, p.A, reordered.LinkIndex)
	assert.Equal(t, unix.RTN_UNICAST, reordered.Type, "ip route get %s with local after main: type %s", own, typeName(reordered.Type))
	assert.Equal(t, dev, reorderedDev, "ip route get %s with local after main", own)

	if t.Failed() {
		return
	}
	v.Confirmed("rule 0 lookup local; with %s/32 dev %s in main, ip route get %s: %s dev %s (table %d, merged); "+
		"with a rule added (tables split): %s dev %s (table %d); control with local moved to pref 40000: %s dev %s (table %d)",
		own, dev, own, typeName(got.Type), gotDev, got.Table,
		typeName(unmerged.Type), unmergedDev, unmerged.Table,
		typeName(reordered.Type), reorderedDev, reordered.Table)
}
