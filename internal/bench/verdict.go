package bench

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// The rules of the measured claims U8 and L4, as judges over Facts. They
// live here so that the chapters' tests (uds, loopback) and `make bench`
// (internal/cmd/bench) give one verdict from one rule.
//
// How a measurement decides: each cell's ratio is known only as an
// interval of its interleaved pairs' ratios (Interval: min to max, or with
// 8 or more pairs the sign test's 90%+ interval of the median; fewer than
// 5 pairs decide nothing). The ratio is taken by CPU time per message
// where the facts have it (CellFacts.Decider: both peers on one CPU, so
// with nothing else running the rate is one over it, and unlike the rate
// other work on the machine barely moves it; a short measurement's
// msgs/s interval straddled a threshold on a quiet machine once in three
// runs), else by msgs/s; the evidence names which, with the other beside
// it. A part is decided only when the intervals lie wholly on one side of
// the claim's own threshold; when one straddles it, the part is undecided
// here, with the interval, and the claim is refined (claims.Combine). The
// same-CPU cells decide (placement=onecpu: every hand-over is a same-CPU
// switch, the stable layout); free-placement cells are shown beside them,
// and so are cells measured with another congestion control set on the
// connections (CellFacts.Congestion): what a reader with that default
// would see.

// The claims' decision points, as the notes state them.
const (
	U8Size   = 100  // U8: "for small messages (about 100 bytes)"
	U8Factor = 2.0  // U8: "more than 2x as fast"
	L4Band   = 1.10 // L4: "no difference", read as within 10% either way (1/1.1 to 1.1)
)

// JudgeU8 is claim U8's rule: "for ~100-byte messages UDS is more than 2x
// as fast as TCP over lo; the gap shrinks with size", two parts, from
// Facts of UDS (A) against TCP to 127.0.0.1 (B).
func JudgeU8(f Facts) claims.Finding {
	return f.withCongestion(claims.Combine(
		claims.P("2x-at-100b", moreThanTwiceAtSmall(f)),
		claims.P("gap-shrinks", gapShrinksWithSize(f)),
	))
}

// withCongestion adds the TCP congestion control the measurement ran with
// to a finding's evidence: a fact of the reader's host (the default is
// cubic on most, bbr on the project's machine) on which the small-message
// stream cells depend.
func (f Facts) withCongestion(fnd claims.Finding) claims.Finding {
	if f.Congestion != "" {
		fnd.Evidence += fmt.Sprintf("; TCP congestion control %s (net.ipv4.tcp_congestion_control of the measuring namespace; the small-message stream's mode depends on it)", f.Congestion)
	}
	if f.NotBeside != "" {
		fnd.Evidence += "; no other congestion control measured beside it: " + f.NotBeside
	}
	return fnd
}

// moreThanTwiceAtSmall: at the size nearest 100 B, each same-CPU shape's
// interval against 2.0. Every shape wholly above: confirmed; every shape
// wholly below: refuted; one straddles: undecided; some above and some
// below: refined (it holds for one workload only).
func moreThanTwiceAtSmall(f Facts) claims.Finding {
	size := f.sizeNear(U8Size)
	cells := f.cells(OneCPU, size)
	if len(cells) == 0 {
		return claims.SkipPart("no same-CPU measurement near %d B", U8Size)
	}
	var items []decided
	for _, c := range cells {
		iv := c.Decider()
		items = append(items, decided{side(iv.Above(U8Factor), iv.Below(U8Factor)),
			fmt.Sprintf("%s %s%s", shapeWords(c.Shape), c.Seen(), f.mode(c))})
	}
	aside := freeCells(f, size)
	if o := f.otherCells(func(c CellFacts) bool { return c.Size == size }); o != "" {
		aside = strings.TrimPrefix(aside+"; "+o, "; ")
	}
	return decideEach(items, fmt.Sprintf("UDS/TCP at %d B on one CPU against %.1fx (%s)", size, U8Factor, IntervalKind(cells)), aside)
}

// mode is a cell's TCP mode for its evidence, after "; " ("" for none).
func (f Facts) mode(c CellFacts) string {
	m := c.Mode(f.Congestion, string(f.A), string(f.B))
	if m == "" {
		return ""
	}
	return "; " + m
}

