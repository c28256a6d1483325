//go:build linux && sudo

package loopback

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// controlWait bounds the control's delivery with lo down: long enough for a
// delivery that works (well under a millisecond), short, since it is
// expected to lose.
const controlWait = 300 * time.Millisecond

// deliveryBound is how long each step of a delivery over 127.0.0.1 in ns
// may take: deliveryWait while lo is up; with lo down (a drill's), lo
// drops whatever it is given at once, as the control's does, so nothing
// can arrive and the control's short wait is enough.
func deliveryBound(t *testing.T, ns *sandbox.NS) time.Duration {
	if ns.Link(t, "lo").Attrs().Flags&net.FlagUp == 0 {
		return controlWait
	}
	return deliveryWait
}

// "With 127.0.0.1, data does not pass through the NIC, so even with the NIC
// unplugged, communication over loopback is unaffected."
func TestL1LoopbackNeedsNoNIC(t *testing.T) {
	v := claims.Check(t, "L1")
	claims.Judge(v, observeNoNIC(t, nil), judgeNoNIC)
}

// Drill: the same observation with lo taken down in both namespaces before
// the delivery. The claim is about loopback without a card; with lo
// itself down, loopback does not work, and the judge must say so.
// equiv: ip link set lo down; socat - TCP:127.0.0.1:PORT
func TestDrillL1LoopbackDown(t *testing.T) {
	loDown := func(t *testing.T, ns *sandbox.NS) {
		require.NoError(t, ns.Netlink().LinkSetDown(ns.Link(t, "lo")), "ip link set lo down in %v", ns)
	}
	claims.Drill(t, "L1", observeNoNIC(t, loDown), judgeNoNIC, claims.Refuted)
}

// observeNoNIC echoes over 127.0.0.1 in a namespace with no card, then in
// one whose only card has no carrier, then (the control) in one whose lo
// is down. prepare, when not nil, changes the first two namespaces just
// before their delivery (a drill's way to make the claim false).
func observeNoNIC(t *testing.T, prepare func(*testing.T, *sandbox.NS)) NoNICFacts {
	t.Helper()
	var f NoNICFacts

	// No card at all: a fresh namespace holds lo and, where tunnel modules
	// are loaded (ipip, sit, ip_gre...), their fallback devices (tunl0,
	// sit0, gre0...), which every new namespace gets, down. They are
	// recorded, and the judge reads them.
	// equiv: unshare -n sh -c 'ip link set lo up; ip -br link'
	alone := sandbox.New(t)
	links, err := alone.Netlink().LinkList()
	require.NoError(t, err, "ip link in %v", alone)
	for _, l := range links {
		a := l.Attrs()
		f.AloneDevices = append(f.AloneDevices, a.Name)
		if a.Name == "lo" {
			continue
		}
		state := "down"
		if a.Flags&net.FlagUp != 0 {
			state = "up"
			f.AloneOthersUp++
		}
		f.AloneOthers = append(f.AloneOthers, fmt.Sprintf("%s (%s, %s)", a.Name, l.Type(), state))
	}
	if prepare != nil {
		prepare(t, alone)
	}
	f.AloneLo = alone.Link(t, "lo").Attrs().Flags.String()
	f.Alone = tryLoopback(t, alone, deliveryBound(t, alone))

	// An unplugged card: a veth end, addressed and set up, whose peer (in
	// another namespace) stays down, so it has no carrier, as a card whose
	// cable is pulled. IPv6 is off so that nothing else would use it (if
	// the kernel has IPv6 at all).
	// equiv: ip link add IF type veth peer name PEER netns OTHER; ip addr add 198.18.0.1/24 dev IF; ip link set IF up
	ns, unpluggedEnd := sandbox.New(t), sandbox.New(t)
	ns.DisableIPv6(t)
	nic, _ := ns.AddVeth(t, unpluggedEnd)
	f.NIC = nic.Attrs().Name
	ns.AddAddr(t, nic, "198.18.0.1/24")
	ns.SetUp(t, nic)
	wait.For(t, sandbox.LinkTimeout, f.NIC+" to be UP without carrier", func() error {
		a := ns.Link(t, f.NIC).Attrs()
		f.NICState = fmt.Sprintf("flags %v, operstate %v", a.Flags, a.OperState)
		if a.Flags&net.FlagUp == 0 || a.RawFlags&0x10000 != 0 || a.OperState == netlink.OperUp { // IFF_LOWER_UP
			return errors.New(f.NICState)
		}
		return nil
	})
	if prepare != nil {
		prepare(t, ns)
	}
	f.UnpluggedLo = ns.Link(t, "lo").Attrs().Flags.String()
	nicBefore := ns.Counters(t, f.NIC)
	f.Unplugged = tryLoopback(t, ns, deliveryBound(t, ns))
	f.NICTxPackets = ns.Counters(t, f.NIC).Sub(nicBefore).TxPackets

	// Control: what loopback does need is lo. With lo down, table local
	// still answers "local" (see the routing chapter's R1), but lo drops
	// what it is given, and nothing should arrive.
	// equiv: ip link set lo down; socat - TCP:127.0.0.1:PORT
	dead := sandbox.New(t)
	require.NoError(t, dead.Netlink().LinkSetDown(dead.Link(t, "lo")), "ip link set lo down")
	droppedBefore := dead.Link(t, "lo").Attrs().Statistics.TxDropped
	f.LoDown = tryLoopback(t, dead, controlWait)
	f.LoDownTxDropped = dead.Link(t, "lo").Attrs().Statistics.TxDropped - droppedBefore
	return f
}
