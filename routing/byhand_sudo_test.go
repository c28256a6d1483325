//go:build linux && sudo

package routing

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/docker"
	"netnotes/internal/firewall"
	"netnotes/internal/sandbox"
)

// Beyond the notes (the series' next part, 手工模拟实现 Docker 容器网络):
// "Docker's network built by hand (namespace, veth, bridge, ip_forward,
// MASQUERADE, DNAT) behaves like docker's own." The steps, in private
// namespaces: a container namespace on a veth pair, its other end in a
// bridge with the gateway's address, a default route, ip_forward=1, a
// MASQUERADE rule for what leaves the bridge and a DNAT rule for the
// published port (the path of path_sudo_test.go, R6's and R7's rules).
// Then docker builds its own, in its private namespaces, and both make
// the same two trips: the container to the outside (a datagram, and its
// answer), the outside to the published port. Their state is read back
// with names and addresses replaced by roles, so that the two compare
// line by line.
//
//	by hand:  ctr [eth]==[port] br (GW) host (HOSTOUT) [up]==[eth] outside
//	docker:   ctr [eth0]==[vethX] docker0 (GW) host (HOSTOUT) [up]==[eth] outside
//
// equiv: sysctl -w net.ipv4.ip_forward=1  # on R5's namespaces, with R6's masquerade rule and R7's DNAT rule in prerouting
// equiv: docker run -d -p 8080:80 IMAGE  # then, in both: ip link; ip addr; ip route; ip rule; nft list ruleset or iptables-save -t nat
func TestR8DockersNetworkBuiltByHandBehavesLikeDockers(t *testing.T) {
	t.Parallel()
	v := claims.Check(t, "R8")
	f := ByHandFacts{ByHand: observeByHand(t, true)}
	f.Docker, f.NoDocker = observeDockerNetwork(t)
	claims.Judge(v, f, judgeByHand)
}

// Drill: the hand-built network with its last two steps left out (no
// MASQUERADE, no DNAT), as a reader who stops after the bridge and
// ip_forward has it: the outside sees the container's own address and
// cannot answer it, and the published port leads nowhere.
func TestDrillR8WithoutTheNATSteps(t *testing.T) {
	t.Parallel()
	f := ByHandFacts{ByHand: observeByHand(t, false), NoDocker: "the drill builds no docker side"}
	claims.Drill(t, "R8", f, judgeByHand, claims.Refuted)
}

// observeByHand builds the network by hand (with or without its NAT
// steps) and observes it.
func observeByHand(t *testing.T, nat bool) Network {
	t.Helper()
	p := newPath(t)
	host := p.Bridge.Host
	ctr := netip.AddrPortFrom(p.Ctr.Addr.Addr(), ctrPort)
	// equiv: sysctl -w net.ipv4.ip_forward=1
	host.SetSysctl(t, "net.ipv4.ip_forward", "1")
	how := "by hand: namespaces, a veth pair, a bridge, a default route, ip_forward=1"
	nft := firewall.Open(t, host)
	if nat {
		// equiv: iptables -t nat -A POSTROUTING -s SUBNET ! -o BRIDGE -j MASQUERADE  # in nftables' words
		nft.Chain(t, "nat", "postrouting", firewall.Postrouting).Add(t,
			firewall.SrcNet(p.Ctr.Addr.Masked()), firewall.OifNot(p.Bridge.Link.Attrs().Name), firewall.Masquerade())
		// equiv: nft add rule ip nat prerouting ip daddr HOSTOUT tcp dport 8080 dnat to CTR:80  # iptables -t nat -A PREROUTING -d HOSTOUT -p tcp --dport 8080 -j DNAT --to-destination CTR:80
		nft.Chain(t, "nat", "prerouting", firewall.Prerouting).Add(t,
			firewall.DstNet(netip.PrefixFrom(p.HostOut.Addr(), 32)), firewall.DstPort("tcp", hostPort), firewall.DNAT(ctr))
		how += ", MASQUERADE and DNAT (nftables rules)"
	}
	r := roles{
		Bridge: p.Bridge.Link.Attrs().Name, Port: p.Ctr.HostEnd.Attrs().Name, Uplink: p.Uplink.Attrs().Name, Eth: p.Ctr.Eth.Attrs().Name,
		GW: p.Bridge.Gateway, Ctr: p.Ctr.Addr, HostOut: p.HostOut, Outside: p.OutsideAt,
	}
	n := observeNetwork(t, "by hand", how, r, host, p.Ctr.NS, p.Outside)
	rs, err := nft.Ruleset()
	if err != nil {
		t.Fatalf("nft list ruleset: %v", err)
	}
	n.NAT = r.replace(rs)
	return n
}

