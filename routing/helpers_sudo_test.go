//go:build linux && sudo

package routing_test

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/sandbox"
)

// tableLocal is the kernel's routing table 255, "local".
const tableLocal = unix.RT_TABLE_LOCAL

// entry is one route in the words `ip route` uses, so that a test compares
// the kernel's table with the notes' lines and a failure reads like them.
// It is built from the netlink message, never from ip's output.
type entry struct {
	Type, Dst, Dev, Proto, Scope, Src string
}

func (e entry) String() string {
	return fmt.Sprintf("%s %s dev %s proto %s scope %s src %s", e.Type, e.Dst, e.Dev, e.Proto, e.Scope, e.Src)
}

var routeTypes = map[int]string{
	unix.RTN_UNICAST: "unicast", unix.RTN_LOCAL: "local", unix.RTN_BROADCAST: "broadcast",
	unix.RTN_ANYCAST: "anycast", unix.RTN_MULTICAST: "multicast", unix.RTN_BLACKHOLE: "blackhole",
	unix.RTN_UNREACHABLE: "unreachable", unix.RTN_PROHIBIT: "prohibit",
}

func typeName(t int) string {
	if name, ok := routeTypes[t]; ok {
		return name
	}
	return fmt.Sprintf("type%d", t)
}

// describe turns a netlink route into an entry, naming its device.
func describe(t testing.TB, ns *sandbox.NS, r netlink.Route) entry {
	t.Helper()
	e := entry{Type: typeName(r.Type), Proto: r.Protocol.String(), Scope: r.Scope.String(), Src: "-", Dev: "-", Dst: "default"}
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
func localTable(t testing.TB, ns *sandbox.NS) []entry {
	t.Helper()
	routes, err := ns.Netlink().RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: tableLocal}, netlink.RT_FILTER_TABLE)
	require.NoError(t, err, "ip route show table local in %v", ns)
	entries := make([]entry, 0, len(routes))
	for _, r := range routes {
		entries = append(entries, describe(t, ns, r))
	}
	return entries
}

// onDev keeps the entries of one device.
func onDev(entries []entry, dev string) []entry {
	return slices.DeleteFunc(slices.Clone(entries), func(e entry) bool { return e.Dev != dev })
}

func list(entries []entry) string {
	if len(entries) == 0 {
		return "(none)"
	}
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = e.String()
	}
	return strings.Join(s, "; ")
}

// lookup asks the kernel which route a packet to dst would take.
// equiv: ip route get DST
func lookup(t testing.TB, ns *sandbox.NS, dst net.IP) netlink.Route {
	t.Helper()
	routes, err := ns.Netlink().RouteGet(dst)
	require.NoError(t, err, "ip route get %v in %v", dst, ns)
	require.Len(t, routes, 1, "ip route get %v", dst)
	return routes[0]
}

// devName names a link index in the namespace.
func devName(t testing.TB, ns *sandbox.NS, index int) string {
	t.Helper()
	link, err := ns.Netlink().LinkByIndex(index)
	require.NoError(t, err, "device %d in %v", index, ns)
	return link.Attrs().Name
}

// brief lists entries by type and destination only, for evidence lines.
func brief(entries []entry) string {
	if len(entries) == 0 {
		return "(none)"
	}
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = e.Type + " " + e.Dst
	}
	return strings.Join(s, ", ")
}
