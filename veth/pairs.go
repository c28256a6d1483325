package veth

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// The facts each claim's test gathers, and the judge that reads them as the
// claim's rule. The tests observe in private namespaces, as root; the
// judges are pure, so `go test ./veth` shows each rule going every way it
// can, with no kernel needed.

// End is one veth end as the test read it back from the kernel.
type End struct {
	Name     string
	Type     string // the link kind, "veth"
	Index    int    // its ifindex, in its own namespace
	Peer     int    // IFLA_LINK: the ifindex it names as its peer (the "@if3" of ip link)
	NetnsID  int    // IFLA_LINK_NETNSID: which namespace that index is in, -1 for its own
	Flags    string // as ip link prints them between < >
	Oper     string // operstate
	Carrier  bool   // LOWER_UP
	AdminUp  bool   // UP
	InNetns  string // "here" or "there", for the reader
	PeerNSID int    // the netns id its namespace gives the peer's namespace (-1: same namespace)
}

// PairFacts is what V1's test saw: one request makes a pair, in one
// namespace and across two, and deleting one end.
type PairFacts struct {
	LinksBefore, LinksAfter int    // devices in the namespace before and after one add
	Same                    [2]End // a pair with both ends here
	Cross                   [2]End // a pair with its second end in another namespace
	DeletedSame             string // the end deleted of the same-namespace pair
	OtherGoneSame           bool   // its peer went too
	DeletedCross            string // the end deleted (here) of the cross pair
	OtherGoneCross          bool   // its peer, in the other namespace, went too
	BystanderKept           bool   // a third pair nobody deleted is still there
	LeftThere               []string
}

// judgePair is V1's rule, in three parts: one add makes two veth devices,
// each names the other as its peer (across namespaces, by index in the
// namespace its netns id names), and deleting either removes both, leaving
// other pairs alone.
func judgePair(f PairFacts) claims.Finding {
	made := claims.Confirm("one add made %d devices (%d -> %d links), of type %s and %s",
		f.LinksAfter-f.LinksBefore, f.LinksBefore, f.LinksAfter, f.Same[0].Type, f.Same[1].Type)
	if f.LinksAfter-f.LinksBefore != 2 || f.Same[0].Type != "veth" || f.Same[1].Type != "veth" {
		made = claims.Refute("one add made %d devices (%d -> %d), of type %q and %q",
			f.LinksAfter-f.LinksBefore, f.LinksBefore, f.LinksAfter, f.Same[0].Type, f.Same[1].Type)
	}

	namesOther := func(a, b End) bool { return a.Peer == b.Index && b.Peer == a.Index }
	crossIDs := f.Cross[0].NetnsID == f.Cross[0].PeerNSID && f.Cross[1].NetnsID == f.Cross[1].PeerNSID
	seen := fmt.Sprintf("%s; %s; across namespaces %s, %s", peerText(f.Same[0]), peerText(f.Same[1]), peerText(f.Cross[0]), peerText(f.Cross[1]))
	observed := f.Same[0].Index > 0 && f.Same[1].Index > 0 && f.Cross[0].Index > 0 && f.Cross[1].Index > 0
	peers := claims.Confirm("%s", seen)
	switch {
	case !observed:
		peers = claims.SkipPart("not every end of the two pairs was seen (an index of 0): %s", seen)
	case !namesOther(f.Same[0], f.Same[1]) || !namesOther(f.Cross[0], f.Cross[1]):
		peers = claims.Refute("the ends do not name each other: %s", seen)
	case !crossIDs:
		peers = claims.Refine("each names the other's index, but the link-netnsid is not the peer's namespace: %s", seen)
	}

	gone := fmt.Sprintf("del %s: its peer gone %t; del %s: its peer in the other namespace gone %t; bystander pair kept %t; left there: %v",
		f.DeletedSame, f.OtherGoneSame, f.DeletedCross, f.OtherGoneCross, f.BystanderKept, f.LeftThere)
	both := claims.Confirm("%s", gone)
	switch {
	case !f.OtherGoneSame && !f.OtherGoneCross:
		both = claims.Refute("deleting one end left the other: %s", gone)
	case !f.OtherGoneSame || !f.OtherGoneCross || !f.BystanderKept:
		both = claims.Refine("not every way: %s", gone)
	}
	return claims.Combine(claims.P("both-made", made), claims.P("each-names-other", peers), claims.P("delete-removes-both", both))
}