// observeDockerNetwork starts docker with one container publishing 8080
// and observes its network as observeByHand does; it returns why not,
// where docker cannot run here.
func observeDockerNetwork(t *testing.T) (*Network, string) {
	t.Helper()
	if why := whyNoDocker(); why != "" {
		return nil, why
	}
	d, c, server := publishedDocker(t)
	host := sandbox.Open(t, d.HostNetns())
	ctrNS := sandbox.Open(t, d.NetnsPath(c.Pid))
	host.SetUp(t, host.Link(t, "lo"))
	out, uplink, _ := addOutside(t, host, runtimeHostOut, runtimeOutside)
	gw := netip.MustParsePrefix(docker.Bridge)
	ctrAddr, err := netip.ParseAddr(c.IPAddress)
	if err != nil {
		t.Fatalf("docker inspect gave no address for the container: %q", c.IPAddress)
	}
	r := roles{Bridge: "docker0", Uplink: uplink.Attrs().Name, Eth: "eth0",
		GW: gw, Ctr: netip.PrefixFrom(ctrAddr, gw.Bits()), HostOut: runtimeHostOut, Outside: runtimeOutside}
	// docker's end of the container's veth: the bridge's port in its namespace.
	if links, err := host.Netlink().LinkList(); err == nil {
		for _, l := range links {
			if l.Type() == "veth" && l.Attrs().MasterIndex > 0 {
				r.Port = l.Attrs().Name
			}
		}
	}
	n := observeNetwork(t, "docker", fmt.Sprintf("dockerd %s: docker run -d -p %d:%d", server, hostPort, ctrPort), r, host, ctrNS, out)
	for _, rule := range firewall.IPTables(t, host).Rules {
		if rule.Table == "nat" {
			n.NAT = append(n.NAT, r.replace([]string{rule.String()})...)
		}
	}
	return &n, ""
}

// roles names the parts of a network, to write its state by role.
type roles struct {
	Bridge, Port, Uplink, Eth string
	GW, Ctr, HostOut, Outside netip.Prefix
}

// replace writes lines with the names and addresses replaced by their
// roles, longest first (a subnet before an address in it).
func (r roles) replace(lines []string) []string {
	pairs := [][2]string{
		{r.GW.Masked().String(), "SUBNET"}, {r.HostOut.Masked().String(), "OUTNET"},
		{r.GW.Addr().String(), "GW"}, {r.Ctr.Addr().String(), "CTR"},
		{r.HostOut.Addr().String(), "HOSTOUT"}, {r.Outside.Addr().String(), "OUTSIDE"},
		{r.Bridge, "BRIDGE"}, {r.Uplink, "UPLINK"}, {r.Eth, "ETH"},
	}
	if r.Port != "" {
		pairs = append(pairs, [2]string{r.Port, "PORT"})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i][0]) > len(pairs[j][0]) })
	var args []string
	for _, p := range pairs {
		args = append(args, p[0], p[1])
	}
	rep := strings.NewReplacer(args...)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = rep.Replace(l)
	}
	return out
}

func (r roles) String() string {
	return fmt.Sprintf("BRIDGE=%s PORT=%s UPLINK=%s ETH=%s GW=%s CTR=%s HOSTOUT=%s OUTSIDE=%s",
		r.Bridge, r.Port, r.Uplink, r.Eth, r.GW, r.Ctr, r.HostOut, r.Outside)
}

