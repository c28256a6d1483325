package firewall

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/sandbox"
)

// Flow is one conntrack entry: the tuple of the packets as they left
// their sender (original) and the one the replies are expected with
// (reply). NAT shows as a reply tuple that is not the original turned
// around.
type Flow struct {
	Proto          string // "tcp", "udp", "icmp"
	Original       Tuple
	Reply          Tuple
	Packets, Bytes uint64 // original direction, where accounting is on (nf_conntrack_acct)
}

// Tuple is one direction's addresses and ports.
type Tuple struct {
	Src, Dst         string // addresses
	SrcPort, DstPort uint16
}

func (t Tuple) String() string {
	return fmt.Sprintf("src=%s dst=%s sport=%d dport=%d", t.Src, t.Dst, t.SrcPort, t.DstPort)
}

// String is the entry as conntrack -L prints it, shortened.
func (f Flow) String() string {
	return fmt.Sprintf("%s %s %s", f.Proto, f.Original, f.Reply)
}

// Conntrack lists the namespace's IPv4 connection-tracking table through
// netlink (ctnetlink; on a modular kernel, nf_conntrack_netlink). It skips,
// naming ctnetlink, where the kernel refuses it.
// equiv: ip netns exec NS conntrack -L
func Conntrack(t testing.TB, ns *sandbox.NS) []Flow {
	t.Helper()
	var h *netlink.Handle
	// The netfilter socket is made inside the namespace and reads its table.
	if err := ns.Do(func() (err error) {
		h, err = netlink.NewHandle(unix.NETLINK_NETFILTER)
		return err
	}); err != nil {
		skipMissing(t, "netfilter's netlink (nfnetlink)", err)
		t.Fatalf("netfilter netlink in %v: %v", ns, err)
	}
	defer h.Close()
	flows, err := h.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	if err != nil {
		// nfnetlink without ctnetlink answers a well-formed request with
		// EINVAL.
		if errors.Is(err, unix.EINVAL) {
			skipLacking(t, "conntrack over netlink (nf_conntrack_netlink)", err)
		}
		skipMissing(t, "conntrack over netlink (nf_conntrack_netlink)", err)
		t.Fatalf("conntrack -L in %v: %v", ns, err)
	}
	out := make([]Flow, 0, len(flows))
	for _, f := range flows {
		out = append(out, Flow{
			Proto:    protoName(f.Forward.Protocol),
			Original: tuple(f.Forward.SrcIP, f.Forward.DstIP, f.Forward.SrcPort, f.Forward.DstPort),
			Reply:    tuple(f.Reverse.SrcIP, f.Reverse.DstIP, f.Reverse.SrcPort, f.Reverse.DstPort),
			Packets:  f.Forward.Packets, Bytes: f.Forward.Bytes,
		})
	}
	return out
}

func tuple(src, dst net.IP, sport, dport uint16) Tuple {
	return Tuple{Src: src.String(), Dst: dst.String(), SrcPort: sport, DstPort: dport}
}

func protoName(p uint8) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	case unix.IPPROTO_ICMP:
		return "icmp"
	}
	return fmt.Sprintf("proto %d", p)
}
