package routing

import (
	"testing"

	"netnotes/internal/claims"
)

// The judges of the chapter's claims, on facts seen on Linux 6.18 (copied
// from the facts lines of `go test -tags sudo -v ./routing` as root) and on
// facts made by hand to contradict each claim.

var (
	loLocal8   = Entry{"local", "127.0.0.0/8", "lo", "kernel", "host", "127.0.0.1"}
	loLocal1   = Entry{"local", "127.0.0.1", "lo", "kernel", "host", "127.0.0.1"}
	loBrdAll   = Entry{"broadcast", "127.255.255.255", "lo", "kernel", "link", "127.0.0.1"}
	loBrdNet   = Entry{"broadcast", "127.0.0.0", "lo", "kernel", "link", "127.0.0.1"}
	vethLocal  = Entry{"local", "198.18.0.1", "nnley-1a", "kernel", "host", "198.18.0.1"}
	vethBrd    = Entry{"broadcast", "198.18.0.255", "nnley-1a", "kernel", "link", "198.18.0.1"}
	vethBrdNet = Entry{"broadcast", "198.18.0.0", "nnley-1a", "kernel", "link", "198.18.0.1"}

	viaLo    = Lookup{Type: "local", Dev: "lo", Table: 254}
	viaVeth  = Lookup{Type: "unicast", Dev: "nnley-4a", Table: 254}
	seenOnLo = []Entry{loLocal8, loLocal1, loBrdAll}
)

func TestJudgeR1LoopbackTable(t *testing.T) {
	seen := LoopbackTableFacts{
		LoAddrs: []string{"127.0.0.1/8"}, Table: seenOnLo, AnyLoopback: viaLo,
		WhileLoDown: []Entry{loLocal8, loLocal1}, LoAddrsAfterUp: []string{"127.0.0.1/8"},
		AddrDeleted: true, WithoutLoAddr: []Entry{},
	}
	claims.TestJudge(t, "R1", judgeLoopbackTable, []claims.Case[LoopbackTableFacts]{
		{Name: "seen on 6.18: the notes' three entries", Facts: seen, Want: claims.Confirmed},
		{Name: "a pre-5.14 kernel's extra broadcast 127.0.0.0 does not contradict",
			Facts: LoopbackTableFacts{LoAddrs: []string{"127.0.0.1/8"}, Table: []Entry{loBrdNet, loLocal8, loLocal1, loBrdAll}, AnyLoopback: viaLo, AddrDeleted: true},
			Want:  claims.Confirmed},
		{Name: "constructed: lo's routes as boot scripts would add them by hand (proto boot, no source), which the test's fresh namespace never runs (the R1 drill refutes on a real kernel)",
			Facts: LoopbackTableFacts{LoAddrs: []string{"127.0.0.1/8"}, Table: []Entry{{"local", "127.0.0.0/8", "lo", "boot", "host", "-"}}, AnyLoopback: viaLo},
			Want:  claims.Refuted},
		{Name: "no broadcast entry with lo up",
			Facts: LoopbackTableFacts{LoAddrs: []string{"127.0.0.1/8"}, Table: []Entry{loLocal8, loLocal1}, AnyLoopback: viaLo, AddrDeleted: true},
			Want:  claims.Refined},
		{Name: "the entries outlive the address",
			Facts: LoopbackTableFacts{LoAddrs: []string{"127.0.0.1/8"}, Table: seenOnLo, AnyLoopback: viaLo, AddrDeleted: true, WithoutLoAddr: []Entry{loLocal1}},
			Want:  claims.Refined},
	})
}

