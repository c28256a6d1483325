package routing

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// Part two of the series: a container's packets leave the host (R5,
// forwarding), under the host's address (R6, MASQUERADE and conntrack),
// and come back in through a published port (R7, DNAT); R8 builds
// docker's network by hand and holds it beside docker's own.

// counters shows the counters that moved, by name ("ForwDatagrams +3,
// InReceives +3"), or "none".
func counters(moved map[string]uint64) string {
	if len(moved) == 0 {
		return "none"
	}
	var s []string
	for _, k := range slices.Sorted(maps.Keys(moved)) {
		s = append(s, fmt.Sprintf("%s +%d", k, moved[k]))
	}
	return strings.Join(s, ", ")
}

// R5 — ip_forward decides whether the host forwards.

// ForwardRun is one round of datagrams from the container to the outside
// namespace, with the host's forwarding set one way.
type ForwardRun struct {
	IPForward  string            // net.ipv4.ip_forward in the host's namespace, read back
	DevForward string            // net.ipv4.conf.DEV.forwarding of the device facing the container, read back
	Sent       int               // datagrams the container sent
	Received   int               // datagrams the outside's socket read
	SeenFrom   string            // the source address the outside saw ("" for none)
	Host       map[string]uint64 // the host's Ip counters that moved (nstat), ForwDatagrams, InAddrErrors...
	OutsideRx  uint64            // packets the outside's device received
}

// ForwardingFacts is what R5's test saw on the path container -> host ->
// outside, first with ip_forward=0, then with 1.
type ForwardingFacts struct {
	Container, Outside string // the sender's and the receiver's address
	Dev                string // the host's device facing the container (the bridge)
	Off, On            ForwardRun
}

func (r ForwardRun) String() string {
	return fmt.Sprintf("ip_forward=%s (conf.%%s.forwarding=%s): %d of %d datagrams reached the outside (its device rx +%d), the host's Ip counters: %s",
		r.IPForward, r.DevForward, r.Received, r.Sent, r.OutsideRx, counters(r.Host))
}

// judgeForwarding is R5's rule, in two parts. off: with ip_forward=0 no
// datagram reaches the outside and the host forwards none (its
// ForwDatagrams stays); the evidence names the drop counter that moved
// (InAddrErrors on Linux). on: with ip_forward=1 every datagram reaches
// the outside, counted as forwarded; some only refines, none refutes.
func judgeForwarding(f ForwardingFacts) claims.Finding {
	run := func(r ForwardRun) string {
		return fmt.Sprintf(r.String(), f.Dev)
	}
	var off claims.Finding
	switch {
	case f.Off.Sent == 0:
		off = claims.SkipPart("no datagram was sent with ip_forward=0")
	case f.Off.Received > 0:
		off = claims.Refute("forwarded all the same (the outside saw %s): %s", f.Off.SeenFrom, run(f.Off))
	case f.Off.Host["ForwDatagrams"] > 0:
		off = claims.Refine("nothing reached the outside, yet the host counted datagrams as forwarded: %s", run(f.Off))
	default:
		off = claims.Confirm("dropped at the host: %s", run(f.Off))
	}
	var on claims.Finding
	switch {
	case f.On.Sent == 0:
		on = claims.SkipPart("no datagram was sent with ip_forward=1")
	case f.On.Received == 0:
		on = claims.Refute("nothing reached the outside: %s", run(f.On))
	case f.On.Received < f.On.Sent || f.On.Host["ForwDatagrams"] < uint64(f.On.Sent):
		on = claims.Refine("only part of it was forwarded: %s", run(f.On))
	default:
		on = claims.Confirm("forwarded from %s to %s, which saw %s: %s", f.Container, f.Outside, f.On.SeenFrom, run(f.On))
	}
	return claims.Combine(claims.P("off-drops", off), claims.P("on-forwards", on))
}

var _ = claims.Register("R5", judgeForwarding)

// R6 — MASQUERADE and conntrack.

// Flow is a conntrack entry: its original and reply tuples, as `conntrack
// -L` prints them.
type Flow struct {
	Proto                 string
	OrigSrc, OrigDst      string
	ReplySrc, ReplyDst    string
	OrigSport, ReplyDport uint16
}

