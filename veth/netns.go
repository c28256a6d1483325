package veth

import (
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/claims"
	"netnotes/internal/firewall"
)

// V10 — what a new network namespace holds.

// LinkSeen is a device of a namespace, as `ip -d addr` shows it.
type LinkSeen struct {
	Name      string
	Kind      string // veth, ipip, sit, gre...; "device" for lo
	Flags     string // as `ip link` prints them between < >
	Up        bool   // IFF_UP
	OperState string
	Addrs     []string `json:",omitempty"` // every address, IPv4 and IPv6
}

// FreshFacts is what V10's test saw in a namespace nobody had touched.
type FreshFacts struct {
	Links  []LinkSeen
	Routes []string // every route of every table, IPv4 and IPv6: "ipv4 table 255 local 127.0.0.1 dev lo"
	Rules  []string // every rule: "ipv4 pref 0 lookup 255"
	// The nftables ruleset, in nft's words (firewall.NFT.Ruleset);
	// NftAbsent says why the kernel has none at all, NftError what
	// refused the reading.
	Nft       []string `json:",omitempty"`
	NftAbsent string   `json:",omitempty"`
	NftError  string   `json:",omitempty"`
	// The legacy x_tables, per family: the instantiated tables, or why
	// there are none.
	Legacy      []firewall.Legacy
	LegacyError string `json:",omitempty"`
	// Control: the same namespace once lo is up. lo takes 127.0.0.1/8 and
	// table local its entries, so the readings see what there is.
	ControlAddrs  []string
	ControlRoutes []string
}

// defaultRules are the rules every new namespace starts with: local, main
// and default for IPv4, local and main for IPv6.
var defaultRules = []string{
	"ipv4 pref 0 lookup 255", "ipv4 pref 32766 lookup 254", "ipv4 pref 32767 lookup 253",
	"ipv6 pref 0 lookup 255", "ipv6 pref 32766 lookup 254",
}

// tunnelFallbacks are the devices a tunnel module adds to every namespace
// once loaded (ipip's tunl0, sit's sit0, ip_gre's gre0 and gretap0...),
// by name and kind.
var tunnelFallbacks = map[string]string{
	"tunl0": "ipip", "sit0": "sit", "gre0": "gre", "gretap0": "gretap", "erspan0": "erspan",
	"ip6tnl0": "ip6tnl", "ip6gre0": "ip6gre", "ip_vti0": "vti", "ip6_vti0": "vti6",
}

// judgeFresh is V10's rule, a part for each thing the claim says:
//
//   - links: lo alone, down, with no address; the fallback devices of
//     loaded tunnel modules beside it, down, refine ("only lo" is then
//     not the whole picture); lo up, an address, any other device, or a
//     fallback device up refute;
//   - routes: no route in any table; any route refutes; none, while the
//     control (lo up) shows none either, refines, since then the reading
//     did not show it can see one;
//   - rules: nothing beyond the default rules; an extra rule refutes;
//   - firewall: no nftables table, and no legacy table holding a rule or
//     a DROP policy; either refutes. A kernel with neither firewall holds
//     no rules: confirmed, and said so. A firewall that could not be read
//     is a part not observed.
func judgeFresh(f FreshFacts) claims.Finding {
	return claims.Combine(
		claims.P("links", judgeFreshLinks(f)),
		claims.P("routes", judgeFreshRoutes(f)),
		claims.P("rules", judgeFreshRules(f)),
		claims.P("firewall", judgeFreshFirewall(f)),
	)
}

var _ = claims.Register("V10", judgeFresh)

func judgeFreshLinks(f FreshFacts) claims.Finding {
	var all, fallbacks, others, upOrAddressed []string
	loSeen := false
	for _, l := range f.Links {
		s := fmt.Sprintf("%s (%s) <%s> state %s", l.Name, l.Kind, l.Flags, l.OperState)
		if len(l.Addrs) > 0 {
			s += " " + strings.Join(l.Addrs, " ")
		}
		all = append(all, s)
		switch {
		case l.Name == "lo":
			loSeen = true
		case tunnelFallbacks[l.Name] == l.Kind:
			fallbacks = append(fallbacks, l.Name)
		default:
			others = append(others, l.Name)
		}
		if l.Up || len(l.Addrs) > 0 {
			upOrAddressed = append(upOrAddressed, l.Name)
		}
	}
	seen := "devices " + strings.Join(all, "; ")
	switch {
	case !loSeen:
		return claims.Refute("no lo: %s", seen)
	case len(upOrAddressed) > 0:
		return claims.Refute("%s up or addressed: %s", strings.Join(upOrAddressed, ", "), seen)
	case len(others) > 0:
		return claims.Refute("more than lo (%s): %s", strings.Join(others, ", "), seen)
	case len(fallbacks) > 0:
		return claims.Refine("lo, down, and the fallback devices of loaded tunnel modules (%s), down, no address: %s",
			strings.Join(fallbacks, ", "), seen)
	}
	return claims.Confirm("only lo, down, no address: %s", seen)
}

func judgeFreshRoutes(f FreshFacts) claims.Finding {
	control := fmt.Sprintf("control, lo up: addresses %s, routes %s", listOrNone(f.ControlAddrs), listOrNone(f.ControlRoutes))
	switch {
	case len(f.Routes) > 0:
		return claims.Refute("routes %s; %s", strings.Join(f.Routes, "; "), control)
	case len(f.ControlRoutes) == 0:
		return claims.Refine("no route in any table, but none either once lo is up, so the reading did not show it sees routes; %s", control)
	}
	return claims.Confirm("no route in any table, IPv4 or IPv6; %s", control)
}

