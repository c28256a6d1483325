//go:build linux && sudo

package veth

import (
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/nstat"
	"netnotes/internal/sandbox"
)

// linkNames lists a namespace's devices by name.
// equiv: ip -br link
func linkNames(t testing.TB, ns *sandbox.NS) []string {
	t.Helper()
	links, err := ns.Netlink().LinkList()
	if err != nil {
		t.Fatalf("ip link show in %v: %v", ns, err)
	}
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = l.Attrs().Name
	}
	return names
}

// ipFlags renders a link's flags as `ip link` prints them between < >.
func ipFlags(a *netlink.LinkAttrs) string {
	var out []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{
		{unix.IFF_LOOPBACK, "LOOPBACK"}, {unix.IFF_BROADCAST, "BROADCAST"}, {unix.IFF_POINTOPOINT, "POINTOPOINT"},
		{unix.IFF_MULTICAST, "MULTICAST"}, {unix.IFF_NOARP, "NOARP"}, {unix.IFF_UP, "UP"}, {unix.IFF_LOWER_UP, "LOWER_UP"},
	} {
		if a.RawFlags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	if a.RawFlags&unix.IFF_UP != 0 && a.RawFlags&unix.IFF_RUNNING == 0 {
		out = append([]string{"NO-CARRIER"}, out...)
	}
	return strings.Join(out, ",")
}

// snmp reads one counter of a namespace's /proc/net/snmp ("Icmp",
// "InEchos"): the protocol layer's own count, not the device's.
// equiv: ip netns exec NS nstat -az IcmpInEchos
func snmp(t testing.TB, ns *sandbox.NS, proto, field string) uint64 {
	t.Helper()
	var value int64
	err := ns.Do(func() (err error) {
		value, err = nstat.Read("snmp", proto, field)
		return err
	})
	if err != nil {
		t.Fatalf("reading %s %s in %v: %v", proto, field, ns, err)
	}
	return uint64(value)
}
