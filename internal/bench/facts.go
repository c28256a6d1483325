package bench

import (
	"fmt"
	"math"
	"slices"
)

// Facts are what a Comparison measured, as a verdict reads them: per cell,
// the median rates and the A/B ratio of every interleaved pair. They
// encode as JSON, so that a run's facts are logged with its verdict and
// can be fed to the judge again (recorded facts, judge tables).
type Facts struct {
	A     Transport `json:"a"`
	B     Transport `json:"b"`
	Path  Path      `json:"path"`
	PeerA string    `json:"peerA,omitempty"` // where A's connections went, as getpeername says
	PeerB string    `json:"peerB,omitempty"`
	// The TCP connections' congestion control, as TCP_CONGESTION gives it
	// on the connection Facts makes ("bbr"; "a: bbr, b: cubic" if the two
	// sides differ): the measuring namespace's
	// net.ipv4.tcp_congestion_control. A stream of small messages changes
	// mode with it (bbr paces, cubic does not), so verdicts name it.
	Congestion string      `json:"congestion,omitempty"`
	Cells      []CellFacts `json:"cells"`
}

// CellFacts are one cell's measurements.
type CellFacts struct {
	Shape     Shape     `json:"shape"`
	Placement Placement `json:"placement"`
	Size      int       `json:"size"`
	RateA     float64   `json:"rateA"`  // median msgs/s
	RateB     float64   `json:"rateB"`  // median msgs/s
	Ratios    []float64 `json:"ratios"` // A/B msgs/s, one per interleaved pair
}

// Facts returns what the comparison measured, with the address each
// transport's connections reach (one connection of each, made now with
// the comparison's configuration, checked with getpeername) and, for TCP,
// their congestion control.
func (c *Comparison) Facts() (Facts, error) {
	f := Facts{A: c.A, B: c.B, Path: c.Base.Path}
	for _, cell := range c.Cells {
		n := min(len(c.ratesA[cell]), len(c.ratesB[cell]))
		if n == 0 {
			continue
		}
		a, b := c.Rates(cell)
		cf := CellFacts{Shape: cell.Shape, Placement: cell.Placement, Size: cell.Size, RateA: math.Round(a), RateB: math.Round(b)}
		for i := range n {
			cf.Ratios = append(cf.Ratios, math.Round(1e4*c.ratesA[cell][i]/c.ratesB[cell][i])/1e4)
		}
		f.Cells = append(f.Cells, cf)
	}
	var cc [2]string
	for i, side := range []struct {
		tr   Transport
		peer *string
	}{{c.A, &f.PeerA}, {c.B, &f.PeerB}} {
		cfg := c.Base
		cfg.Shape, cfg.Placement, cfg.Size, cfg.Transport = RoundTrip, Free, 1, side.tr
		p, err := probe(cfg)
		if err != nil {
			return f, fmt.Errorf("checking where %s connects: %w", side.tr, err)
		}
		*side.peer, cc[i] = p.peer, p.congestion
	}
	f.Congestion = congestion(cc[0], cc[1])
	return f, nil
}

// congestion names the congestion control of sides a and b ("" where a
// side is not TCP) once where they agree.
func congestion(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return fmt.Sprintf("a: %s, b: %s", a, b)
}

// Interval is where a cell's ratio lies, as far as this run can tell: a
// distribution-free confidence interval for the median pair ratio, from
// the pairs' order statistics (the sign test's interval). n pairs hold the
// median between their k-th smallest and k-th largest ratio with
// probability 1 - 2*P(Binomial(n, 1/2) < k), whatever the noise looks
// like; Interval drops as many pairs at each end as keeps that at or above
// IntervalConfidence. Up to 7 pairs that is min to max (94% for 5 pairs);
// 8 to 10 pairs drop one at each end (93% for 8), so that one pair upset
// by a noisy neighbour does not stretch the interval on its own.
type Interval struct {
	Lo, Hi   float64
	N        int     // pairs
	Dropped  int     // pairs left out at each end
	Coverage float64 // the probability that the interval holds the median
}