// observeNetwork reads a network's state by role and makes its two trips.
func observeNetwork(t *testing.T, name, how string, r roles, host, ctr, out *sandbox.NS) Network {
	t.Helper()
	n := Network{Name: name, How: how, Roles: r.String()}
	hl, ha, hr := state(t, host)
	cl, ca, cr := state(t, ctr)
	n.HostLinks, n.HostAddrs, n.Routes = sorted(r.replace(hl)), sorted(r.replace(ha)), sorted(r.replace(hr))
	n.CtrLinks, n.CtrAddrs, n.CtrRoutes = sorted(r.replace(cl)), sorted(r.replace(ca)), sorted(r.replace(cr))
	n.Rules = ipRules(t, host)

	// Out: a datagram from the container to the outside, and its answer.
	seen, answer, from := udpExchange(t, ctr, out, netip.AddrPortFrom(r.Outside.Addr(), forwardPort))
	n.Out = Trip{Dialed: fmt.Sprintf("OUTSIDE:%d", forwardPort), Seen: roleOf(r, seen), Answer: from != "", Err: r.replace([]string{answer})[0]}
	// In: the outside connects to the host's published port; then the
	// host itself does.
	landed := listenIn(t, ctr, ctrPort)
	n.In = published(t, r, out, landed)
	n.FromHost = published(t, r, host, landed)
	return n
}

// published connects from ns to the host's published port and names the
// role of the peer the container saw.
func published(t *testing.T, r roles, ns *sandbox.NS, landed <-chan string) Trip {
	t.Helper()
	tr := Trip{Dialed: fmt.Sprintf("HOSTOUT:%d", hostPort)}
	var conn net.Conn
	if err := ns.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp4", netip.AddrPortFrom(r.HostOut.Addr(), hostPort).String(), 3*time.Second)
		return err
	}); err != nil {
		tr.Err = r.replace([]string{err.Error()})[0]
		return tr
	}
	defer conn.Close()
	select {
	case peer := <-landed:
		tr.Seen, tr.Answer = roleOf(r, peer), true
	case <-time.After(3 * time.Second):
		tr.Err = "connected, but nothing reached the container within 3s"
	}
	return tr
}

// roleOf names the role of an address:port's address.
func roleOf(r roles, addrPort string) string {
	if addrPort == "" {
		return ""
	}
	host, _, _ := strings.Cut(addrPort, ":")
	return r.replace([]string{host})[0]
}

// state reads a namespace's links, IPv4 addresses and main-table routes,
// as lines sorted for comparison.
// equiv: ip -o link; ip -4 -o addr; ip -4 route
func state(t *testing.T, ns *sandbox.NS) (links, addrs, routes []string) {
	t.Helper()
	h := ns.Netlink()
	list, err := h.LinkList()
	if err != nil {
		t.Fatalf("ip link in %v: %v", ns, err)
	}
	names := map[int]string{}
	for _, l := range list {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	for _, l := range list {
		a := l.Attrs()
		s := a.Name + " " + l.Type()
		if a.MasterIndex > 0 {
			s += " master " + names[a.MasterIndex]
		}
		if a.Flags&net.FlagUp != 0 {
			s += " up"
		} else {
			s += " down"
		}
		links = append(links, s)
		as, err := h.AddrList(l, unix.AF_INET)
		if err != nil {
			t.Fatalf("ip addr show %s in %v: %v", a.Name, ns, err)
		}
		for _, ad := range as {
			addrs = append(addrs, ad.IPNet.String()+" dev "+a.Name)
		}
	}
	rs, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("ip route in %v: %v", ns, err)
	}
	for _, rt := range rs {
		s := "default"
		if ones, _ := rt.Dst.Mask.Size(); rt.Dst != nil && (ones > 0 || !rt.Dst.IP.IsUnspecified()) {
			s = rt.Dst.String()
		}
		if rt.Gw != nil {
			s += " via " + rt.Gw.String()
		}
		s += " dev " + names[rt.LinkIndex] + " scope " + rt.Scope.String()
		if rt.Src != nil {
			s += " src " + rt.Src.String()
		}
		routes = append(routes, s)
	}
	return links, addrs, routes
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// ipRules lists a namespace's IPv4 rules.
// equiv: ip rule
func ipRules(t *testing.T, ns *sandbox.NS) []string {
	t.Helper()
	rules, err := ns.Netlink().RuleList(netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("ip rule in %v: %v", ns, err)
	}
	var out []string
	for _, r := range rules {
		out = append(out, fmt.Sprintf("%d: lookup %d", r.Priority, r.Table))
	}
	return out
}
