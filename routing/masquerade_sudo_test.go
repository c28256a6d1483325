//go:build linux && sudo

package routing

import (
	"net/netip"
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/firewall"
)

// Beyond the notes (the series' next part, Docker's network by hand):
// "MASQUERADE rewrites a container's source address to the host's
// outgoing address; conntrack keeps the mapping and rewrites the replies
// back." The host forwards and masquerades what leaves its bridge; the
// outside has no route to the container's subnet, so only the host's
// translation can bring its answer back.
//
// equiv: ip netns exec host nft add rule ip nat postrouting ip saddr 198.18.13.0/24 oifname != br0 counter masquerade
// equiv: ip netns exec out socat -u UDP-RECV:7007 - & ip netns exec ctr sh -c 'echo hi | socat -u - UDP:198.18.14.2:7007'; ip netns exec host conntrack -L
func TestR6MasqueradeRewritesTheSourceAndConntrackTheReplies(t *testing.T) {
	v := claims.Check(t, "R6")
	p := newPath(t)
	claims.Judge(v, observeMasquerade(t, p, false), judgeMasquerade)
}

// Drill: a notrack rule in the raw priority of prerouting exempts the
// container's packets from connection tracking, and NAT only acts on
// tracked connections: the MASQUERADE rule is there but never applies,
// the outside sees the container's own address and cannot answer it.
// equiv: nft add chain ip raw prerouting '{ type filter hook prerouting priority -300; }'; nft add rule ip raw prerouting ip saddr 198.18.13.0/24 notrack
func TestDrillR6NotrackKeepsMasqueradeFromActing(t *testing.T) {
	p := newPath(t)
	claims.Drill(t, "R6", observeMasquerade(t, p, true), judgeMasquerade, claims.Refuted)
}

// observeMasquerade turns the host into a masquerading router (the drill:
// with the container's packets untracked), sends one datagram from the
// container to the outside, lets the outside answer it, and reads the
// host's conntrack table.
func observeMasquerade(t *testing.T, p *path, untracked bool) MasqueradeFacts {
	t.Helper()
	host, subnet := p.Bridge.Host, p.Ctr.Addr.Masked()
	f := MasqueradeFacts{Container: p.Ctr.Addr.Addr().String(), HostOut: p.HostOut.Addr().String(), Outside: p.OutsideAt.Addr().String()}
	host.SetSysctl(t, "net.ipv4.ip_forward", "1")
	nft := firewall.Open(t, host)
	var raw *firewall.Rule
	if untracked {
		raw = nft.Chain(t, "raw", "prerouting", firewall.Raw).Add(t, firewall.SrcNet(subnet), firewall.Notrack())
	}
	// equiv: nft add rule ip nat postrouting ip saddr 198.18.13.0/24 oifname != BRIDGE counter masquerade
	masq := nft.Chain(t, "nat", "postrouting", firewall.Postrouting).Add(t, firewall.SrcNet(subnet), firewall.OifNot(p.Bridge.Link.Attrs().Name), firewall.Masquerade())
	f.OutsideRoute = routeTo(p.Outside, p.Ctr.Addr.Addr())

	f.SeenFrom, f.ReplySent, f.ReplyFrom = udpExchange(t, p.Ctr.NS, p.Outside, netip.AddrPortFrom(p.OutsideAt.Addr(), forwardPort))
	f.Rule = masq.Read(t).Text
	if raw != nil {
		f.Notrack = raw.Read(t).Text
	}
	// equiv: ip netns exec host conntrack -L
	for _, fl := range firewall.Conntrack(t, host) {
		if fl.Original.Src != f.Container {
			continue
		}
		f.Flows = append(f.Flows, Flow{Proto: fl.Proto, OrigSrc: fl.Original.Src, OrigDst: fl.Original.Dst, OrigSport: fl.Original.SrcPort,
			ReplySrc: fl.Reply.Src, ReplyDst: fl.Reply.Dst, ReplyDport: fl.Reply.DstPort})
	}
	return f
}