// The refuting case is the R2 drill's (testdata/drills/R2.json): the
// interface in a VRF, whose table takes the address's entries. This
// machine has no vrf module; make matrix -scenarios vrf ran it on Debian's
// 6.12, and its facts line is that run's.
func TestJudgeR2AddressEntries(t *testing.T) {
	facts := func(atAdd, atUp, afterDel []Entry) AddressEntriesFacts {
		return AddressEntriesFacts{Addr: "198.18.0.1/24", Dev: "nnley-1a", Before: []Entry{}, AtAdd: atAdd, AtUp: atUp, AfterDel: afterDel}
	}
	claims.TestJudge(t, "R2", judgeAddressEntries, []claims.Case[AddressEntriesFacts]{
		{Name: "seen on 6.18: local at add, broadcast at link up, both gone at del",
			Facts: facts([]Entry{vethLocal}, []Entry{vethLocal, vethBrd}, []Entry{}),
			Want:  claims.Confirmed, Parts: map[string]string{"local": claims.Confirmed, "broadcast": claims.Confirmed}},
		{Name: "a pre-5.14 kernel's network-address broadcast as well",
			Facts: facts([]Entry{vethLocal}, []Entry{vethBrdNet, vethLocal, vethBrd}, []Entry{}),
			Want:  claims.Confirmed},
		{Name: "the local entry, but no broadcast entry at link up",
			Facts: facts([]Entry{vethLocal}, []Entry{vethLocal}, []Entry{}),
			Want:  claims.Refined, Parts: map[string]string{"local": claims.Confirmed, "broadcast": claims.Refuted}},
		{Name: "both entries already with the link down",
			Facts: facts([]Entry{vethLocal, vethBrd}, []Entry{vethLocal, vethBrd}, []Entry{}),
			Want:  claims.Refined, Parts: map[string]string{"local": claims.Confirmed, "broadcast": claims.Refined}},
		{Name: "the local entry only at link up",
			Facts: facts([]Entry{}, []Entry{vethLocal, vethBrd}, []Entry{}),
			Want:  claims.Refined, Parts: map[string]string{"local": claims.Refined, "broadcast": claims.Confirmed}},
		{Name: "the entries outlive the address",
			Facts: facts([]Entry{vethLocal}, []Entry{vethLocal, vethBrd}, []Entry{vethLocal, vethBrd}),
			Want:  claims.Refined, Parts: map[string]string{"local": claims.Refined, "broadcast": claims.Refined}},
	})
}

func TestJudgeR3LocalEntry(t *testing.T) {
	facts := func(entries []Entry, got, neighbour Lookup) LocalEntryFacts {
		return LocalEntryFacts{Addr: "198.18.0.1", Dev: "nnley-1a", Entries: entries, Lookup: got, Neighbour: "198.18.0.2", NeighbourLookup: neighbour}
	}
	unicast := Lookup{Type: "unicast", Dev: "nnley-1a", Table: 254}
	claims.TestJudge(t, "R3", judgeLocalEntry, []claims.Case[LocalEntryFacts]{
		{Name: "seen on 6.18: entry on the veth, lookup via lo",
			Facts: facts([]Entry{vethLocal}, viaLo, unicast),
			Want:  claims.Confirmed, Parts: map[string]string{"entry": claims.Confirmed, "lookup": claims.Confirmed}},
		{Name: "refutable only by a kernel that puts an address's local entry on lo and routes the address out of its interface (no Linux kernel does)",
			Facts: facts([]Entry{{"local", "198.18.0.1", "lo", "kernel", "host", "198.18.0.1"}}, unicast, unicast),
			Want:  claims.Refuted, Parts: map[string]string{"entry": claims.Refuted, "lookup": claims.Refuted}},
		{Name: "entry on the veth, lookup out of it (local table behind main)",
			Facts: facts([]Entry{vethLocal}, unicast, unicast),
			Want:  claims.Refined, Parts: map[string]string{"entry": claims.Confirmed, "lookup": claims.Refuted}},
		{Name: "no entry at all",
			Facts: facts([]Entry{}, viaLo, unicast),
			Want:  claims.Refined, Parts: map[string]string{"entry": claims.Refuted, "lookup": claims.Confirmed}},
		{Name: "the control's neighbour also via lo",
			Facts: facts([]Entry{vethLocal}, viaLo, viaLo),
			Want:  claims.Refined, Parts: map[string]string{"entry": claims.Confirmed, "lookup": claims.Refined}},
	})
}

func TestJudgeR4LocalFirst(t *testing.T) {
	split := Lookup{Type: "local", Dev: "lo", Table: 255}
	claims.TestJudge(t, "R4", judgeLocalFirst, []claims.Case[LocalFirstFacts]{
		{Name: "seen on 6.18: local wins, and loses once moved behind main",
			Facts: LocalFirstFacts{Addr: "198.18.0.1", Dev: "nnley-4a", FirstRulePriority: 0, FirstRuleTable: 255, Merged: viaLo, Split: split, Reordered: viaVeth},
			Want:  claims.Confirmed},
		{Name: "local wins only while merged",
			Facts: LocalFirstFacts{Addr: "198.18.0.1", Dev: "nnley-4a", FirstRulePriority: 0, FirstRuleTable: 255, Merged: viaLo, Split: viaVeth, Reordered: viaVeth},
			Want:  claims.Refined},
		{Name: "local wins even from behind main",
			Facts: LocalFirstFacts{Addr: "198.18.0.1", Dev: "nnley-4a", FirstRulePriority: 0, FirstRuleTable: 255, Merged: viaLo, Split: split, Reordered: viaLo},
			Want:  claims.Refined},
	})
}