// otherCells describes the cells measured with another congestion
// control (of those keep selects), which decide nothing.
func (f Facts) otherCells(keep func(CellFacts) bool) string {
	var ps []string
	for _, c := range f.otherCongestion() {
		if keep(c) {
			ps = append(ps, fmt.Sprintf("%s %d B %s%s", shapeWords(c.Shape), c.Size, c.Seen(), f.mode(c)))
		}
	}
	if len(ps) == 0 {
		return ""
	}
	return fmt.Sprintf("with %s set on the connections instead (not deciding: what a reader whose default it is sees): %s",
		f.otherCongestion()[0].Congestion, strings.Join(ps, "; "))
}

// gapShrinksWithSize: per same-CPU shape, how far the ratio lies from 1
// (either way) at the largest size against at ~100 B. Decided only when
// the two intervals' gaps do not overlap: smaller at the largest size in
// every shape, confirmed; larger in every shape, refuted; overlapping in a
// shape, undecided; smaller in one, larger in another, refined.
func gapShrinksWithSize(f Facts) claims.Finding {
	small, large := f.sizeNear(U8Size), f.largestSize()
	if small == large {
		return claims.SkipPart("one message size measured (%d B): no trend to see", small)
	}
	var items []decided
	var compared []CellFacts
	for _, cs := range f.cells(OneCPU, small) {
		var cl *CellFacts
		for _, c := range f.cells(OneCPU, large) {
			if c.Shape == cs.Shape {
				cl = &c
			}
		}
		if cl == nil {
			continue
		}
		compared = append(compared, cs, *cl)
		ivS, ivL := cs.Decider(), cl.Decider()
		sLo, sHi := ivS.gap()
		lLo, lHi := ivL.gap()
		d, trend := side(lHi < sLo, lLo > sHi), "the intervals overlap"
		if !ivS.Decisive() || !ivL.Decisive() {
			d, trend = undecided, "too few pairs to tell"
		}
		switch d {
		case holds:
			trend = "the gap shrinks"
		case fails:
			trend = "the gap grows"
		}
		items = append(items, decided{d, fmt.Sprintf("%s %s at %d B, %s at %d B (%s): %s", shapeWords(cs.Shape), ivS, small, ivL, large, cs.Quantity(), trend)})
	}
	if len(items) == 0 {
		return claims.SkipPart("no same-CPU shape measured at both %d B and %d B", small, large)
	}
	return decideEach(items, fmt.Sprintf("UDS/TCP on one CPU, distance from 1x (%s)", IntervalKind(compared)),
		f.otherCells(func(c CellFacts) bool { return c.Size == small || c.Size == large }))
}

// JudgeL4 is claim L4's rule: "127.0.0.1 is no faster than the host's own
// address: the same speed, within 10% either way" (the notes: "no, there
// is no difference"), from Facts of TCP to 127.0.0.1 (A) against TCP to
// the other address (B). One part, no-difference: each same-CPU cell's
// interval against the band 1/1.1-1.1, a stream cell's from its pairs
// whose two connections were in one TCP mode (CellFacts.SameMode: both
// sides are TCP, and a pair in two modes compares the modes, not the
// addresses; fewer than 5 such pairs decide nothing). Every cell within the band:
// confirmed; a cell wholly outside it, 127.0.0.1 faster or slower:
// refuted (the difference named, with its direction); otherwise undecided
// (an interval wider than the band can resolve).
func JudgeL4(f Facts) claims.Finding {
	return f.withCongestion(claims.Combine(claims.P("no-difference", noDifference(f))))
}

