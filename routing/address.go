package routing

import (
	"fmt"
	"net/netip"
	"slices"

	"netnotes/internal/claims"
)

// R2 — the entries an address adds.

// AddressEntriesFacts is what R2's test saw of table local while an address
// came and went on an interface.
type AddressEntriesFacts struct {
	Addr     string  // the address with its prefix length, 198.18.0.1/24
	Dev      string  // the interface it was added to
	Before   []Entry // the interface's entries in table local before the address
	AtAdd    []Entry // right after ip addr add, link down
	AtUp     []Entry // once the link was up (waited for the broadcast entry, bounded)
	AfterDel []Entry // after ip addr del (control)
	// Master is the interface's master device ("vrf NAME table 10"), ""
	// for none: in a VRF the address's entries go to the VRF's table.
	Master string `json:",omitempty"`
}

// AddressEntries returns the two entries the notes' rule expects an address
// to add to table local: local A dev IF scope host, and broadcast <A's
// broadcast> dev IF scope link, both proto kernel, src A. A /31 or /32
// has no broadcast entry (ok is false for it).
func AddressEntries(addr netip.Prefix, dev string) (local, broadcast Entry, ok bool, err error) {
	if !addr.IsValid() || !addr.Addr().Is4() {
		return Entry{}, Entry{}, false, fmt.Errorf("routing.AddressEntries: %v is not an IPv4 address with a length", addr)
	}
	a := addr.Addr().String()
	local = Entry{"local", a, dev, "kernel", "host", a}
	brd, err := Broadcast(addr)
	if err != nil {
		return local, Entry{}, false, nil
	}
	return local, Entry{"broadcast", brd.String(), dev, "kernel", "link", a}, true, nil
}

// judgeAddressEntries is R2's rule, a part per entry. local: the local entry
// is there right after ip addr add (confirmed), only once the link is up
// (refined), or never (refuted). broadcast: the broadcast entry comes at
// link up and not before (confirmed), is there already with the link down
// (refined), or never comes (refuted). Control: deleting the address must
// take its entries away; an entry that stays refines its part.
func judgeAddressEntries(f AddressEntriesFacts) claims.Finding {
	addr, err := netip.ParsePrefix(f.Addr)
	if err != nil {
		return claims.Combine(claims.P("local", claims.SkipPart("the facts carry no valid address: %v", err)))
	}
	local, broadcast, hasBroadcast, err := AddressEntries(addr, f.Dev)
	if err != nil {
		return claims.Combine(claims.P("local", claims.SkipPart("%v", err)))
	}
	master := ""
	if f.Master != "" {
		master = " (enslaved to " + f.Master + ")"
	}
	seen := fmt.Sprintf("on %s%s: before %s; at ip addr add %s (link down): %s; at link up: %s; after ip addr del: %s",
		f.Dev, master, brief(f.Before), f.Addr, brief(f.AtAdd), brief(f.AtUp), brief(f.AfterDel))

	var localPart claims.Finding
	switch {
	case slices.Contains(f.AtAdd, local) && slices.Contains(f.AfterDel, local):
		localPart = claims.Refine("%s appears at ip addr add but stays after ip addr del", local)
	case slices.Contains(f.AtAdd, local):
		localPart = claims.Confirm("%s at ip addr add, with the link still down; gone after ip addr del", local)
	case slices.Contains(f.AtUp, local):
		localPart = claims.Refine("%s only once the link was up, not at ip addr add", local)
	default:
		localPart = claims.Refute("no %s at ip addr add nor at link up (entries on %s: %s, then %s)", local, f.Dev, list(f.AtAdd), list(f.AtUp))
	}

	var brdPart claims.Finding
	switch {
	case !hasBroadcast:
		brdPart = claims.SkipPart("%s has no broadcast address to look for", f.Addr)
	case !slices.Contains(f.AtUp, broadcast):
		brdPart = claims.Refute("no %s at link up (entries on %s: %s)", broadcast, f.Dev, list(f.AtUp))
	case slices.Contains(f.AtAdd, broadcast):
		brdPart = claims.Refine("%s already there at ip addr add, with the link down", broadcast)
	case slices.Contains(f.AfterDel, broadcast):
		brdPart = claims.Refine("%s at link up, but it stays after ip addr del", broadcast)
	default:
		brdPart = claims.Confirm("%s at link up, not before; gone after ip addr del", broadcast)
	}
	parts := claims.Combine(claims.P("local", localPart), claims.P("broadcast", brdPart))
	parts.Evidence += "; " + seen
	return parts
}

var _ = claims.Register("R2", judgeAddressEntries)

// Derived gives the evidence check the broadcast address the rule
// expects of Addr (claims.Deriver).
func (f AddressEntriesFacts) Derived() []string {
	addr, err := netip.ParsePrefix(f.Addr)
	if err != nil {
		return nil
	}
	if _, brd, ok, err := AddressEntries(addr, f.Dev); err == nil && ok {
		return []string{brd.Dst}
	}
	return nil
}
