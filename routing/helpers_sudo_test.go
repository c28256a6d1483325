//go:build linux && sudo

package routing

import (
	"net"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/sandbox"
)

// tableLocal is the kernel's routing table 255, "local".
const tableLocal = unix.RT_TABLE_LOCAL

// describe turns a netlink route into an entry, naming its device.
func describe(t testing.TB, ns *sandbox.NS, r netlink.Route) Entry {
	t.Helper()
	e := Entry{Type: sandbox.RouteTypeName(r.Type), Proto: r.Protocol.String(), Scope: r.Scope.String(), Src: "-", Dev: "-", Dst: "default"}
	if r.Dst != nil {
		e.Dst = r.Dst.String()
		if ones, bits := r.Dst.Mask.Size(); ones == bits {
			e.Dst = r.Dst.IP.String() // ip prints host routes without /32
		}
	}
	if r.Src != nil {
		e.Src = r.Src.String()
	}
	if r.LinkIndex != 0 {
		link, err := ns.Netlink().LinkByIndex(r.LinkIndex)
		require.NoError(t, err, "device %d of route %v", r.LinkIndex, r)
		e.Dev = link.Attrs().Name
	}
	return e
}

// localTable reads table local's IPv4 entries in the namespace.
// equiv: ip route show table local
func localTable(t testing.TB, ns *sandbox.NS) []Entry {
	t.Helper()
	routes, err := ns.Netlink().RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: tableLocal}, netlink.RT_FILTER_TABLE)
	require.NoError(t, err, "ip route show table local in %v", ns)
	entries := make([]Entry, 0, len(routes))
	for _, r := range routes {
		entries = append(entries, describe(t, ns, r))
	}
	return entries
}

// onDev keeps the entries of one device.
func onDev(entries []Entry, dev string) []Entry {
	return slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool { return e.Dev != dev })
}

// lookup asks the kernel which route a packet to dst would take. An error
// from the lookup is the kernel's answer (no route, say), kept as a fact.
// equiv: ip route get DST
func lookup(t testing.TB, ns *sandbox.NS, dst net.IP) Lookup {
	t.Helper()
	routes, err := ns.Netlink().RouteGet(dst)
	if err != nil {
		return Lookup{Err: err.Error()}
	}
	require.Len(t, routes, 1, "ip route get %v: one answer", dst)
	r := routes[0]
	dev := "-"
	if r.LinkIndex != 0 {
		link, err := ns.Netlink().LinkByIndex(r.LinkIndex)
		require.NoError(t, err, "device %d in %v", r.LinkIndex, ns)
		dev = link.Attrs().Name
	}
	return Lookup{Type: sandbox.RouteTypeName(r.Type), Dev: dev, Table: r.Table}
}