func noDifference(f Facts) claims.Finding {
	var words []string
	var decidedCells []CellFacts
	var faster, slower int
	count := map[int]int{}
	for _, c := range f.Cells {
		if c.Placement != OneCPU || len(c.Ratios) == 0 || c.Congestion != "" {
			continue
		}
		sameMode := ""
		if c.Shape == Stream {
			kept, n := c.SameMode()
			if n < len(c.Ratios) {
				var out []string
				for i := range c.Ratios {
					if !oneMode(c.PairSegsA[i], c.PairSegsB[i]) {
						out = append(out, fmt.Sprintf("%.0f vs %.0f", c.PairSegsA[i], c.PairSegsB[i]))
					}
				}
				sameMode = fmt.Sprintf(", left out: the pairs in two TCP modes (data segments per 1000 messages more than %.0f%% apart: %s)",
					100*(SameModeBand-1), strings.Join(out, ", "))
			}
			if n == 0 {
				count[undecided]++
				words = append(words, fmt.Sprintf("%s %d B: no pair in one TCP mode%s (straddles)%s", shapeWords(c.Shape), c.Size, sameMode, f.mode(c)))
				continue
			}
			c = kept
		}
		decidedCells = append(decidedCells, c)
		iv := c.Decider()
		d := side(iv.Within(1/L4Band, L4Band), iv.Above(L4Band) || iv.Below(1/L4Band))
		count[d]++
		where := map[int]string{holds: "within", fails: "outside", undecided: "straddles"}[d]
		switch {
		case iv.Above(L4Band):
			where, faster = "outside: 127.0.0.1 faster", faster+1
		case iv.Below(1 / L4Band):
			where, slower = "outside: 127.0.0.1 slower", slower+1
		}
		words = append(words, fmt.Sprintf("%s %d B %s%s (%s)%s",
			shapeWords(c.Shape), c.Size, c.Seen(), sameMode, where, f.mode(c)))
	}
	n := len(words)
	if n == 0 {
		return claims.SkipPart("no same-CPU measurement")
	}
	ev := fmt.Sprintf("TCP to %s vs to %s on one CPU, ratio (%s) against the band %.2f-%.2fx: %s",
		orName(f.PeerA, f.A), orName(f.PeerB, f.B), IntervalKind(decidedCells), 1/L4Band, L4Band, strings.Join(words, "; "))
	if o := f.otherCells(func(CellFacts) bool { return true }); o != "" {
		ev += "; " + o
	}
	switch {
	case count[fails] > 0:
		return claims.Refute("%s; not the same speed in %d of %d cells (127.0.0.1 faster in %d, slower in %d)", ev, count[fails], n, faster, slower)
	case count[holds] == n:
		return claims.Confirm("%s", ev)
	}
	return claims.Undecide("%s; %d of %d cells straddle the band's edge", ev, count[undecided], n)
}

func orName(peer string, tr Transport) string {
	if peer == "" {
		return string(tr)
	}
	return peer
}

// A decided item: the claim holds, fails, or this run cannot tell.
type decided struct {
	d     int // holds, fails or undecided
	words string
}

const (
	fails     = -1
	undecided = 0
	holds     = 1
)

// side turns two exclusive tests into holds, fails or undecided.
func side(holdsIf, failsIf bool) int {
	switch {
	case holdsIf:
		return holds
	case failsIf:
		return fails
	}
	return undecided
}

// decideEach decides a part that must hold for every item (shape): all
// hold, confirmed; all fail, refuted; any undecided, undecided; a mix of
// holds and fails, refined. aside is shown after the deciding items.
func decideEach(items []decided, head, aside string) claims.Finding {
	count := map[int]int{}
	var words []string
	for _, it := range items {
		count[it.d]++
		words = append(words, it.words)
	}
	ev := head + ": " + strings.Join(words, "; ")
	if aside != "" {
		ev += "; " + aside
	}
	switch {
	case count[undecided] > 0:
		return claims.Undecide("%s", ev)
	case count[holds] == len(items):
		return claims.Confirm("%s", ev)
	case count[fails] == len(items):
		return claims.Refute("%s", ev)
	}
	return claims.Refine("%s", ev)
}

// freeCells describes the free-placement cells of one size, which are
// shown but do not decide.
func freeCells(f Facts, size int) string {
	var ps []string
	for _, c := range f.cells(Free, size) {
		ps = append(ps, fmt.Sprintf("%s %s %s", shapeWords(c.Shape), c.Decider(), c.Quantity()))
	}
	if len(ps) == 0 {
		return ""
	}
	return "free placement (not deciding): " + strings.Join(ps, "; ")
}

func shapeWords(s Shape) string {
	if s == RoundTrip {
		return "round trip"
	}
	return string(s)
}