func (fl Flow) String() string {
	return fmt.Sprintf("%s src=%s dst=%s sport=%d | reply src=%s dst=%s dport=%d", fl.Proto, fl.OrigSrc, fl.OrigDst, fl.OrigSport, fl.ReplySrc, fl.ReplyDst, fl.ReplyDport)
}

// MasqueradeFacts is what R6's test saw of one datagram from the container
// to the outside and the outside's answer, with a MASQUERADE rule on the
// host.
type MasqueradeFacts struct {
	Container, HostOut, Outside string // the container's address, the host's outgoing one, the outside's
	Rule                        string // the host's masquerade rule, in nft's words, with its counter after the exchange
	Notrack                     string `json:",omitempty"` // a notrack rule ahead of it (the drill), with its counter
	OutsideRoute                string // the outside's route to the container's address: it has none
	SeenFrom                    string // the source address:port the outside's socket saw
	Flows                       []Flow // the host's conntrack entries from the container
	ReplySent                   string // the outside's answer: "sent", or the error
	ReplyFrom                   string // where the container's answer came from ("" for none)
}

// judgeMasquerade is R6's rule, in three parts. rewrite: the outside sees
// the host's outgoing address, not the container's. conntrack: the host
// keeps an entry whose original tuple is the container's and whose reply
// tuple is addressed to the host's outgoing address (the mapping). reply:
// the outside's answer, sent to the host's address (the outside has no
// route to the container's), reaches the container.
func judgeMasquerade(f MasqueradeFacts) claims.Finding {
	host, _, _ := strings.Cut(f.SeenFrom, ":")
	seen := fmt.Sprintf("rule %s%s; the outside saw %s (its route to %s: %s)", f.Rule, notrack(f.Notrack), f.SeenFrom, f.Container, f.OutsideRoute)
	var rewrite claims.Finding
	switch host {
	case "":
		rewrite = claims.SkipPart("the outside saw nothing: %s", seen)
	case f.HostOut:
		rewrite = claims.Confirm("the container %s left as the host's %s: %s", f.Container, f.HostOut, seen)
	case f.Container:
		rewrite = claims.Refute("the container's own %s reached the outside: %s", f.Container, seen)
	default:
		rewrite = claims.Refine("rewritten, but to %s, not the host's outgoing %s: %s", host, f.HostOut, seen)
	}

	var flows []string
	var mapped, unmapped bool
	for _, fl := range f.Flows {
		flows = append(flows, fl.String())
		if fl.OrigSrc == f.Container && fl.OrigDst == f.Outside {
			mapped = mapped || fl.ReplySrc == f.Outside && fl.ReplyDst == f.HostOut
			unmapped = unmapped || fl.ReplyDst == f.Container
		}
	}
	entries := "none"
	if len(flows) > 0 {
		entries = strings.Join(flows, "; ")
	}
	var ct claims.Finding
	switch {
	case mapped:
		ct = claims.Confirm("conntrack: %s", entries)
	case unmapped:
		ct = claims.Refute("conntrack keeps the flow unmapped (its reply goes to %s itself): %s", f.Container, entries)
	default:
		ct = claims.Refute("no conntrack entry maps %s to %s: %s", f.Container, f.HostOut, entries)
	}

	var reply claims.Finding
	switch {
	case f.ReplyFrom == "":
		reply = claims.Refute("no answer reached the container (the outside's answer: %s)", f.ReplySent)
	case strings.HasPrefix(f.ReplyFrom, f.Outside+":"):
		reply = claims.Confirm("the outside's answer to %s reached the container from %s", f.HostOut, f.ReplyFrom)
	default:
		reply = claims.Refine("an answer reached the container, from %s", f.ReplyFrom)
	}
	return claims.Combine(claims.P("rewrite", rewrite), claims.P("conntrack", ct), claims.P("reply", reply))
}

func notrack(rule string) string {
	if rule == "" {
		return ""
	}
	return ", after " + rule
}

var _ = claims.Register("R6", judgeMasquerade)

// R7 — a published port.

// The parts of R7: the test's own rules, and each runtime's.
const (
	PublishKernel = "kernel" // the test's own DNAT rules (nftables), as docker's and podman's are made
	PublishDocker = "docker" // docker run -p 8080:80
	PublishPodman = "podman" // podman run -p 8080:80
)