func judgeFreshRules(f FreshFacts) claims.Finding {
	var extra []string
	for _, r := range f.Rules {
		if !slices.Contains(defaultRules, r) {
			extra = append(extra, r)
		}
	}
	seen := "rules " + strings.Join(f.Rules, "; ")
	if len(extra) > 0 {
		return claims.Refute("rules beyond the defaults (%s): %s", strings.Join(extra, "; "), seen)
	}
	return claims.Confirm("only the default rules: %s", seen)
}

func judgeFreshFirewall(f FreshFacts) claims.Finding {
	var nft string
	switch {
	case f.NftError != "":
		nft = "nftables not read: " + f.NftError
	case f.NftAbsent != "":
		nft = "no nftables in this kernel (" + f.NftAbsent + ")"
	case len(f.Nft) == 0:
		nft = "nft ruleset empty"
	default:
		var lines []string
		for _, l := range f.Nft {
			lines = append(lines, strings.TrimSpace(l))
		}
		nft = "nft ruleset: " + strings.Join(lines, "; ")
	}
	var legacy, ruled []string
	absent := 0
	for _, l := range f.Legacy {
		switch {
		case l.Absent != "":
			absent++
			legacy = append(legacy, fmt.Sprintf("%s: %s", l.Family, l.Absent))
		case len(l.Tables) == 0:
			legacy = append(legacy, l.Family+": no table instantiated")
		}
		for _, x := range l.Tables {
			legacy = append(legacy, x.String())
			drops := slices.ContainsFunc(x.Policies, func(p string) bool { return !strings.HasSuffix(p, " ACCEPT") })
			if x.Rules > 0 || drops {
				ruled = append(ruled, x.Family+" "+x.Name)
			}
		}
	}
	if f.LegacyError != "" {
		legacy = append(legacy, "not read: "+f.LegacyError)
	}
	seen := fmt.Sprintf("%s; legacy iptables: %s", nft, strings.Join(legacy, "; "))
	legacyRead := f.LegacyError == ""
	nftRead := f.NftError == ""
	switch {
	case nftRead && len(f.Nft) > 0:
		return claims.Refute("nftables holds tables: %s", seen)
	case len(ruled) > 0:
		return claims.Refute("legacy tables with rules or a policy other than ACCEPT (%s): %s", strings.Join(ruled, ", "), seen)
	case !nftRead || !legacyRead:
		return claims.SkipPart("%s", seen)
	case f.NftAbsent != "" && absent == len(f.Legacy):
		return claims.Confirm("no firewall in this kernel at all, so none in the namespace: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// V11 — moving a device into another namespace.

// DeviceState is a device as `ip addr show DEV` shows it.
type DeviceState struct {
	Index     int
	Name      string
	Flags     string
	Up        bool
	OperState string
	Addrs     []string
}

func (d DeviceState) String() string {
	return fmt.Sprintf("%d: %s <%s> state %s, addresses %s", d.Index, d.Name, d.Flags, d.OperState, listOrNone(d.Addrs))
}

// MoveFacts is what V11's test saw of a veth end, addressed and up, moved
// into another namespace (IFLA_NET_NS_FD).
type MoveFacts struct {
	Before        DeviceState // in the first namespace, just before the move
	RoutesBefore  []string    // the routes through it there
	After         DeviceState // in the other namespace, just after
	RoutesAfter   []string    // the routes through it there
	LeftBehind    string      // what the first namespace answers for its name ("" when it still has it)
	ControlAddrs  []string    // its addresses once one is added again in the new namespace
	ControlReAdds string      // the address added for the control
}

// judgeMove is V11's rule, a part for each thing the claim says:
//
//   - addresses: the device had addresses and has none on the other side
//     (refuted when one came along). The control, an address added again
//     there, must show up; otherwise the reading is blind and the part is
//     refined;
//   - down: the device was up and is down on the other side (refuted when
//     it is still up).
//
// The evidence gives ifindex and name on both sides, and what the first
// namespace says of the name afterwards.
func judgeMove(f MoveFacts) claims.Finding {
	where := fmt.Sprintf("before: %v; after, in the other namespace: %v; the first namespace: %s",
		f.Before, f.After, f.LeftBehind)
	routes := fmt.Sprintf("routes through it: %d before, %d after", len(f.RoutesBefore), len(f.RoutesAfter))
	if len(f.RoutesAfter) > 0 {
		routes += " (" + strings.Join(f.RoutesAfter, "; ") + ")"
	}
	control := fmt.Sprintf("control, %s added again: addresses %s", f.ControlReAdds, listOrNone(f.ControlAddrs))

	var addrs claims.Finding
	switch {
	case len(f.Before.Addrs) == 0:
		addrs = claims.Refine("the device had no address to lose: %s", where)
	case len(f.After.Addrs) > 0:
		addrs = claims.Refute("addresses came along: %s; %s", where, routes)
	case len(f.ControlAddrs) == 0:
		addrs = claims.Refine("no address after the move, but none either once one was added again, so the reading is blind: %s; %s", where, control)
	default:
		addrs = claims.Confirm("%s; %s; %s", where, routes, control)
	}
	var down claims.Finding
	switch {
	case !f.Before.Up:
		down = claims.Refine("the device was down before the move: %s", where)
	case f.After.Up:
		down = claims.Refute("still up after the move: %s", where)
	default:
		down = claims.Confirm("up before, down after: %s", where)
	}
	return claims.Combine(claims.P("addresses", addrs), claims.P("down", down))
}

var _ = claims.Register("V11", judgeMove)
