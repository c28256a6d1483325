package routing

import (
	"fmt"
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
