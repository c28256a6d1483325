//go:build linux && sudo

package veth

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/firewall"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// (beyond the notes) The series' next part, 彻底弄懂 Linux 网络命名空间:
// "a new network namespace holds only lo, and it is down; no routes, no
// iptables rules of its own."
// equiv: ip netns add x; ip -n x -d addr; ip -n x route show table all; ip -n x -6 route show table all
// equiv: ip -n x rule; ip -n x -6 rule; ip netns exec x nft list ruleset; ip netns exec x iptables-legacy-save; ip netns del x
func TestV10NewNamespaceHoldsOnlyLoDown(t *testing.T) {
	v := claims.Check(t, "V10")
	claims.Judge(v, observeFresh(t, sandbox.NewAsMade(t)), judgeFresh)
}

// Drill: the same observation on a namespace that a runtime has set up
// already: lo up (so it has 127.0.0.1 and table local its entries), a veth
// end, a rule, and an nftables table with a rule. Every part is false
// there.
// equiv: ip -n x link set lo up; ip -n x link add v type veth peer name w; ip -n x rule add pref 100 lookup 100
// equiv: ip netns exec x nft add table ip filter; ip netns exec x nft add chain ip filter forward '{ type filter hook forward priority 0; }'; ip netns exec x nft add rule ip filter forward counter accept
func TestDrillV10NamespaceInUse(t *testing.T) {
	ns := sandbox.New(t) // lo up
	ns.AddVeth(t, ns)
	rule := netlink.NewRule()
	rule.Priority, rule.Table = 100, 100
	require.NoError(t, ns.Netlink().RuleAdd(rule), "ip rule add pref 100 lookup 100")
	firewall.Open(t, ns).Chain(t, "filter", "forward", firewall.Forward).Add(t, firewall.Accept())
	claims.Drill(t, "V10", observeFresh(t, ns), judgeFresh, claims.Refuted)
}

// observeFresh reads everything the namespace holds: its devices with
// their flags and addresses, the routes of every table, the rules, the
// nftables ruleset and the legacy x_tables. Then, as the control, it sets
// lo up and reads lo's addresses and the routes again.
func observeFresh(t *testing.T, ns *sandbox.NS) FreshFacts {
	t.Helper()
	h := ns.Netlink()
	var f FreshFacts

	// equiv: ip -d addr
	links, err := h.LinkList()
	require.NoError(t, err, "ip link in %v", ns)
	for _, l := range links {
		a := l.Attrs()
		f.Links = append(f.Links, LinkSeen{
			Name: a.Name, Kind: l.Type(), Flags: ipFlags(a), Up: a.RawFlags&unix.IFF_UP != 0,
			OperState: a.OperState.String(), Addrs: addrsOf(t, ns, l),
		})
	}
	f.Routes = routesOf(t, ns, 0)

	// equiv: ip rule; ip -6 rule
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		rules, err := h.RuleList(fam)
		if fam == netlink.FAMILY_V6 && errors.Is(err, unix.EAFNOSUPPORT) {
			continue // no IPv6 in this kernel (ipv6.disable=1): no IPv6 rules either
		}
		require.NoError(t, err, "ip %s rule in %v", familyWord(fam), ns)
		for _, r := range rules {
			f.Rules = append(f.Rules, ruleString(r))
		}
	}

	// equiv: ip netns exec x nft list ruleset
	nft, err := firewall.Dial(ns)
	switch {
	case errors.Is(err, firewall.ErrNotInKernel):
		f.NftAbsent = err.Error()
	case err != nil:
		f.NftError = err.Error()
	default:
		if f.Nft, err = nft.Ruleset(); err != nil {
			f.NftError = err.Error()
		}
		_ = nft.Close()
	}
	// equiv: ip netns exec x iptables-legacy-save; ip netns exec x ip6tables-legacy-save
	if f.Legacy, err = firewall.ReadLegacy(ns); err != nil {
		f.LegacyError = err.Error()
	}

	// Control: lo up. The kernel gives it 127.0.0.1/8 (and ::1) and table
	// local its entries at once; poll briefly all the same.
	// equiv: ip -n x link set lo up; ip -n x addr show lo; ip -n x route show table all
	lo := ns.Link(t, "lo")
	ns.SetUp(t, lo)
	_ = wait.Until(time.Second, func() error {
		f.ControlAddrs, f.ControlRoutes = addrsOf(t, ns, lo), routesOf(t, ns, 0)
		if len(f.ControlAddrs) == 0 || len(f.ControlRoutes) == 0 {
			return errors.New("not yet")
		}
		return nil
	})
	return f
}

// addrsOf lists a device's addresses, IPv4 and IPv6, as CIDRs.
// equiv: ip addr show dev NAME
func addrsOf(t *testing.T, ns *sandbox.NS, l netlink.Link) []string {
	t.Helper()
	addrs, err := ns.Netlink().AddrList(l, netlink.FAMILY_ALL)
	require.NoError(t, err, "ip addr show dev %s in %v", l.Attrs().Name, ns)
	var out []string
	for _, a := range addrs {
		out = append(out, a.IPNet.String())
	}
	return out
}

// routesOf lists the routes of every table, IPv4 and IPv6, through the
// device with index dev (0: every route).
// equiv: ip route show table all; ip -6 route show table all
func routesOf(t *testing.T, ns *sandbox.NS, dev int) []string {
	t.Helper()
	var out []string
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := ns.Netlink().RouteListFiltered(fam, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
		if fam == netlink.FAMILY_V6 && errors.Is(err, unix.EAFNOSUPPORT) {
			continue
		}
		require.NoError(t, err, "ip %s route show table all in %v", familyWord(fam), ns)
		for _, r := range routes {
			if dev != 0 && r.LinkIndex != dev {
				continue
			}
			out = append(out, routeString(t, ns, fam, r))
		}
	}
	return out
}

