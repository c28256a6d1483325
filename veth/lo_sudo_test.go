//go:build linux && sudo

package veth_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
)

// qdiscOf names a link's root qdisc, as `tc qdisc show dev NAME` does.
func qdiscOf(t testing.TB, ns *sandbox.NS, link netlink.Link) string {
	t.Helper()
	qdiscs, err := ns.Netlink().QdiscList(link)
	if err != nil {
		t.Fatalf("tc qdisc show dev %s in %v: %v", link.Attrs().Name, ns, err)
	}
	for _, q := range qdiscs {
		if q.Attrs().Parent == netlink.HANDLE_ROOT {
			return q.Type()
		}
	}
	return fmt.Sprintf("none of %v", qdiscs)
}

// The notes: "the lo loopback device of local network IO is also a device
// virtualised in software"; `ip link show` prints it as
// `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue ... link/loopback`.
// equiv: ip netns add x; ip -n x -d link show
func TestV9LoIsASoftwareDeviceInEveryNamespace(t *testing.T) {
	v := claims.Check(t, "V9")
	first, second := sandbox.New(t), sandbox.New(t)

	// Every new namespace is born with lo, and with nothing else: no
	// driver probed hardware for it.
	for _, ns := range []*sandbox.NS{first, second} {
		assert.Equal(t, []string{"lo"}, linkNames(t, ns), "devices of a new %v", ns)
	}
	lo := first.Link(t, "lo")
	a := lo.Attrs()
	assert.Equal(t, 1, a.Index, "lo's ifindex")
	assert.Equal(t, "loopback", a.EncapType, "lo's link type (ARPHRD)")
	assert.NotZero(t, a.RawFlags&unix.IFF_LOOPBACK, "lo's flags %s", ipFlags(a))
	// No bus device under it (IFLA_PARENT_DEV_NAME, which a NIC has: its
	// PCI or virtio device), and no queue: packets go straight to the
	// driver. equiv: tc qdisc show dev lo
	assert.Empty(t, a.ParentDev, "lo's parent device")
	loQdisc := qdiscOf(t, first, lo)
	assert.Equal(t, "noqueue", loQdisc, "lo's root qdisc")

	// Control: a veth made in the same namespace is an Ethernet device
	// without the LOOPBACK flag; it is software too, and once up (a down
	// device has no qdisc at all) it also has no queue.
	here, there := first.AddVeth(t, first)
	first.SetUp(t, here)
	first.SetUp(t, there)
	here = first.WaitRunning(t, here.Attrs().Name)
	h := here.Attrs()
	assert.Equal(t, "ether", h.EncapType)
	assert.Zero(t, h.RawFlags&unix.IFF_LOOPBACK, "%s's flags %s", h.Name, ipFlags(h))
	hereQdisc := qdiscOf(t, first, here)

	v.Confirmed("in each new netns the only device is lo (if%d), link/%s, <%s>, qdisc %s, no parent device, mtu %d; "+
		"control: veth %s is link/%s <%s> qdisc %s",
		a.Index, a.EncapType, ipFlags(a), loQdisc, a.MTU, h.Name, h.EncapType, ipFlags(h), hereQdisc)
}
