package bench

import (
	"fmt"
	"slices"
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
// here, with the interval, and so is the claim unless another part
// refutes it (claims.Combine). The
// same-CPU cells decide (placement=onecpu: every hand-over is a same-CPU
// switch, the stable layout); free-placement cells are shown beside them,
// and so are cells measured with another congestion control set on the
// connections (CellFacts.Congestion): what a reader with that default
// would see.

// The claims' decision points, as the notes state them.
const (
	u8Size   = 100  // U8: "for small messages (about 100 bytes)"
	u8Factor = 2.0  // U8: "more than 2x as fast"
	l4Band   = 1.10 // L4: "no difference", read as within 10% either way (1/1.1 to 1.1)
	// u8SameBand: U8's "the bigger the message, the smaller the
	// difference" compares UDS's lead at 100 B with its lead at 64 KiB;
	// two leads within 10% of each other are "about the same", as L4 reads
	// two speeds within 10% of each other as one speed.
	u8SameBand = l4Band
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
	size := f.sizeNear(u8Size)
	cells := f.cells(OneCPU, size)
	if len(cells) == 0 {
		return claims.SkipPart("no same-CPU measurement near %d B", u8Size)
	}
	var items []decided
	for _, c := range cells {
		iv := c.Decider()
		d := side(iv.Above(u8Factor), iv.Below(u8Factor))
		how := ", straddles"
		if iv.Loaded() {
			how = ", " + iv.Undecisive()
		}
		switch d {
		case holds:
			how = Narrowly(u8Factor, iv.Lo)
		case fails:
			how = Narrowly(iv.Hi, u8Factor)
		}
		spread := fmt.Sprintf("%s %d B ranged %s", shapeWords(c.Shape), c.Size, c.Range())
		if iv.Loaded() {
			spread = "" // the load left it undecided, not its spread
		}
		items = append(items, decided{d, fmt.Sprintf("%s %s%s%s", shapeWords(c.Shape), c.Seen(u8Factor), how, f.mode(c)), spread})
	}
	aside := freeCells(f, size)
	if o := f.otherCells(func(c CellFacts) bool { return c.Size == size }); o != "" {
		aside = strings.TrimPrefix(aside+"; "+o, "; ")
	}
	return f.decideEach(items, fmt.Sprintf("UDS/TCP at %d B on one CPU against %.1fx (%s)", size, u8Factor, IntervalKind(cells)), aside)
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

// gapShrinksWithSize: per same-CPU shape, UDS's lead over TCP (the ratio
// UDS/TCP) at ~100 B against its lead at the largest size, read as the
// claim means it: "the bigger the message, the smaller the difference",
// a lead that shrinks in the same direction. The two intervals are
// compared on the ratio of their ratios, against u8SameBand:
//
//   - the 100 B ratio more than 10% above the large one's (its interval
//     wholly so), with UDS ahead at 100 B (its interval wholly above 1x)
//     and TCP not more than 10% ahead at the large size: the gap shrinks,
//     holds. UDS behind already at 100 B (TCP's lead grows with size),
//     or TCP more than 10% ahead at the large size (the lead reverses):
//     fails;
//   - the 100 B ratio more than 10% below the large one's: UDS's lead
//     grows with size (or reverses, UDS behind at 100 B and ahead at the
//     large size), fails;
//   - within 10% of each other either way: about the same, fails;
//   - an interval that straddles one of those edges, or too few pairs:
//     undecided.
//
// The shapes combine as 2x-at-100b's do (decideEach). A 100 B stream
// ratio below 1x (UDS costs more than TCP's merged writes: 0.7-0.9x under
// bbr on the project's machine) is a lag, not a lead: it never counts as
// a gap that could shrink, however far from 1x it lies.
func gapShrinksWithSize(f Facts) claims.Finding {
	small, large := f.sizeNear(u8Size), f.largestSize()
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
		d, trend := leadTrend(cs.Decider(), cl.Decider())
		spread := fmt.Sprintf("%s ranged %s at %d B and %s at %d B", shapeWords(cs.Shape), cs.Range(), small, cl.Range(), large)
		if cs.Decider().Loaded() || cl.Decider().Loaded() {
			spread = "" // the load left it undecided, not its spread
		}
		items = append(items, decided{d, fmt.Sprintf("%s %s at %d B, %s at %d B (%s): %s",
			shapeWords(cs.Shape), cs.Decider(), small, cl.Decider(), large, cs.Quantity(), trend), spread})
	}
	if len(items) == 0 {
		return claims.SkipPart("no same-CPU shape measured at both %d B and %d B", small, large)
	}
	return f.decideEach(items, fmt.Sprintf("UDS's lead over TCP on one CPU at %d B against at %d B, two leads within %.0f%% of each other being about the same (%s)",
		small, large, 100*(u8SameBand-1), IntervalKind(compared)),
		f.otherCells(func(c CellFacts) bool { return c.Size == small || c.Size == large }))
}

// leadTrend decides one shape of gap-shrinks from the 100 B interval s
// and the large size's l (see gapShrinksWithSize), with words.
func leadTrend(s, l Interval) (int, string) {
	switch {
	case s.Loaded():
		return undecided, "at the small size " + s.Undecisive()
	case l.Loaded():
		return undecided, "at the large size " + l.Undecisive()
	case !s.Decisive() || !l.Decisive():
		return undecided, "too few pairs to tell"
	}
	b := u8SameBand
	// The ratio of the two ratios lies in [s.Lo/l.Hi, s.Hi/l.Lo].
	smaller, larger := s.Lo > b*l.Hi, s.Hi*b < l.Lo
	same := s.Lo*b >= l.Hi && s.Hi <= b*l.Lo
	switch {
	case larger && s.Below(1) && l.Above(1):
		return fails, "the lead reverses: UDS behind TCP at the small size, ahead at the large one"
	case larger:
		return fails, fmt.Sprintf("UDS's lead grows with size, by more than %.0f%%", 100*(b-1))
	case same:
		return fails, fmt.Sprintf("about the same: the two leads lie within %.0f%% of each other%s", 100*(b-1), Narrowly(s.Hi, b*l.Lo, s.Lo*b, l.Hi))
	case smaller && s.Below(1):
		return fails, "UDS behind TCP already at the small size, and further behind at the large one: TCP's lead grows"
	case smaller && l.Below(1/b):
		return fails, fmt.Sprintf("the lead reverses: TCP more than %.0f%% ahead at the large size", 100*(b-1))
	case smaller && s.Above(1) && l.Lo >= 1/b:
		return holds, fmt.Sprintf("the gap shrinks, by more than %.0f%%", 100*(b-1)) + Narrowly(b*l.Hi, s.Lo)
	case smaller:
		return undecided, "smaller at the large size, but which side leads is not clear (an interval straddles 1x, or TCP's 10% lead)"
	}
	return undecided, fmt.Sprintf("the intervals straddle a %.0f%% difference: neither about the same nor apart", 100*(b-1))
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
	var words, straddling []string
	var decidedCells []CellFacts
	var faster, slower, loaded int
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
					100*(sameModeBand-1), strings.Join(out, ", "))
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
		d := side(iv.Within(1/l4Band, l4Band), iv.Above(l4Band) || iv.Below(1/l4Band))
		count[d]++
		where := map[int]string{holds: "within", fails: "outside", undecided: "straddles"}[d]
		switch {
		case iv.Above(l4Band):
			where, faster = "outside: 127.0.0.1 faster"+Narrowly(l4Band, iv.Lo), faster+1
		case iv.Below(1 / l4Band):
			where, slower = "outside: 127.0.0.1 slower"+Narrowly(iv.Hi, 1/l4Band), slower+1
		case d == holds:
			where += Narrowly(1/l4Band, iv.Lo, iv.Hi, l4Band)
		case iv.Loaded():
			where, loaded = iv.Undecisive(), loaded+1
		default:
			straddling = append(straddling, fmt.Sprintf("%s %d B ranged %s", shapeWords(c.Shape), c.Size, c.Range()))
		}
		words = append(words, fmt.Sprintf("%s %d B %s%s (%s)%s",
			shapeWords(c.Shape), c.Size, c.Seen(1/l4Band, l4Band), sameMode, where, f.mode(c)))
	}
	n := len(words)
	if n == 0 {
		return claims.SkipPart("no same-CPU measurement")
	}
	ev := fmt.Sprintf("TCP to %s vs to %s on one CPU, ratio (%s) against the band %.3f-%.2fx: %s",
		orName(f.PeerA, f.A), orName(f.PeerB, f.B), IntervalKind(decidedCells), 1/l4Band, l4Band, strings.Join(words, "; "))
	if o := f.otherCells(func(CellFacts) bool { return true }); o != "" {
		ev += "; " + o
	}
	switch {
	case count[fails] > 0:
		return claims.Refute("%s; not the same speed in %d of %d cells (127.0.0.1 faster in %d, slower in %d)", ev, count[fails], n, faster, slower)
	case count[holds] == n:
		return claims.Confirm("%s", ev)
	}
	what := fmt.Sprintf("%d of %d cells straddle the band's edge", count[undecided]-loaded, n)
	switch {
	case loaded > 0 && loaded == count[undecided]:
		what = fmt.Sprintf("%d of %d cells measured under load", loaded, n)
	case loaded > 0:
		what += fmt.Sprintf(", %d measured under load", loaded)
	}
	return claims.Undecide("%s; %s%s", ev, what, f.UndecidedWhy(straddling))
}

