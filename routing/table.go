package routing

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// Entry is one route of a table in the words `ip route` uses ("local
// 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1"), so that the
// kernel's table and the notes' lines compare field by field. The tests
// build it from netlink messages, never from ip's output.
type Entry struct {
	Type, Dst, Dev, Proto, Scope, Src string
}

func (e Entry) String() string {
	return fmt.Sprintf("%s %s dev %s proto %s scope %s src %s", e.Type, e.Dst, e.Dev, e.Proto, e.Scope, e.Src)
}

// Lookup is the kernel's answer to `ip route get DST`: the route's type and
// device and the table it reports, or the error the lookup returned.
type Lookup struct {
	Type  string `json:",omitempty"`
	Dev   string `json:",omitempty"`
	Table int    `json:",omitempty"`
	Err   string `json:",omitempty"`
}

func (l Lookup) String() string {
	if l.Err != "" {
		return "error: " + l.Err
	}
	return fmt.Sprintf("%s dev %s (table %d)", l.Type, l.Dev, l.Table)
}

// viaLo reports whether a lookup sends the address to the loopback device
// as this host's own: type local, dev lo.
func (l Lookup) viaLo() bool { return l.Err == "" && l.Type == "local" && l.Dev == "lo" }

// list shows entries in full, for evidence.
func list(entries []Entry) string {
	if len(entries) == 0 {
		return "(none)"
	}
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = e.String()
	}
	return strings.Join(s, "; ")
}

// brief shows entries by type and destination only.
func brief(entries []Entry) string {
	if len(entries) == 0 {
		return "(none)"
	}
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = e.Type + " " + e.Dst
	}
	return strings.Join(s, ", ")
}

// R1 — lo's entries in table local.

// NotesLoopbackEntries are the notes' three lines for lo in table local.
var NotesLoopbackEntries = []Entry{
	{"local", "127.0.0.0/8", "lo", "kernel", "host", "127.0.0.1"},
	{"local", "127.0.0.1", "lo", "kernel", "host", "127.0.0.1"},
	{"broadcast", "127.255.255.255", "lo", "kernel", "link", "127.0.0.1"},
}

// LoopbackTableFacts is what R1's test saw of lo's entries in table local.
type LoopbackTableFacts struct {
	LoAddrs     []string // lo's IPv4 addresses, as the test found them
	Table       []Entry  // table local's entries on lo, with lo up
	AnyLoopback Lookup   // ip route get 127.1.2.3
	WhileLoDown []Entry  // table local's entries on lo while lo was down
	// lo's IPv4 addresses once it was up again: the kernel gives lo
	// 127.0.0.1/8 at up when it has no IPv4 address.
	LoAddrsAfterUp []string
	// Control: lo's 127.0.0.1/8 deleted. AddrDeleted is false when lo had
	// no such address to delete.
	AddrDeleted   bool
	WithoutLoAddr []Entry
}

// judgeLoopbackTable is R1's rule: table local holds each of the notes'
// three lo entries, field by field. All of them confirm; some of them
// refine (the evidence names what is missing or different); none refutes.
// Entries beyond the notes' (a pre-5.14 kernel's `broadcast 127.0.0.0`) do
// not contradict the claim and are named. The control: the entries belong
// to lo's 127.0.0.1/8, so deleting it must take them away; if they stay,
// the picture is refined.
func judgeLoopbackTable(f LoopbackTableFacts) claims.Finding {
	var present, missing []Entry
	for _, e := range NotesLoopbackEntries {
		if slices.Contains(f.Table, e) {
			present = append(present, e)
		} else {
			missing = append(missing, e)
		}
	}
	others := slices.DeleteFunc(slices.Clone(f.Table), func(e Entry) bool { return slices.Contains(NotesLoopbackEntries, e) })
	seen := fmt.Sprintf("lo's addresses %v; table local on lo: %s; ip route get 127.1.2.3: %v; lo down leaves %s; lo's addresses after up: %v",
		f.LoAddrs, list(f.Table), f.AnyLoopback, brief(f.WhileLoDown), f.LoAddrsAfterUp)
	control := "control: lo had no 127.0.0.1/8 to delete"
	if f.AddrDeleted {
		control = "control, without lo's 127.0.0.1/8: " + brief(f.WithoutLoAddr)
	}
	stayed := slices.ContainsFunc(f.WithoutLoAddr, func(e Entry) bool { return slices.Contains(NotesLoopbackEntries, e) })
	switch {
	case len(present) == 0:
		return claims.Refute("none of the notes' three lo entries: %s; %s", seen, control)
	case len(missing) > 0:
		return claims.Refine("the notes' %s present, %s missing: %s; %s", brief(present), list(missing), seen, control)
	case f.AddrDeleted && stayed:
		return claims.Refine("the notes' three lo entries present, but they stay without lo's 127.0.0.1/8: %s; %s", seen, control)
	}
	return claims.Confirm("the notes' three lo entries present (other entries on lo: %s); %s; %s", brief(others), seen, control)
}