// routeString writes a route as `ip route show table all` does, with the
// family and table in front.
func routeString(t *testing.T, ns *sandbox.NS, fam int, r netlink.Route) string {
	dst := "default"
	if r.Dst != nil {
		dst = r.Dst.String()
	}
	s := fmt.Sprintf("%s table %d %s %s", familyWord(fam), r.Table, sandbox.RouteTypeName(r.Type), dst)
	if r.Gw != nil {
		s += " via " + r.Gw.String()
	}
	if r.LinkIndex != 0 {
		name := fmt.Sprintf("if%d", r.LinkIndex)
		if l, err := ns.Netlink().LinkByIndex(r.LinkIndex); err == nil {
			name = l.Attrs().Name
		}
		s += " dev " + name
	}
	return s
}

// ruleString writes a rule as "ipv4 pref 0 lookup 255", with its
// selectors where it has any beyond "from all".
func ruleString(r netlink.Rule) string {
	s := fmt.Sprintf("%s pref %d lookup %d", familyWord(r.Family), r.Priority, r.Table)
	if r.Src != nil || r.Dst != nil || r.IifName != "" || r.OifName != "" || r.Mark != 0 || r.Invert ||
		(r.Type != 0 && r.Type != unix.FR_ACT_TO_TBL) {
		s += " (" + r.String() + ")"
	}
	return s
}

func familyWord(fam int) string {
	if fam == netlink.FAMILY_V6 {
		return "ipv6"
	}
	return "ipv4"
}

// (beyond the notes) 彻底弄懂 Linux 网络命名空间 moves a veth end into a
// namespace and then gives it an address and sets it up there: "a device
// moved into another namespace loses its IP configuration and is down."
// equiv: ip netns add x; ip link add v1 type veth peer name v2; ip addr add 198.18.11.1/24 dev v1; ip link set v1 up
// equiv: ip link set v1 netns x; ip -n x addr show v1; ip netns del x
func TestV11MovedDeviceLosesAddressesAndIsDown(t *testing.T) {
	v := claims.Check(t, "V11")
	claims.Judge(v, observeMove(t, nil), judgeMove)
}

// Drill: the mover configures the device again on the other side (as a
// CNI plugin does right after the move), before the observation reads it:
// it has addresses and is up there, and the judge must refute.
// equiv: ip link set v1 netns x; ip -n x addr add 198.18.11.1/24 dev v1; ip -n x link set v1 up
func TestDrillV11MoverReconfigures(t *testing.T) {
	reconfigure := func(t *testing.T, ns *sandbox.NS, l netlink.Link) {
		ns.AddAddr(t, l, moveAddrs[0])
		ns.SetUp(t, l)
	}
	claims.Drill(t, "V11", observeMove(t, reconfigure), judgeMove, claims.Refuted)
}

// moveAddrs are the moved device's addresses; the control adds the first
// back.
var moveAddrs = []string{"198.18.11.1/24", "198.19.11.1/24"}

// observeMove makes a veth end in a first namespace, with two addresses,
// up with carrier (its peer in a third namespace, up), moves it into a
// second namespace and reads it on both sides. afterMove, when not nil,
// changes the device in its new namespace before it is read (a drill's
// way to make the claim false). Then, as the control, one address is
// added again and read.
func observeMove(t *testing.T, afterMove func(*testing.T, *sandbox.NS, netlink.Link)) MoveFacts {
	t.Helper()
	first, second, peerNS := sandbox.New(t), sandbox.New(t), sandbox.New(t)
	for _, ns := range []*sandbox.NS{first, second, peerNS} {
		ns.DisableIPv6(t)
	}
	dev, peer := first.AddVeth(t, peerNS)
	for _, a := range moveAddrs {
		first.AddAddr(t, dev, a)
	}
	peerNS.SetUp(t, peer)
	first.SetUp(t, dev)
	name := dev.Attrs().Name
	dev = first.WaitRunning(t, name)

	var f MoveFacts
	f.Before = deviceState(t, first, dev)
	f.RoutesBefore = routesOf(t, first, dev.Attrs().Index)

	// equiv: ip link set NAME netns x  # RTM_NEWLINK with IFLA_NET_NS_FD
	require.NoError(t, first.Netlink().LinkSetNsFd(dev, second.FD()), "ip link set %s netns %v", name, second)
	_, err := first.Netlink().LinkByName(name)
	f.LeftBehind = fmt.Sprintf("ip link show %s: %v", name, err)
	if err == nil {
		f.LeftBehind = ""
	}

	moved := second.Link(t, name)
	if afterMove != nil {
		afterMove(t, second, moved)
		moved = second.Link(t, name)
	}
	f.After = deviceState(t, second, moved)
	f.RoutesAfter = routesOf(t, second, moved.Attrs().Index)

	// Control: an address added on this side shows up in the same reading.
	if len(f.After.Addrs) == 0 {
		second.AddAddr(t, moved, moveAddrs[0])
	}
	f.ControlReAdds = moveAddrs[0]
	f.ControlAddrs = addrsOf(t, second, moved)
	return f
}

func deviceState(t *testing.T, ns *sandbox.NS, l netlink.Link) DeviceState {
	t.Helper()
	a := l.Attrs()
	return DeviceState{Index: a.Index, Name: a.Name, Flags: ipFlags(a), Up: a.Flags&net.FlagUp != 0,
		OperState: a.OperState.String(), Addrs: addrsOf(t, ns, l)}
}