// PortConn is one connection to the published port and where it landed.
type PortConn struct {
	From       string // "outside", "host", ...
	Dialed     string // the address:port dialed
	Client     string // the client's own address:port ("" when the connection failed)
	Err        string `json:",omitempty"`
	Landed     string // the peer address:port the container's listener saw ("" for none)
	Prerouting uint64 // packets the NAT rules of PREROUTING counted during the connection
	Output     uint64 // packets the NAT rules of OUTPUT counted
	OutputRule bool   // an OUTPUT rule for the port existed then (false: PREROUTING's alone)
}

func (c PortConn) String() string {
	s := fmt.Sprintf("from %s to %s", c.From, c.Dialed)
	switch {
	case c.Client == "":
		s += ": " + c.Err
	case c.Landed == "":
		s += fmt.Sprintf(" (client %s): connected, but the container saw nothing", c.Client)
	default:
		s += fmt.Sprintf(" (client %s): the container saw %s", c.Client, c.Landed)
	}
	return s + fmt.Sprintf(", PREROUTING's NAT rules +%d, OUTPUT's +%d", c.Prerouting, c.Output)
}

// PublishFacts is what one R7 test saw: who published the port and how,
// the NAT rules quoted, and each connection.
type PublishFacts struct {
	Part      string   // PublishKernel, PublishDocker, PublishPodman
	Runtime   string   // who made the rules: the test (nftables), or a runtime and its version, with iptables' mode
	Published string   // "host port 8080 -> 198.18.13.2:80"
	Rules     []string // the NAT rules, quoted with their counters at the end
	Proxies   []string // processes of the runtime holding host ports (docker-proxy), "pid name"
	Conns     []PortConn
}

// judgePublish is R7's rule, for each test (kernel, docker, podman: a row
// each, its parts named after it) in three parts: dnat-rule: the published port is a DNAT rule (quoted);
// from-outside: a connection from another namespace lands on the
// container with the client's own address, counted by PREROUTING's NAT
// rules; from-host: a connection from the host itself never passes
// PREROUTING (with PREROUTING's rule alone it does not land), and lands
// by OUTPUT's DNAT or by a userland copy (the container sees a peer that
// is not the client).
func judgePublish(f PublishFacts) claims.Finding {
	rules := strings.Join(f.Rules, "; ")
	var dnat claims.Finding
	switch {
	case slices.ContainsFunc(f.Rules, func(r string) bool { return strings.Contains(r, "DNAT") || strings.Contains(r, "dnat to") }):
		dnat = claims.Confirm("%s, %s: %s", f.Runtime, f.Published, rules)
	case len(f.Rules) == 0:
		dnat = claims.Refute("%s, %s: no NAT rule at all", f.Runtime, f.Published)
	default:
		dnat = claims.Refute("%s, %s: no DNAT rule among %s", f.Runtime, f.Published, rules)
	}

	var outside, host []string
	var outsideOK, outsideProxy, outsideTried bool
	var hostLanded, hostPrerouting, hostTried, hostAlone int
	for _, c := range f.Conns {
		if c.From == "outside" {
			outsideTried = true
			outside = append(outside, c.String())
			outsideOK = outsideOK || c.Landed != "" && c.Landed == c.Client && c.Prerouting > 0 && c.Output == 0
			outsideProxy = outsideProxy || c.Landed != "" && c.Landed != c.Client
			continue
		}
		hostTried++
		path := "no path"
		switch {
		case c.Landed != "" && c.Prerouting > 0:
			hostPrerouting++
			path = "PREROUTING's DNAT"
		case c.Landed != "" && c.Output > 0:
			hostLanded++
			path = "OUTPUT's DNAT"
		case c.Landed != "":
			hostLanded++
			path = "a userland copy (the container saw another peer)"
		case !c.OutputRule:
			hostAlone++
			path = "PREROUTING's rule alone does not see it"
		}
		host = append(host, c.String()+" ["+path+"]")
	}
	var fromOutside claims.Finding
	switch {
	case !outsideTried:
		fromOutside = claims.SkipPart("no connection from another namespace was tried")
	case outsideOK:
		fromOutside = claims.Confirm("%s", strings.Join(outside, "; "))
	case outsideProxy:
		fromOutside = claims.Refute("it reached the container, but not by PREROUTING's DNAT: %s", strings.Join(outside, "; "))
	default:
		fromOutside = claims.Refute("%s", strings.Join(outside, "; "))
	}
	var fromHost claims.Finding
	switch {
	case hostTried == 0:
		fromHost = claims.SkipPart("no connection from the host itself was tried")
	case hostPrerouting > 0:
		fromHost = claims.Refute("the host's own connection was DNATed in PREROUTING: %s", strings.Join(host, "; "))
	case hostLanded == 0:
		fromHost = claims.Refute("no connection from the host itself reached the container: %s", strings.Join(host, "; "))
	case hostLanded+hostAlone < hostTried:
		fromHost = claims.Refine("some of the host's own connections found no way: %s", strings.Join(host, "; "))
	default:
		fromHost = claims.Confirm("%s", strings.Join(host, "; "))
	}
	proxies := ""
	if len(f.Proxies) > 0 {
		proxies = "; proxies running: " + strings.Join(f.Proxies, ", ")
	}
	fromHost.Evidence += proxies
	// Each test is a row of its own: its parts carry its name.
	return claims.Combine(claims.P(f.Part+"-dnat-rule", dnat), claims.P(f.Part+"-from-outside", fromOutside), claims.P(f.Part+"-from-host", fromHost))
}

