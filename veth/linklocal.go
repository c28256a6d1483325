package veth

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"netnotes/internal/claims"
)

// The notes' own pair of values: veth5's MAC, and the link-local address
// `ip a` showed on it after `ip link set up`.
const (
	NotesMAC       = "9a:2e:ed:06:0c:56"
	NotesLinkLocal = "fe80::982e:edff:fe06:c56"
)

// LinkLocalEnd is one end of V3's pair after up.
type LinkLocalEnd struct {
	Name      string
	MAC       string
	LinkLocal string // the fe80:: address the kernel gave it ("" if none came)
	Tentative bool   // still tentative when read
}

// LinkLocalFacts is what V3's test saw in a fresh namespace: the IPv6
// settings new devices inherit there (read, not set), and each end's
// link-local address after up, one end carrying the notes' MAC.
type LinkLocalFacts struct {
	// The kernel has no IPv6 in the namespace: no /proc/sys/net/ipv6
	// (booted with ipv6.disable=1, or no ipv6 module). The three settings
	// below are then "" and the DAD control is not run.
	NoIPv6         bool   `json:",omitempty"`
	AddrGenMode    string // net.ipv6.conf.default.addr_gen_mode, as inherited: 0 eui64, 1 none, 2 stable-privacy, 3 random
	DisableIPv6    string // net.ipv6.conf.default.disable_ipv6, as inherited
	AcceptDAD      string // net.ipv6.conf.default.accept_dad, as inherited (the test then sets 0 for its pair)
	Ends           []LinkLocalEnd
	UsableWithinMs int64 // with accept_dad=0, how long until both addresses were usable

	// Control: DAD on, as a kernel's default is.
	DADTentative     bool   // the control end's address was tentative right after up
	DADBindErr       string // bind to it meanwhile
	DADUsableAfterMs int64  // how long it stayed tentative
}

// judgeLinkLocal is V3's rule, in two parts: after up, each end has an
// fe80:: address, the modified EUI-64 of its MAC; and the notes' own MAC
// gives the notes' own address, compared literally. A namespace whose
// devices make their addresses another way (addr_gen_mode 2 or 3) gives
// each end a link-local address that is not the MAC's: the second part
// then says so, and the claim is partly refuted. Where IPv6 is off (a kernel
// without it, or disable_ipv6=1 inherited) no end gets an address: the
// claim is refuted, and the evidence says IPv6 is off.
func judgeLinkLocal(f LinkLocalFacts) claims.Finding {
	inherited := fmt.Sprintf("the namespace's devices inherit addr_gen_mode=%s, disable_ipv6=%s, accept_dad=%s", f.AddrGenMode, f.DisableIPv6, f.AcceptDAD)
	off := ""
	switch {
	case f.NoIPv6:
		off = "IPv6 is off: the kernel has no IPv6 here (no /proc/sys/net/ipv6: IPv6 disabled on the kernel command line, or no ipv6 module)"
		inherited = off
	case f.DisableIPv6 == "1":
		off = "IPv6 is off on the namespace's new devices (disable_ipv6=1, inherited)"
	}
	var got []string
	allFE80, allEUI64 := len(f.Ends) == 2, len(f.Ends) == 2
	notesEnd := -1
	for i, e := range f.Ends {
		got = append(got, fmt.Sprintf("%s %s -> %s", e.Name, e.MAC, orNone(e.LinkLocal)))
		addr, err := netip.ParseAddr(e.LinkLocal)
		allFE80 = allFE80 && err == nil && addr.IsLinkLocalUnicast()
		mac, _ := net.ParseMAC(e.MAC)
		eui, err := LinkLocal(mac)
		allEUI64 = allEUI64 && err == nil && eui == addr
		if strings.EqualFold(e.MAC, NotesMAC) {
			notesEnd = i
		}
	}
	seen := strings.Join(got, ", ")
	each := claims.Confirm("%s; %s", seen, inherited)
	switch {
	case !allFE80:
		each = claims.Refute("not every end had an fe80:: address after up: %s; %s", seen, inherited)
	case !allEUI64:
		each = claims.Refine("each end has an fe80:: address, but not the EUI-64 of its MAC: %s; %s", seen, inherited)
	}

	var notes claims.Finding
	switch {
	case notesEnd < 0:
		notes = claims.SkipPart("no end carried the notes' MAC %s", NotesMAC)
	case f.Ends[notesEnd].LinkLocal == NotesLinkLocal:
		notes = claims.Confirm("MAC %s gave %s, the notes' address", NotesMAC, NotesLinkLocal)
	default:
		notes = claims.Refute("MAC %s gave %s, the notes show %s (%s)", NotesMAC, orNone(f.Ends[notesEnd].LinkLocal), NotesLinkLocal, inherited)
	}
	fnd := claims.Combine(claims.P("each-end", each), claims.P("notes-pair", notes))
	if off != "" {
		fnd.Evidence = off + "; " + fnd.Evidence
	}
	if f.NoIPv6 {
		fnd.Evidence += "; no control with DAD on"
		return fnd
	}
	fnd.Evidence += fmt.Sprintf("; with accept_dad=0 usable within %d ms; control with DAD on: tentative %t, bind meanwhile %s, usable after %d ms",
		f.UsableWithinMs, f.DADTentative, f.DADBindErr, f.DADUsableAfterMs)
	return fnd
}

var _ = claims.Register("V3", judgeLinkLocal, "9a:2e:ed:06:0c:56", "fe80::982e:edff:fe06:c56")

func orNone(s string) string {
	if s == "" {
		return "no fe80:: address"
	}
	return s
}
