//go:build linux && sudo

package veth_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// The notes: "create a veth with `ip link add veth4 type veth peer name
// veth5`; `ip a` shows that veth devices appear in pairs" (veth5@veth4,
// veth4@veth5).
// equiv: ip link add veth4 type veth peer name veth5; ip link show; ip link del veth5
func TestV1VethDevicesComeInPairs(t *testing.T) {
	v := claims.Check(t, "V1")
	here, there := sandbox.New(t), sandbox.New(t)

	// One request, two devices.
	before := linkNames(t, here)
	a, b := here.AddVeth(t, here)
	after := linkNames(t, here)
	require.Len(t, after, len(before)+2, "before %v, after %v", before, after)

	// Each end names the other as its link (IFLA_LINK, the "@veth4" of
	// `ip link`): the peer's ifindex.
	a, b = here.Link(t, a.Attrs().Name), here.Link(t, b.Attrs().Name)
	assert.Equal(t, "veth", a.Type())
	assert.Equal(t, "veth", b.Type())
	assert.Equal(t, b.Attrs().Index, a.Attrs().ParentIndex, "%s's peer", a.Attrs().Name)
	assert.Equal(t, a.Attrs().Index, b.Attrs().ParentIndex, "%s's peer", b.Attrs().Name)

	// Across namespaces the peer index is in the other namespace's
	// numbering, and IFLA_LINK_NETNSID says which namespace that is.
	// equiv: ip link add c type veth peer name d netns THERE; ip link show c (link-netnsid N)
	c, d := here.AddVeth(t, there)
	c, d = here.Link(t, c.Attrs().Name), there.Link(t, d.Attrs().Name)
	thereID, err := here.Netlink().GetNetNsIdByFd(there.FD())
	require.NoError(t, err)
	hereID, err := there.Netlink().GetNetNsIdByFd(here.FD())
	require.NoError(t, err)
	assert.Equal(t, d.Attrs().Index, c.Attrs().ParentIndex, "%s's peer", c.Attrs().Name)
	assert.Equal(t, c.Attrs().Index, d.Attrs().ParentIndex, "%s's peer", d.Attrs().Name)
	assert.Equal(t, thereID, c.Attrs().NetNsID, "%s's link-netnsid", c.Attrs().Name)
	assert.Equal(t, hereID, d.Attrs().NetNsID, "%s's link-netnsid", d.Attrs().Name)

	// Negative control: a third pair that nobody deletes.
	x, y := here.AddVeth(t, here)

	// Deleting either end removes both: the second-made end here...
	// equiv: ip link del veth5
	require.NoError(t, here.Netlink().LinkDel(b))
	waitGone(t, here, a.Attrs().Name)
	// ...and, across namespaces, the end in the other namespace.
	require.NoError(t, here.Netlink().LinkDel(c))
	waitGone(t, there, d.Attrs().Name)

	left := linkNames(t, here)
	assert.ElementsMatch(t, append(before, x.Attrs().Name, y.Attrs().Name), left, "the bystander pair must survive")
	assert.ElementsMatch(t, []string{"lo"}, linkNames(t, there))

	v.Confirmed("one add made 2 devices (%d -> %d links); %s; %s; across netns %s (link-netnsid %d) and %s (link-netnsid %d); "+
		"del %s removed %s, del %s removed %s in the other netns; bystander %s/%s kept",
		len(before), len(after), peerOf(a), peerOf(b),
		peerOf(c), c.Attrs().NetNsID, peerOf(d), d.Attrs().NetNsID,
		b.Attrs().Name, a.Attrs().Name, c.Attrs().Name, d.Attrs().Name, x.Attrs().Name, y.Attrs().Name)
}

// The notes: a new pair is `<BROADCAST,MULTICAST,M-DOWN> ... state DOWN`;
// `ip addr add 192.168.5.1/24 dev veth4` works while it is down; after
// `ip link set veth4 up; ip link set veth5 up` both are
// `<BROADCAST,MULTICAST,UP,LOWER_UP> ... state UP`.
// equiv: ip link add ...; ip addr add ...; ip link set veth4 up; ip link show; ip link set veth5 up
func TestV2ANewPairIsDownAndComesUpWithBothEnds(t *testing.T) {
	v := claims.Check(t, "V2")
	here, there := sandbox.New(t), sandbox.New(t)

	type steps struct{ fresh, oneUp, bothUp string }
	seen := map[string]steps{}
	for _, placement := range []struct {
		name string
		peer *sandbox.NS
	}{{"same netns", here}, {"peer in another netns", there}} {
		a, b := here.AddVeth(t, placement.peer)
		var s steps

		// Fresh: not UP, no carrier, operstate down.
		a = here.Link(t, a.Attrs().Name)
		assert.Zero(t, a.Attrs().RawFlags&(unix.IFF_UP|unix.IFF_LOWER_UP), "fresh %s", describe(a))
		assert.Equal(t, netlink.LinkOperState(netlink.OperDown), a.Attrs().OperState, "fresh %s", describe(a))
		s.fresh = describe(a)

		// Addresses go on before up.
		here.AddAddr(t, a, "198.18.2.1/24")
		placement.peer.AddAddr(t, b, "198.18.2.2/24")
		addrs, err := here.Netlink().AddrList(a, netlink.FAMILY_V4)
		require.NoError(t, err)
		require.Len(t, addrs, 1, "addresses of down %s", a.Attrs().Name)

		// One end up: UP but no carrier, whatever operstate the kernel
		// settles on. The kernel's link watcher computes operstate in
		// the background, so the test polls rather than reads once.
		here.SetUp(t, a)
		start := time.Now()
		wait.For(t, sandbox.LinkTimeout, a.Attrs().Name+" UP without carrier", func() error {
			a = here.Link(t, a.Attrs().Name)
			at := a.Attrs()
			if at.RawFlags&unix.IFF_UP == 0 || at.RawFlags&unix.IFF_LOWER_UP != 0 ||
				(at.OperState != netlink.OperDown && at.OperState != netlink.OperLowerLayerDown) {
				return fmt.Errorf("saw %s", describe(a))
			}
			return nil
		})
		s.oneUp = fmt.Sprintf("%s after %v", describe(a), time.Since(start).Round(time.Microsecond))

		// Both up: carrier on both ends.
		placement.peer.SetUp(t, b)
		a = here.WaitRunning(t, a.Attrs().Name)
		b = placement.peer.WaitRunning(t, b.Attrs().Name)
		for _, l := range []netlink.Link{a, b} {
			assert.Equal(t, uint32(unix.IFF_UP|unix.IFF_LOWER_UP), l.Attrs().RawFlags&(unix.IFF_UP|unix.IFF_LOWER_UP), describe(l))
		}
		s.bothUp = describe(a) + " / " + describe(b)
		seen[placement.name] = s
	}

	same, cross := seen["same netns"], seen["peer in another netns"]
	v.Confirmed("fresh: %s; address added while down; one end up: %s (peer in same netns), %s (peer in another netns); both up: %s",
		same.fresh, same.oneUp, cross.oneUp, same.bothUp)
}