var _ = claims.Register("R7", judgePublish)

// R8 — docker's network built by hand, beside docker's own.

// Network is one side of R8: a host namespace with a bridge, a container
// behind it, a link to an outside namespace, forwarding and NAT. Its state
// is written with the names and addresses replaced by their roles
// (BRIDGE, PORT, UPLINK, ETH; GW, CTR, HOSTOUT, OUTSIDE, SUBNET, OUTNET),
// so that two networks compare line by line.
type Network struct {
	Name      string   // "by hand", "docker"
	How       string   // what built it
	Roles     string   // the roles and the names and addresses they stand for
	HostLinks []string // the host namespace's links: "BRIDGE bridge up", "PORT veth master BRIDGE up"
	HostAddrs []string // "GW/24 dev BRIDGE"
	Routes    []string // the host's main table: "SUBNET dev BRIDGE scope link src GW"
	Rules     []string // the host's ip rules
	CtrLinks  []string // the container's links
	CtrAddrs  []string
	CtrRoutes []string
	NAT       []string // the host's NAT rules, quoted (nft's or iptables-save's words)
	Out       Trip     // the container to the outside (UDP): what the outside saw
	In        Trip     // the outside to the host's published port (TCP): what the container saw
	FromHost  Trip     // the host itself to its published port
}

// Trip is one exchange and its addresses, by role.
type Trip struct {
	Dialed string // the role dialed, "OUTSIDE:7007", "HOSTOUT:8080"
	Seen   string // the role the far end saw as its peer: "HOSTOUT", "OUTSIDE", "CTR"; "" for nothing
	Answer bool   // the answer came back (Out: the outside's reply reached the container)
	Err    string `json:",omitempty"`
}

func (tr Trip) String() string {
	switch {
	case tr.Seen == "":
		return fmt.Sprintf("to %s: nothing arrived (%s)", tr.Dialed, tr.Err)
	case tr.Answer:
		return fmt.Sprintf("to %s: seen from %s, answered", tr.Dialed, tr.Seen)
	}
	return fmt.Sprintf("to %s: seen from %s, no answer back (%s)", tr.Dialed, tr.Seen, tr.Err)
}

// ByHandFacts is what R8's test saw: the network built by hand, and
// docker's own where docker runs (nil where it does not, with why).
type ByHandFacts struct {
	ByHand   Network
	Docker   *Network `json:",omitempty"`
	NoDocker string   `json:",omitempty"` // why docker's side was not observed
}

