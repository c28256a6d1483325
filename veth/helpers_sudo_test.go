//go:build linux && sudo

package veth

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

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
	var value uint64
	err := ns.Do(func() error {
		// /proc/self/net is the main thread's namespace; this thread's is
		// under thread-self.
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		var header []string
		for _, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || fields[0] != proto+":" {
				continue
			}
			if header == nil {
				header = fields
				continue
			}
			for i, name := range header {
				if name == field && i < len(fields) {
					value, err = strconv.ParseUint(fields[i], 10, 64)
					return err
				}
			}
		}
		return fmt.Errorf("no %s %s in /proc/net/snmp", proto, field)
	})
	if err != nil {
		t.Fatalf("reading %s %s in %v: %v", proto, field, ns, err)
	}
	return value
}