// IntervalConfidence is the least coverage an Interval keeps.
const IntervalConfidence = 0.90

// Interval returns the cell's interval.
func (c CellFacts) Interval() Interval {
	n := len(c.Ratios)
	if n == 0 {
		return Interval{Lo: math.NaN(), Hi: math.NaN()}
	}
	s := slices.Clone(c.Ratios)
	slices.Sort(s)
	k := 0
	for 2*(k+1) < n && coverage(n, k+1) >= IntervalConfidence {
		k++
	}
	return Interval{Lo: s[k], Hi: s[n-1-k], N: n, Dropped: k, Coverage: coverage(n, k)}
}

// coverage is the probability that n samples' order statistics k+1 and
// n-k (k dropped at each end) enclose the median: 1 - 2*P(B <= k) for B
// ~ Binomial(n, 1/2).
func coverage(n, k int) float64 {
	tail, term := 0.0, 1.0 // term = C(n, i)
	for i := 0; i <= k; i++ {
		tail += term
		term = term * float64(n-i) / float64(i+1)
	}
	return 1 - 2*tail/math.Pow(2, float64(n))
}

// Kind says how the interval was made, for evidence.
func (iv Interval) Kind() string {
	if iv.Dropped == 0 {
		return fmt.Sprintf("min-max of %d pairs, %.0f%% interval", iv.N, 100*iv.Coverage)
	}
	return fmt.Sprintf("%d pairs less the %d lowest and highest, %.0f%% interval", iv.N, iv.Dropped, 100*iv.Coverage)
}

// Decisive reports that the interval may decide anything: it holds the
// median with at least IntervalConfidence, which takes 5 pairs or more.
func (iv Interval) Decisive() bool { return iv.N > 0 && iv.Coverage >= IntervalConfidence }

// Above reports that the interval is decisive and lies wholly above x.
func (iv Interval) Above(x float64) bool { return iv.Decisive() && iv.Lo > x }

// Below reports that the interval is decisive and lies wholly below x.
func (iv Interval) Below(x float64) bool { return iv.Decisive() && iv.Hi < x }

// Within reports that the interval is decisive and lies in [lo, hi].
func (iv Interval) Within(lo, hi float64) bool {
	return iv.Decisive() && iv.Lo >= lo && iv.Hi <= hi
}

func (iv Interval) String() string {
	if iv.Lo == iv.Hi {
		return fmt.Sprintf("%.2fx", iv.Lo)
	}
	return fmt.Sprintf("%.2f-%.2fx", iv.Lo, iv.Hi)
}

// gap is how far the interval lies from 1 (no difference), either way,
// on a log scale: 2x and 0.5x are the same gap.
func (iv Interval) gap() (lo, hi float64) {
	dlo, dhi := math.Abs(math.Log(iv.Lo)), math.Abs(math.Log(iv.Hi))
	if iv.Lo <= 1 && iv.Hi >= 1 {
		return 0, max(dlo, dhi)
	}
	return min(dlo, dhi), max(dlo, dhi)
}

// cells returns the cells of one placement and size, in measuring order.
func (f Facts) cells(p Placement, size int) []CellFacts {
	var out []CellFacts
	for _, c := range f.Cells {
		if c.Placement == p && c.Size == size && len(c.Ratios) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// sizeNear returns the measured size closest to want (0 if none).
func (f Facts) sizeNear(want int) int {
	best := 0
	for _, c := range f.Cells {
		if best == 0 || abs(c.Size-want) < abs(best-want) {
			best = c.Size
		}
	}
	return best
}

// largestSize returns the largest measured size (0 if none).
func (f Facts) largestSize() int {
	best := 0
	for _, c := range f.Cells {
		best = max(best, c.Size)
	}
	return best
}

// intervalKind describes the cells' intervals, as the first cell has them.
func (f Facts) intervalKind() string {
	if len(f.Cells) == 0 {
		return "no pairs"
	}
	return f.Cells[0].Interval().Kind()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
