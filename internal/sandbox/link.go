package sandbox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/wait"
)

// LinkTimeout bounds every wait for a link's state.
const LinkTimeout = 10 * time.Second

var nameSeq atomic.Uint64

// nameToken is this process's part of every device name it makes: random,
// not its pid, since pids repeat across PID namespaces (two containers'
// test processes may both be pid 9), and the names must not. Five base-36
// digits, as many as a pid (up to 4194304) takes.
var nameToken = strconv.FormatUint(36*36*36*36+rand.Uint64N(36*36*36*36*35), 36)

// UniqueName returns a device name no other test on this machine uses at the
// same time: "nn", a random token of this process's and a counter (base
// 36), then role. Tracepoints see device names from every namespace, so
// names must differ machine-wide, and they must fit IFNAMSIZ (15 bytes).
func UniqueName(role string) string {
	name := "nn" + nameToken + "-" + strconv.FormatUint(nameSeq.Add(1), 36) + role
	if len(name) > 15 {
		panic(fmt.Sprintf("sandbox.UniqueName: %q is longer than IFNAMSIZ-1; use a shorter role than %q", name, role))
	}
	return name
}

// AddVeth makes a veth pair with one end here and the other in peer (which
// may be ns itself). The peer end is created straight inside peer, so a
// crash can never strand it in the host. Both ends are down; names are
// unique machine-wide and end in "a" (here) and "b" (peer).
// equiv: ip link add A type veth peer name B netns PEER
func (ns *NS) AddVeth(t testing.TB, peer *NS) (here, there netlink.Link) {
	t.Helper()
	base := UniqueName("")
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{Name: base + "a"},
		PeerName:  base + "b",
	}
	if peer != ns {
		veth.PeerNamespace = netlink.NsFd(peer.FD())
	}
	if err := ns.nl.LinkAdd(veth); err != nil {
		SkipIfKindMissing(t, "veth", err)
		t.Fatalf("ip link add %s type veth peer name %s in %v: %v", base+"a", base+"b", ns, err)
	}
	return ns.Link(t, base+"a"), peer.Link(t, base+"b")
}

// SkipIfKindMissing skips when err is the kernel's answer to a link kind
// it does not have (EOPNOTSUPP: not built in, and its module neither loaded
// nor loadable here, as in a container), naming the kind and its module.
func SkipIfKindMissing(t testing.TB, kind string, err error) {
	t.Helper()
	if errors.Is(err, unix.EOPNOTSUPP) {
		gate.Skip(t, "needs %s devices, which this kernel refuses to make (%v): load the module (modprobe %s) or run on a kernel built with it", kind, err, kind)
	}
}

// Link fetches a link by name, with fresh attributes and statistics.
func (ns *NS) Link(t testing.TB, name string) netlink.Link {
	t.Helper()
	l, err := ns.nl.LinkByName(name)
	if err != nil {
		t.Fatalf("ip link show %s in %v: %v", name, ns, err)
	}
	return l
}

// SetUp brings a link up. The change is asynchronous: use WaitRunning to see
// it take effect.
// equiv: ip link set NAME up
func (ns *NS) SetUp(t testing.TB, link netlink.Link) {
	t.Helper()
	if err := ns.nl.LinkSetUp(link); err != nil {
		t.Fatalf("ip link set %s up in %v: %v", link.Attrs().Name, ns, err)
	}
}

// AddAddr adds an address (CIDR, "198.18.0.1/24") to a link. IPv6 addresses
// are added without duplicate address detection, ready at once.
// equiv: ip addr add CIDR dev NAME
func (ns *NS) AddAddr(t testing.TB, link netlink.Link, cidr string) *netlink.Addr {
	t.Helper()
	addr, err := netlink.ParseAddr(cidr)
	if err != nil {
		t.Fatalf("bad address %q: %v", cidr, err)
	}
	if addr.IP.To4() == nil {
		addr.Flags |= 0x02 // IFA_F_NODAD
	}
	if err := ns.nl.AddrAdd(link, addr); err != nil {
		t.Fatalf("ip addr add %s dev %s in %v: %v", cidr, link.Attrs().Name, ns, err)
	}
	return addr
}

// WaitRunning waits until the link is up with carrier (UP,LOWER_UP and
// operstate up) and returns its fresh state.
func (ns *NS) WaitRunning(t testing.TB, name string) netlink.Link {
	t.Helper()
	var link netlink.Link
	wait.For(t, LinkTimeout, name+" to be UP,LOWER_UP in "+ns.String(), func() (err error) {
		link, err = ns.nl.LinkByName(name)
		if err != nil {
			return err
		}
		a := link.Attrs()
		if a.RawFlags&0x10000 == 0 || a.OperState != netlink.OperUp { // IFF_LOWER_UP
			return errors.New("flags " + a.Flags.String() + ", operstate " + a.OperState.String())
		}
		return nil
	})
	return link
}

// Counters are a link's packet and byte counters, as `ip -s link` shows.
type Counters struct {
	RxPackets, TxPackets, RxBytes, TxBytes uint64
}

// Counters reads a link's counters now.
// equiv: ip -s link show NAME
func (ns *NS) Counters(t testing.TB, name string) Counters {
	t.Helper()
	s := ns.Link(t, name).Attrs().Statistics
	if s == nil {
		t.Fatalf("no statistics for %s in %v", name, ns)
	}
	return Counters{RxPackets: s.RxPackets, TxPackets: s.TxPackets, RxBytes: s.RxBytes, TxBytes: s.TxBytes}
}

// Sub returns the change from an earlier reading.
func (c Counters) Sub(before Counters) Counters {
	return Counters{
		RxPackets: c.RxPackets - before.RxPackets,
		TxPackets: c.TxPackets - before.TxPackets,
		RxBytes:   c.RxBytes - before.RxBytes,
		TxBytes:   c.TxBytes - before.TxBytes,
	}
}

func (c Counters) String() string {
	return fmt.Sprintf("rx %d pkts/%d B, tx %d pkts/%d B", c.RxPackets, c.RxBytes, c.TxPackets, c.TxBytes)
}