// judgeByHand is R8's rule, in two parts. by-hand: the network built by
// hand works as docker's does: the container reaches the outside, which
// sees the host's outgoing address (MASQUERADE) and whose answer comes
// back, and the outside reaches the container through the host's
// published port, seen from its own address (DNAT). like-docker: docker's
// own network does the same two trips with the same translations, and the
// two hosts' and containers' links, addresses, routes and rules are the
// same line for line once names are roles; the NAT rules are shown side by
// side (by hand in nftables' words, docker's in iptables'), compared by
// what they did. A third trip, the host itself to its published port,
// only refines: the series' steps publish the port for others, docker
// for the host too.
func judgeByHand(f ByHandFacts) claims.Finding {
	h := f.ByHand
	trips := fmt.Sprintf("%s: out %s; in %s; from the host itself %s", h.Name, h.Out, h.In, h.FromHost)
	var byHand claims.Finding
	outOK := h.Out.Seen == "HOSTOUT" && h.Out.Answer
	inOK := h.In.Seen == "OUTSIDE"
	switch {
	case outOK && inOK:
		byHand = claims.Confirm("%s; NAT: %s; %s", trips, strings.Join(h.NAT, "; "), h.Roles)
	case !outOK && !inOK:
		byHand = claims.Refute("%s; NAT: %s; %s", trips, strings.Join(h.NAT, "; "), h.Roles)
	default:
		byHand = claims.Refine("one way only: %s; NAT: %s; %s", trips, strings.Join(h.NAT, "; "), h.Roles)
	}
	if f.Docker == nil {
		return claims.Combine(claims.P("by-hand", byHand), claims.P("like-docker", claims.SkipPart("%s", f.NoDocker)))
	}
	d := *f.Docker
	var diffs []string
	compare := func(what string, a, b []string) {
		if !slices.Equal(a, b) {
			diffs = append(diffs, fmt.Sprintf("%s: %s by hand, %s in docker's", what, list2(a), list2(b)))
		}
	}
	compare("host links", h.HostLinks, d.HostLinks)
	compare("host addresses", h.HostAddrs, d.HostAddrs)
	compare("host routes", h.Routes, d.Routes)
	compare("ip rules", h.Rules, d.Rules)
	compare("container links", h.CtrLinks, d.CtrLinks)
	compare("container addresses", h.CtrAddrs, d.CtrAddrs)
	compare("container routes", h.CtrRoutes, d.CtrRoutes)
	same := fmt.Sprintf("host links %s; addresses %s; routes %s; ip rules %s; container links %s, addresses %s, routes %s",
		list2(d.HostLinks), list2(d.HostAddrs), list2(d.Routes), list2(d.Rules), list2(d.CtrLinks), list2(d.CtrAddrs), list2(d.CtrRoutes))
	nat := fmt.Sprintf("NAT by hand: %s; docker's: %s", strings.Join(h.NAT, "; "), strings.Join(d.NAT, "; "))
	dtrips := fmt.Sprintf("%s: out %s; in %s; from the host itself %s", d.Name, d.Out, d.In, d.FromHost)
	if d.FromHost.Seen != h.FromHost.Seen {
		diffs = append(diffs, fmt.Sprintf("from the host itself the published port leads %s by hand, %s in docker's (docker's nat OUTPUT rule, or docker-proxy)", leads(h.FromHost), leads(d.FromHost)))
	}
	var like claims.Finding
	switch {
	case d.Out.Seen != h.Out.Seen || d.In.Seen != h.In.Seen || d.Out.Answer != h.Out.Answer:
		like = claims.Refute("the trips differ: %s; %s; %s; %s", trips, dtrips, nat, d.Roles)
	case len(diffs) > 0:
		like = claims.Refine("the same trips (%s), but %s; %s; %s", dtrips, strings.Join(diffs, "; "), nat, d.Roles)
	default:
		like = claims.Confirm("the same trips (%s) and, names aside, the same state: %s; %s; %s", dtrips, same, nat, d.Roles)
	}
	return claims.Combine(claims.P("by-hand", byHand), claims.P("like-docker", like))
}

// leads says where a trip to the published port led.
func leads(tr Trip) string {
	if tr.Seen == "" {
		return "nowhere"
	}
	return "to the container (seen from " + tr.Seen + ")"
}

func list2(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(s, ", ") + "]"
}

var _ = claims.Register("R8", judgeByHand)
