package veth

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// CrossPingFacts is what V4's test saw: echo requests from one namespace
// to the other end's address, and the counters on both sides.
type CrossPingFacts struct {
	Sent, Replies  int    // echo requests sent, replies read (the test stops at the first unanswered one)
	LastReply      string // the last reply, or the error of the first unanswered request
	SenderTx       Count  // the sending end's device counters (delta)
	PeerRx         Count  // the receiving end's
	PeerInEchos    uint64 // the receiving namespace's IcmpInEchos (delta)
	PeerOutEchoRep uint64 // its IcmpOutEchoReps (delta)
	SenderLoTx     uint64 // the sending namespace's lo tx packets (delta): the control
}

// Count is a counter delta: packets and bytes.
type Count struct {
	Packets uint64
	Bytes   uint64
}

// judgeCrossPing is V4's rule: the pair carries packets between the
// namespaces, so the pings are answered, what one end sent the other end
// received, and the peer's ICMP layer saw every request; lo had no part.
func judgeCrossPing(f CrossPingFacts) claims.Finding {
	seen := fmt.Sprintf("%d/%d echo replies (%s); sender tx +%d pkts/%d B, peer rx +%d pkts/%d B; peer IcmpInEchos +%d, OutEchoReps +%d; sender's lo tx +%d",
		f.Replies, f.Sent, f.LastReply, f.SenderTx.Packets, f.SenderTx.Bytes, f.PeerRx.Packets, f.PeerRx.Bytes, f.PeerInEchos, f.PeerOutEchoRep, f.SenderLoTx)
	switch {
	case f.Replies == 0 || f.PeerInEchos == 0:
		return claims.Refute("the ping did not cross: %s", seen)
	case f.Replies < f.Sent:
		return claims.Refine("only some pings crossed: %s", seen)
	case f.SenderTx != f.PeerRx || f.PeerInEchos != uint64(f.Sent) || f.SenderLoTx != 0:
		return claims.Refine("answered, but the counters do not match packet for packet: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

var _ = claims.Register("V4", judgeCrossPing)

// RouteSeen is one `ip route get` answer.
type RouteSeen struct {
	Dst  string
	Type string // local, unicast, ...
	Dev  string
}

// ForcedPing is one attempt of `ping -I A B's-address` under a setting of
// the receiving end's accept_local and rp_filter.
type ForcedPing struct {
	AcceptLocal, RpFilter string
	SenderTx, PeerRx      uint64 // packets, delta
	InEchos               uint64
	Answered              bool
	Reply                 string // the reply's round trip, or the error
	LoTx                  uint64 // the reply back to a local address goes via lo
}

// SameNetnsPingFacts is what V5's test saw with both ends in one
// namespace: the routes to both ends' addresses, pings to them with the
// devices' counters and net_dev_xmit events, and pings forced out of one
// end with SO_BINDTODEVICE.
type SameNetnsPingFacts struct {
	Routes         []RouteSeen
	Sent, Answered int
	LoTx, VethTx   uint64 // device counters, delta over the pings
	LoEvents       int    // net_dev_xmit dev=lo that the pinging thread caused: its echo requests (replies leave from a softirq)
	VethEvents     int    // net_dev_xmit on either veth end
	Forced         []ForcedPing
	// TraceNotObserved says why net_dev_xmit could not be recorded here
	// (tracefs needs real root): then the event counts are not facts and
	// the counters alone decide. Empty when it was recorded.
	TraceNotObserved string `json:",omitempty"`
}

// judgeSameNetnsPing is V5's rule. The notes ping an address of their own
// pair with both ends in one namespace, and take it as a ping over the
// veth. Three parts: the ping is answered; its path (over the veth
// confirms; via lo, the veth untouched, refines: the ping works, but not
// as the notes took it); and the notes' forced `ping -I veth4` to the
// other end (answered under every setting confirms; only under some,
// refines; under none, refutes). Where the tracepoint could not be had
// (not real root), the counters alone decide the path and a fourth part,
// tracepoints, says it was not observed.
func judgeSameNetnsPing(f SameNetnsPingFacts) claims.Finding {
	var routes []string
	for _, r := range f.Routes {
		routes = append(routes, fmt.Sprintf("%s: %s dev %s", r.Dst, r.Type, r.Dev))
	}
	answered := claims.Confirm("%d/%d answered", f.Answered, f.Sent)
	switch {
	case f.Sent == 0:
		answered = claims.SkipPart("no ping was sent")
	case f.Answered < f.Sent:
		answered = claims.Refute("%d/%d answered", f.Answered, f.Sent)
	}
	traced := f.TraceNotObserved == ""
	moved := fmt.Sprintf("route get %s; lo tx +%d (%d net_dev_xmit dev=lo from the pinging thread), veth tx +%d (%d events)",
		strings.Join(routes, ", "), f.LoTx, f.LoEvents, f.VethTx, f.VethEvents)
	if !traced {
		moved = fmt.Sprintf("route get %s; lo tx +%d, veth tx +%d", strings.Join(routes, ", "), f.LoTx, f.VethTx)
	}
	var path claims.Finding
	switch {
	case f.VethTx == 0 && f.VethEvents == 0 && (f.LoEvents > 0 || !traced && f.LoTx > 0):
		path = claims.Refine("the ping to a local address never touches the veth, it goes via lo: %s", moved)
	case f.VethTx > 0 && (f.VethEvents > 0 || !traced):
		path = claims.Confirm("the pings crossed the veth: %s", moved)
	default:
		path = claims.Refute("neither the veth nor lo carried the pings: %s", moved)
	}
	var outcomes, answeredUnder, silentUnder []string
	works, crossed := 0, 0
	for _, p := range f.Forced {
		setting := fmt.Sprintf("accept_local=%s rp_filter=%s", p.AcceptLocal, p.RpFilter)
		o := fmt.Sprintf("%s: tx +%d, rx +%d, IcmpInEchos +%d, ", setting, p.SenderTx, p.PeerRx, p.InEchos)
		if p.PeerRx > 0 {
			crossed++
		}
		if p.Answered {
			works++
			answeredUnder = append(answeredUnder, setting)
			o += fmt.Sprintf("reply in %s", p.Reply)
			if p.LoTx > 0 {
				o += fmt.Sprintf(", back via lo (lo tx +%d)", p.LoTx)
			} else {
				o += ", lo tx +0"
			}
		} else {
			silentUnder = append(silentUnder, setting)
			o += "no reply (" + p.Reply + ")"
		}
		outcomes = append(outcomes, o)
	}
	forcedSeen := strings.Join(outcomes, "; ")
	crossing := fmt.Sprintf("the request reached the other end in %d of %d", crossed, len(f.Forced))
	var forced claims.Finding
	switch {
	case len(f.Forced) == 0:
		forced = claims.SkipPart("the forced ping was not tried")
	case works == len(f.Forced):
		forced = claims.Confirm("ping -I is answered under every setting tried: %s", forcedSeen)
	case works == 0:
		forced = claims.Refute("ping -I is never answered (%s): %s", crossing, forcedSeen)
	default:
		forced = claims.Refine("%s; answered only under %s, not under %s: %s",
			crossing, strings.Join(answeredUnder, ", "), strings.Join(silentUnder, ", "), forcedSeen)
	}
	parts := []claims.Part{claims.P("answered", answered), claims.P("path", path), claims.P("forced", forced)}
	if !traced {
		parts = append(parts, claims.P("tracepoints", claims.SkipPart("%s", f.TraceNotObserved)))
	}
	return claims.Combine(parts...)
}

var _ = claims.Register("V5", judgeSameNetnsPing)