// narrowMargin: a decision whose deciding interval end lies within 2% of
// the edge it was compared with is narrow, and its evidence says so:
// another run may put that end across (L4's recorded confirmation rested
// on 0.9123 against the band's 0.909).
const narrowMargin = 1.02

// conditions words what the measurement ran under, for a verdict that it
// left undecided: the other work on the measured CPU during the deciding
// cells (CellFacts.OtherCPU), and the load average (Facts.Load). "" where
// the facts hold neither (recorded before they did).
func (f Facts) conditions() string {
	var others, elses []float64
	for _, c := range f.Cells {
		if c.Placement == OneCPU && c.Congestion == "" && c.ByCPU() {
			others, elses = append(others, c.OtherCPU), append(elses, c.ElseBusy)
		}
	}
	span := func(xs []float64) string {
		lo, hi := slices.Min(xs), slices.Max(xs)
		if fmt.Sprintf("%.0f", lo) == fmt.Sprintf("%.0f", hi) {
			return fmt.Sprintf("%.0f%%", hi)
		}
		return fmt.Sprintf("%.0f-%.0f%%", lo, hi)
	}
	var ws []string
	if len(others) > 0 && slices.Max(others) > MaxOtherCPU {
		ws = append(ws, fmt.Sprintf("a cell measured while other work took more than %.0f%% of the measured CPU's time decides nothing", MaxOtherCPU))
	}
	if len(others) > 0 {
		ws = append(ws, "other work took "+span(others)+" of the measured CPU's time during the cells, and the other CPUs were busy "+span(elses)+" of theirs")
	}
	if len(f.Load) == 2 {
		ws = append(ws, fmt.Sprintf("load average %.2f when the measurement started, %.2f when it ended, on %d CPUs", f.Load[0], f.Load[1], f.CPUs))
	}
	if len(ws) == 0 {
		return ""
	}
	return "measured under: " + strings.Join(ws, "; ")
}

