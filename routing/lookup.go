package routing

import (
	"fmt"
	"slices"

	"netnotes/internal/claims"
)

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
