package veth

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// V13 (beyond the notes) — a bridge and iptables' FORWARD chain.

// FilterRun is one round of datagrams across the bridge, with the
// bridge's namespace set one way.
type FilterRun struct {
	Setting        string // "net.bridge.bridge-nf-call-iptables=0", "=1", or "no br_netfilter"
	Sent, Received int    // datagrams from one container, and read by the other
	Counted        uint64 // packets the FORWARD rule counted meanwhile
}

func (r FilterRun) String() string {
	return fmt.Sprintf("%s: %d of %d datagrams crossed the bridge, the FORWARD rule counted %d", r.Setting, r.Received, r.Sent, r.Counted)
}

// BridgeFilterFacts is what V13's test saw: two containers on one bridge,
// a counting rule in the FORWARD chain of the bridge's namespace, and
// datagrams between them with br_netfilter's sysctl 0, then 1 (or, where
// br_netfilter is not loaded, once).
type BridgeFilterFacts struct {
	Bridge       string
	From, To     string // the two containers' addresses
	BrNetfilter  bool   // the namespace has br_netfilter's sysctls (/proc/sys/net/bridge): it is loaded or built in
	BridgeOption bool   `json:",omitempty"` // the bridge's own nf_call_iptables option was set (the drill)
	Rule         string // the FORWARD rule, in nft's words (the base chain iptables-nft makes for FORWARD)
	Runs         []FilterRun
}

// judgeBridgeFilter is V13's rule, in two parts. without: with
// bridge-nf-call-iptables=0, or with no br_netfilter at all, bridged
// datagrams cross the bridge and the FORWARD rule counts none. with: with
// br_netfilter and the sysctl 1, it counts every one; where br_netfilter
// is not loaded that part is not observed, and says so.
func judgeBridgeFilter(f BridgeFilterFacts) claims.Finding {
	var without, with []FilterRun
	for _, r := range f.Runs {
		if strings.HasSuffix(r.Setting, "=1") {
			with = append(with, r)
		} else {
			without = append(without, r)
		}
	}
	option := ""
	if f.BridgeOption {
		option = fmt.Sprintf(" (the bridge %s has its own nf_call_iptables set)", f.Bridge)
	}
	seen := func(runs []FilterRun) string {
		s := make([]string, len(runs))
		for i, r := range runs {
			s[i] = r.String()
		}
		return fmt.Sprintf("%s -> %s across %s%s, rule %s: %s", f.From, f.To, f.Bridge, option, f.Rule, strings.Join(s, "; "))
	}
	crossed := func(runs []FilterRun) bool {
		for _, r := range runs {
			if r.Received < r.Sent || r.Sent == 0 {
				return false
			}
		}
		return len(runs) > 0
	}
	var counted uint64
	for _, r := range without {
		counted += r.Counted
	}
	var off claims.Finding
	switch {
	case !crossed(without):
		off = claims.SkipPart("the datagrams did not all cross the bridge: %s", seen(without))
	case counted > 0:
		off = claims.Refute("bridged traffic passed FORWARD all the same: %s", seen(without))
	default:
		off = claims.Confirm("%s", seen(without))
	}
	var on claims.Finding
	switch {
	case !f.BrNetfilter:
		on = claims.SkipPart("br_netfilter is not loaded here (no /proc/sys/net/bridge in the bridge's namespace), and a note never loads a module: modprobe br_netfilter and run again, or `make matrix SCENARIOS=br-netfilter`")
	case !crossed(with):
		on = claims.SkipPart("the datagrams did not all cross the bridge: %s", seen(with))
	case with[0].Counted >= uint64(with[0].Sent):
		on = claims.Confirm("%s", seen(with))
	case with[0].Counted > 0:
		on = claims.Refine("FORWARD counted only some: %s", seen(with))
	default:
		on = claims.Refute("bridged traffic did not pass FORWARD: %s", seen(with))
	}
	return claims.Combine(claims.P("without", off), claims.P("with", on))
}

var _ = claims.Register("V13", judgeBridgeFilter)
