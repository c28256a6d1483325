//go:build linux && sudo

package veth

import (
	"fmt"
	"testing"

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
func TestV9LoIsASoftwareDeviceInEveryNamespace(t *testing.T) {
	v := claims.Check(t, "V9")
	facts := observeLo(t, sandbox.New(t), sandbox.New(t))
	claims.Judge(v, facts, judgeLo)
}

// observeLo lists the devices of new namespaces, reads lo in the first
// (type, flags, parent device, qdisc), and a veth made there as the
// control.
func observeLo(t *testing.T, first, second *sandbox.NS) LoFacts {
	t.Helper()
	var f LoFacts
	// Every new namespace is born with lo, and with nothing else: no driver
	// probed hardware for it.
	for _, ns := range []*sandbox.NS{first, second} {
		f.NewNetnsDevices = append(f.NewNetnsDevices, linkNames(t, ns))
	}
	// No bus device under it (IFLA_PARENT_DEV_NAME, which a NIC has: its
	// PCI or virtio device), and no queue: packets go straight to the
	// driver. equiv: tc qdisc show dev lo
	f.Lo = deviceOf(t, first, first.Link(t, "lo"))

	// Control: a veth made in the same namespace is an Ethernet device
	// without the LOOPBACK flag; it is software too, and once up (a down
	// device has no qdisc at all) it also has no queue.
	here, there := first.AddVeth(t, first)
	first.SetUp(t, here)
	first.SetUp(t, there)
	f.Veth = deviceOf(t, first, first.WaitRunning(t, here.Attrs().Name))
	return f
}

func deviceOf(t *testing.T, ns *sandbox.NS, l netlink.Link) DeviceSeen {
	t.Helper()
	a := l.Attrs()
	return DeviceSeen{
		Name: a.Name, Index: a.Index, LinkType: a.EncapType, Flags: ipFlags(a),
		Loopback: a.RawFlags&unix.IFF_LOOPBACK != 0, ParentDev: a.ParentDev,
		Qdisc: qdiscOf(t, ns, l), MTU: a.MTU,
	}
}