var _ = claims.Register("V1", judgePair)

func peerText(e End) string {
	s := fmt.Sprintf("%s (if%d) -> if%d", e.Name, e.Index, e.Peer)
	if e.NetnsID >= 0 {
		s += fmt.Sprintf(" link-netnsid %d", e.NetnsID)
	}
	return s
}

// StateStep is one end's state at a step of V2.
type StateStep struct {
	Flags   string // as ip link prints them
	Oper    string // operstate
	UpLower bool   // both UP and LOWER_UP
	Up      bool
	Carrier bool // LOWER_UP
}

// StatePlacement is V2's sequence for one pair: fresh, addresses added,
// one end up, both ends up.
type StatePlacement struct {
	Placement      string // "same netns", "peer in another netns"
	Fresh          StateStep
	AddrsWhileDown int // IPv4 addresses on the first end, read back while it was down
	OneUp          StateStep
	OneUpSettled   bool   // the one-up state settled to UP without carrier within the deadline
	OneUpAfter     string // how long that took
	PeerSetUp      bool   // the test brought the peer up (a drill keeps it down)
	BothUp         [2]StateStep
	BothUpSettled  bool // both reached UP,LOWER_UP within the deadline
}

// StateFacts is what V2's test saw, for a pair in one namespace and a pair
// across two.
type StateFacts struct {
	Placements []StatePlacement
}

// judgeStates is V2's rule, in three parts: a new pair is down; addresses
// go on before up; with both ends up, both show UP,LOWER_UP. With one end
// up there is no carrier, in whatever operstate, which the evidence shows.
func judgeStates(f StateFacts) claims.Finding {
	if len(f.Placements) == 0 {
		return claims.Combine(claims.P("fresh-down", claims.SkipPart("no pair was observed")))
	}
	var fresh, addrs, both []string
	freshDown, addrsOK, bothUp := true, true, true
	for _, p := range f.Placements {
		fresh = append(fresh, fmt.Sprintf("%s: <%s> state %s", p.Placement, p.Fresh.Flags, p.Fresh.Oper))
		freshDown = freshDown && !p.Fresh.Up && !p.Fresh.Carrier && p.Fresh.Oper == "down"
		addrs = append(addrs, fmt.Sprintf("%s: %d address(es) on a down end", p.Placement, p.AddrsWhileDown))
		addrsOK = addrsOK && p.AddrsWhileDown == 1
		oneUp := fmt.Sprintf("one end up: <%s> state %s after %s", p.OneUp.Flags, p.OneUp.Oper, p.OneUpAfter)
		if !p.PeerSetUp {
			oneUp += " (the peer end was then left down)"
		}
		both = append(both, fmt.Sprintf("%s: %s; both up: <%s> state %s / <%s> state %s",
			p.Placement, oneUp, p.BothUp[0].Flags, p.BothUp[0].Oper, p.BothUp[1].Flags, p.BothUp[1].Oper))
		bothUp = bothUp && p.BothUpSettled && p.BothUp[0].UpLower && p.BothUp[1].UpLower
	}
	down := claims.Confirm("%s", strings.Join(fresh, "; "))
	if !freshDown {
		down = claims.Refute("a new end was not down: %s", strings.Join(fresh, "; "))
	}
	before := claims.Confirm("%s", strings.Join(addrs, "; "))
	if !addrsOK {
		before = claims.Refute("%s", strings.Join(addrs, "; "))
	}
	up := claims.Confirm("%s", strings.Join(both, "; "))
	if !bothUp {
		up = claims.Refute("after both ends were set up, not both showed UP,LOWER_UP: %s", strings.Join(both, "; "))
	}
	return claims.Combine(claims.P("fresh-down", down), claims.P("addresses-before-up", before), claims.P("both-up", up))
}

var _ = claims.Register("V2", judgeStates)
