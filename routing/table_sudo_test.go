//go:build linux && sudo

package routing_test

import (
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// The notes' local table, lo's part:
//
//	local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1
//	local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
//	broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1
//
// equiv: ip link set lo up; ip route show table local
func TestLocalTableHoldsLoopbackEntries(t *testing.T) {
	v := claims.Check(t, "R1")
	ns := sandbox.New(t) // a fresh namespace whose lo has just come up

	notes := []entry{
		{"local", "127.0.0.0/8", "lo", "kernel", "host", "127.0.0.1"},
		{"local", "127.0.0.1", "lo", "kernel", "host", "127.0.0.1"},
		{"broadcast", "127.255.255.255", "lo", "kernel", "link", "127.0.0.1"},
	}
	var table []entry
	wait.For(t, sandbox.LinkTimeout, "lo's entries in table local", func() error {
		table = localTable(t, ns)
		for _, e := range notes {
			if !slices.Contains(table, e) {
				return errors.New("table local: " + list(table))
			}
		}
		return nil
	})
	// Anything beyond the notes' lines is recorded, not judged: kernels
	// before 5.14 also added `broadcast 127.0.0.0`, the network address.
	others := slices.DeleteFunc(slices.Clone(table), func(e entry) bool { return slices.Contains(notes, e) })
	networkBroadcast := slices.ContainsFunc(table, func(e entry) bool { return e.Type == "broadcast" && e.Dst == "127.0.0.0" })

	// The /8 entry makes every 127.x.y.z address this host's own.
	// equiv: ip route get 127.1.2.3
	anyLoopback := lookup(t, ns, net.ParseIP("127.1.2.3"))
	assert.Equal(t, unix.RTN_LOCAL, anyLoopback.Type, "ip route get 127.1.2.3: type %s", typeName(anyLoopback.Type))
	assert.Equal(t, "lo", devName(t, ns, anyLoopback.LinkIndex))

	// What lo going down does, recorded: the broadcast entry leaves, the
	// local ones stay (a lookup still says local; packets then die in
	// lo's transmit queue, see the loopback chapter's L1).
	// equiv: ip link set lo down; ip route show table local; ip link set lo up
	lo := ns.Link(t, "lo")
	require.NoError(t, ns.Netlink().LinkSetDown(lo), "ip link set lo down")
	whileDown := onDev(localTable(t, ns), "lo")
	ns.SetUp(t, lo)
	wait.For(t, sandbox.LinkTimeout, "lo's entries to come back after up", func() error {
		if again := localTable(t, ns); !slices.Equal(again, table) {
			return errors.New("table local: " + list(again))
		}
		return nil
	})

	// Negative control: the entries are there because lo has 127.0.0.1/8.
	// Take the address away and all of them go.
	// equiv: ip addr del 127.0.0.1/8 dev lo; ip route show table local
	loAddr, err := netlink.ParseAddr("127.0.0.1/8")
	require.NoError(t, err)
	require.NoError(t, ns.Netlink().AddrDel(lo, loAddr), "ip addr del 127.0.0.1/8 dev lo")
	withoutAddr := onDev(localTable(t, ns), "lo")
	assert.Empty(t, withoutAddr, "lo has no address, yet table local holds: %s", list(withoutAddr))

	if t.Failed() {
		return
	}
	brd0 := "no `broadcast 127.0.0.0` (network-address broadcasts are gone since 5.14)"
	if networkBroadcast {
		brd0 = "`broadcast 127.0.0.0` present (a pre-5.14 kernel)"
	}
	v.Confirmed("table local: %s; other entries: %s; %s; ip route get 127.1.2.3: local dev lo; lo down leaves %s; without lo's 127.0.0.1/8: %s",
		list(table), brief(others), brd0, brief(whileDown), brief(withoutAddr))
}