// UndecidedWhy is the tail of an undecided verdict's evidence: what left
// it so, the spread of the cells that straddled (their pairs' range) and
// what the measurement ran under.
func (f Facts) UndecidedWhy(straddling []string) string {
	why := ""
	if len(straddling) > 0 {
		why = "; the spread: the pairs of " + strings.Join(straddling, ", ")
	}
	if c := f.conditions(); c != "" {
		why += "; " + c
	}
	return why
}

// Narrowly words a decision that holds by a <= b for each pair (a, b) of
// ab: ", narrowly: ..." when one holds by less than narrowMargin, else "".
func Narrowly(ab ...float64) string {
	for i := 0; i+1 < len(ab); i += 2 {
		if ab[i+1] < narrowMargin*ab[i] {
			return fmt.Sprintf(", narrowly: within %.0f%% of the edge", 100*(narrowMargin-1))
		}
	}
	return ""
}

func orName(peer string, tr Transport) string {
	if peer == "" {
		return string(tr)
	}
	return peer
}

// A decided item: the claim holds, fails, or this run cannot tell.
type decided struct {
	d      int // holds, fails or undecided
	words  string
	spread string // its pairs' range, named where it leaves the item undecided
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
// hold, confirmed; all fail, refuted; any undecided, undecided (naming
// the spread and the load: undecidedWhy); a mix of holds and fails,
// refined. aside is shown after the deciding items.
func (f Facts) decideEach(items []decided, head, aside string) claims.Finding {
	count := map[int]int{}
	var words, straddling []string
	for _, it := range items {
		count[it.d]++
		words = append(words, it.words)
		if it.d == undecided && it.spread != "" {
			straddling = append(straddling, it.spread)
		}
	}
	ev := head + ": " + strings.Join(words, "; ")
	if aside != "" {
		ev += "; " + aside
	}
	switch {
	case count[undecided] > 0:
		return claims.Undecide("%s%s", ev, f.UndecidedWhy(straddling))
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