// The rule's own addresses: the one its test looks up in 127.0.0.0/8 and
// the notes' broadcast entry.
var _ = claims.Register("R1", judgeLoopbackTable, "127.1.2.3", "127.255.255.255")

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

// R3 — the entry names the interface, the lookup says lo.

// LocalEntryFacts is what R3's test saw for an address on an interface.
type LocalEntryFacts struct {
	Addr, Dev string
	Entries   []Entry // table local's entries for Addr
	Lookup    Lookup  // ip route get Addr
	// Control: a neighbour's address in the same subnet, not local.
	Neighbour       string
	NeighbourLookup Lookup
}

// judgeLocalEntry is R3's rule, in two parts. entry: table local's local
// entry for the address names the interface (confirmed); it names another
// device, or there is none (refuted). lookup: ip route get of the address
// says local, dev lo (confirmed), anything else refutes. Control: the
// neighbour's address must be looked up as unicast out of the interface;
// if it also says local dev lo, the lookup cannot tell local from not, and
// the lookup part is refined.
func judgeLocalEntry(f LocalEntryFacts) claims.Finding {
	var entry claims.Finding
	i := slices.IndexFunc(f.Entries, func(e Entry) bool { return e.Type == "local" && e.Dst == f.Addr })
	switch {
	case i < 0:
		entry = claims.Refute("table local holds no local entry for %s (entries for it: %s)", f.Addr, list(f.Entries))
	case f.Entries[i].Dev == f.Dev:
		entry = claims.Confirm("table local: %s", f.Entries[i])
	default:
		entry = claims.Refute("table local: %s names %s, not the interface %s", f.Entries[i], f.Entries[i].Dev, f.Dev)
	}

	control := fmt.Sprintf("control, ip route get %s: %v", f.Neighbour, f.NeighbourLookup)
	var lookup claims.Finding
	switch {
	case !f.Lookup.viaLo():
		lookup = claims.Refute("ip route get %s: %v; %s", f.Addr, f.Lookup, control)
	case f.NeighbourLookup.viaLo():
		lookup = claims.Refine("ip route get %s: %v, but the neighbour's address says the same; %s", f.Addr, f.Lookup, control)
	default:
		lookup = claims.Confirm("ip route get %s: %v; %s", f.Addr, f.Lookup, control)
	}
	return claims.Combine(claims.P("entry", entry), claims.P("lookup", lookup))
}

var _ = claims.Register("R3", judgeLocalEntry)

// R4 — table local before a more specific route in main.

// LocalFirstFacts is what R4's test saw when a /32 route for the local
// address was added to table main, pointing at the interface.
type LocalFirstFacts struct {
	Addr, Dev         string
	FirstRulePriority int    // the first `ip rule`
	FirstRuleTable    int    // its table (255 is local)
	Merged            Lookup // ip route get Addr, /32 in main, default rules (local and main merged)
	Split             Lookup // the same with a rule pref 100 lookup main added (tables split)
	// Control: table local moved behind main (pref 40000, pref 0 deleted).
	Reordered Lookup
}

// judgeLocalFirst is R4's rule: with a /32 for the address in main, the
// lookups (tables merged and split) still say local, dev lo: confirmed when
// the first rule is priority 0 to table local and the control holds (with
// local moved behind main, main's /32 decides). Both lookups following main
// refute; anything between refines, and so does a control in which the
// local table wins even from behind main (then the rule order is not what
// keeps the address on lo).
func judgeLocalFirst(f LocalFirstFacts) claims.Finding {
	seen := fmt.Sprintf("first rule: pref %d table %d; with %s/32 dev %s in main, ip route get %s: %v, merged; %v, tables split; control, local moved behind main: %v",
		f.FirstRulePriority, f.FirstRuleTable, f.Addr, f.Dev, f.Addr, f.Merged, f.Split, f.Reordered)
	switch {
	case !f.Merged.viaLo() && !f.Split.viaLo():
		return claims.Refute("main's /32 won: %s", seen)
	case !f.Merged.viaLo() || !f.Split.viaLo():
		return claims.Refine("local won in one lookup only: %s", seen)
	case f.FirstRulePriority != 0 || f.FirstRuleTable != 255:
		return claims.Refine("local won, but the first rule is not pref 0 lookup local: %s", seen)
	case f.Reordered.viaLo():
		return claims.Refine("local won, and still wins from behind main, so the rule order is not what decides: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

var _ = claims.Register("R4", judgeLocalFirst)

// Derived gives the evidence check the /32 route the test adds for Addr
// to table main (claims.Deriver).
func (f LocalFirstFacts) Derived() []string { return []string{f.Addr + "/32"} }
