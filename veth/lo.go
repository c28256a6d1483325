package veth

import (
	"fmt"

	"netnotes/internal/claims"
)

// DeviceSeen is a device's kind, as `ip -d link` and `tc qdisc` show it.
type DeviceSeen struct {
	Name      string
	Index     int
	LinkType  string // link/loopback, link/ether (ARPHRD)
	Flags     string
	Loopback  bool   // IFF_LOOPBACK
	ParentDev string // IFLA_PARENT_DEV_NAME: the bus device under it, as a NIC has
	Qdisc     string // its root qdisc
	MTU       int
}

// LoFacts is what V9's test saw: the devices of new namespaces, lo in one
// of them, and a veth as the control.
type LoFacts struct {
	NewNetnsDevices [][]string // each new namespace's devices
	Lo              DeviceSeen
	Veth            DeviceSeen // control: a veth, up, in the same namespace
}

// judgeLo is V9's rule: lo is a software device: no bus device lies under
// it. That every new namespace is born with it (no driver probed hardware
// for it), loopback-typed, and that it has no queue, is the picture the
// evidence gives: the sandbox cannot be made without lo, so a namespace
// without one is never observed. No Linux kernel gives lo a parent device:
// the claim is refutable only by a kernel that does (see the catalogue).
func judgeLo(f LoFacts) claims.Finding {
	seen := fmt.Sprintf("new namespaces' devices %v; lo: if%d link/%s <%s> qdisc %s, parent device %q, mtu %d; control: %s link/%s <%s> qdisc %s",
		f.NewNetnsDevices, f.Lo.Index, f.Lo.LinkType, f.Lo.Flags, f.Lo.Qdisc, f.Lo.ParentDev, f.Lo.MTU,
		f.Veth.Name, f.Veth.LinkType, f.Veth.Flags, f.Veth.Qdisc)
	switch {
	case f.Lo.ParentDev != "":
		return claims.Refute("lo sits on a bus device (%s): %s", f.Lo.ParentDev, seen)
	case f.Lo.Qdisc != "noqueue":
		return claims.Refine("lo is software, but has a queue: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

var _ = claims.Register("V9", judgeLo)
