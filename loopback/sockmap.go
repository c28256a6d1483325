package loopback

import (
	"fmt"
	"strings"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// SockmapFacts is what the L5 test saw: the app's socket writes while an
// sk_msg program redirects its messages to the sidecar's socket (a socket
// of another connection), then the same writes again once both sockets
// are out of the sockhash (the control), and a short measurement.
type SockmapFacts struct {
	App     string // the app's connection, "127.0.0.1:A -> 127.0.0.1:B" (B is its TCP peer)
	Sidecar string // the sidecar's connection, whose socket is the redirect target
	Payload int    // bytes per write; every write is read before the next
	Writes  int    // writes per phase

	// The redirected transfer, the program attached.
	TargetBytes   int    // bytes the sidecar's socket read
	TargetInOrder bool   // exactly the bytes written, in order
	PeerBytes     int    // of them, bytes the app's own TCP peer ever received (read after the control)
	LoTxPackets   uint64 // lo's transmit counter over the transfer
	LoXmit        int    // net_dev_xmit events on lo with the length of one write's segment, caused by the writing thread

	// The control: the same sockets taken out of the sockhash, the same writes.
	ControlPeerBytes   int  // bytes the app's TCP peer read
	ControlPeerInOrder bool // exactly the control's bytes, in order, and nothing before them
	ControlTargetBytes int  // bytes that reached the sidecar's socket
	ControlLoTxPackets uint64
	ControlLoXmit      int

	// The measurement: tcp-sockmap (A) against TCP (B), raw path, both
	// peers on one CPU, interleaved pairs. VsUDS, against UDS, is shown
	// where facts have it (recorded before the note was cut to 2 s).
	VsTCP bench.Facts
	VsUDS bench.Facts
	// Why there is no measurement, when the test did not take one (inside
	// make matrix's VMs: timing under emulation measures the emulator).
	NotMeasured string `json:",omitempty"`
}

// judgeSockmap is claim L5's rule, in two parts.
//
//   - redirect: what the app wrote arrives at the sidecar's socket, intact
//     and in order, and its own TCP peer gets none of it (confirmed);
//     nothing arrives there and the peer gets it all (refuted).
//   - lo: during the redirected transfer lo's counters and net_dev_xmit
//     for the writes' segments stay still, while the control's writes on
//     the same sockets do cross lo (confirmed); the redirected writes cross
//     lo too (refuted). A control that fires no event cannot tell
//     (undecided).
//
// The claim says nothing about speed, so the measurement decides nothing:
// it is a note at the end of the evidence (sockmapSpeed).
func judgeSockmap(f SockmapFacts) claims.Finding {
	found := claims.Combine(
		claims.P("redirect", judgeRedirect(f)),
		claims.P("lo", judgeSkipsLo(f)),
	)
	found.Evidence += "; " + speedNote(judgeSockmapSpeed(f))
	return found
}

// speedNote words the speed measurement's finding as a note beside the
// verdict, not a part of it.
func speedNote(sp claims.Finding) string {
	what := map[claims.Verdict]string{
		claims.Confirmed: "faster than TCP in every cell",
		claims.Refuted:   "slower than TCP in every cell",
		claims.Refined:   "faster than TCP in some cells, slower in others",
		claims.Undecided: "undecided",
		claims.Skipped:   "not measured",
	}[sp.Verdict]
	return fmt.Sprintf("note, deciding nothing (the claim says nothing of speed): tcp-sockmap %s: %s", what, sp.Evidence)
}

var _ = claims.Register("L5", judgeSockmap)

func judgeRedirect(f SockmapFacts) claims.Finding {
	total := f.Payload * f.Writes
	ev := fmt.Sprintf("%d writes of %d B on the app's socket (%s): the sidecar's socket (%s) read %d B%s; the app's TCP peer received %d B of them",
		f.Writes, f.Payload, f.App, f.Sidecar, f.TargetBytes, inOrder(f.TargetInOrder), f.PeerBytes)
	switch {
	case total > 0 && f.TargetBytes == total && f.TargetInOrder && f.PeerBytes == 0:
		return claims.Confirm("%s", ev)
	case f.TargetBytes == 0:
		return claims.Refute("%s", ev)
	}
	return claims.Refine("%s (the redirect delivered part of it, or not in order)", ev)
}

func judgeSkipsLo(f SockmapFacts) claims.Finding {
	ev := fmt.Sprintf("redirected: lo tx +%d packets, %d net_dev_xmit of the writes' length from the writing thread; control, the same sockets out of the sockhash: lo tx +%d, %d net_dev_xmit, the app's peer read %d B%s, the sidecar's socket %d B",
		f.LoTxPackets, f.LoXmit, f.ControlLoTxPackets, f.ControlLoXmit, f.ControlPeerBytes, inOrder(f.ControlPeerInOrder), f.ControlTargetBytes)
	switch {
	case f.Writes > 0 && f.LoXmit >= f.Writes:
		return claims.Refute("%s", ev)
	case f.ControlLoXmit < f.Writes || f.ControlLoTxPackets == 0:
		return claims.Undecide("%s: the control's writes did not show on lo, so lo's stillness tells nothing", ev)
	case f.LoXmit == 0 && f.LoTxPackets == 0:
		return claims.Confirm("%s", ev)
	}
	return claims.Refine("%s (some of the redirected transfer reached lo)", ev)
}

// judgeSockmapSpeed reads the measurement: tcp-sockmap against TCP over
// lo, same CPU, each cell's interval of pair ratios (bench.Interval)
// against 1: faster in every cell (confirmed), slower in every cell
// (refuted), faster in some and slower in others (refined: it depends on
// the workload); a cell whose interval straddles 1 leaves the rest
// undecided. The UDS ratios are shown beside them.
func judgeSockmapSpeed(f SockmapFacts) claims.Finding {
	if f.NotMeasured != "" {
		return claims.SkipPart("%s", f.NotMeasured)
	}
	vsTCP, vsUDS := f.VsTCP, f.VsUDS
	var faster, slower, open int
	var words []string
	var cells []bench.CellFacts
	for _, c := range vsTCP.Cells {
		if c.Placement != bench.OneCPU || len(c.Ratios) == 0 {
			continue
		}
		cells = append(cells, c)
		iv := c.Decider()
		switch {
		case iv.Above(1):
			faster++
		case iv.Below(1):
			slower++
		default:
			open++
		}
		words = append(words, fmt.Sprintf("%s %d B %s", shapeWord(c.Shape), c.Size, c.Seen()))
	}
	n := faster + slower + open
	if n == 0 {
		return claims.SkipPart("tcp-sockmap was not measured against TCP: run `go test -tags sudo -run L5 ./loopback` as root, or `sudo make bench`")
	}
	var uds []string
	for _, c := range vsUDS.Cells {
		if c.Placement == bench.OneCPU && len(c.Ratios) > 0 {
			uds = append(uds, fmt.Sprintf("%s %d B %s %s", shapeWord(c.Shape), c.Size, c.Decider(), c.Quantity()))
		}
	}
	ev := fmt.Sprintf("tcp-sockmap (to %s) vs TCP (to %s) on one CPU, raw path, ratio (%s): %s",
		peerOr(vsTCP.PeerA, "?"), peerOr(vsTCP.PeerB, "?"), bench.IntervalKind(cells), strings.Join(words, "; "))
	if len(uds) > 0 {
		ev += fmt.Sprintf("; beside UDS (not deciding): %s", strings.Join(uds, "; "))
	}
	switch {
	case faster == n:
		return claims.Confirm("%s", ev)
	case slower == n:
		return claims.Refute("%s", ev)
	case faster > 0 && slower > 0:
		return claims.Refine("%s; faster than TCP in %d of %d cells, slower in %d", ev, faster, n, slower)
	}
	return claims.Undecide("%s; %d of %d cells straddle 1x", ev, open, n)
}

func peerOr(peer, unknown string) string {
	if peer == "" {
		return unknown
	}
	return peer
}

func shapeWord(s bench.Shape) string {
	if s == bench.RoundTrip {
		return "round trip"
	}
	return string(s)
}

func inOrder(ok bool) string {
	if ok {
		return ", intact and in order"
	}
	return ", NOT the bytes written in order"
}
