package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"netnotes/internal/bench/stats"
)

// Cell is one point of a comparison: shape, placement, size.
type Cell struct {
	Shape     Shape
	Placement Placement
	Size      int
}

func (c Cell) String() string { return fmt.Sprintf("%s/%s/%d", c.Shape, c.Placement, c.Size) }

// Comparison holds the rates of two transports measured in pairs, back to
// back, cell by cell: A/B ratios come from measurements taken seconds
// apart, so slow drifts of a shared machine cancel out.
type Comparison struct {
	Base Config // Path, Addr, InNetns; Shape, Placement, Size, Transport are set per run
	A, B Transport
	// Also are measured in the same interleaved rounds, after A and B, for
	// the table and the chart (Pipe: the floor); the ratio and the
	// verdicts read A and B only.
	Also       []Transport
	Cells      []Cell
	ratesA     map[Cell][]float64
	ratesB     map[Cell][]float64
	ratesAlso  map[Transport]map[Cell][]float64
	cpu        map[Transport]map[Cell][]float64            // CPU ns per message, raw path
	lat        map[Transport]map[Cell][]Latency            // round trips' percentiles
	kept       map[Transport]map[Cell][]Result             // every measurement, for Facts (facts.go)
	Measurer   func(Config, time.Duration) (Result, error) // default Measure
	OnProgress func(done, total int, current Config)
	OnResult   func(Result) // called after each measurement, e.g. to count switches
}

// Measurements is how many timed measurements Run(reps, ...) makes.
func (c *Comparison) Measurements(reps int) int {
	return reps * len(c.Cells) * (2 + len(c.Also))
}

// RatesOf returns every repeat's msgs/s of a transport in a cell, in the
// order measured (A's and B's i-th were measured side by side).
func (c *Comparison) RatesOf(tr Transport, cell Cell) []float64 {
	switch tr {
	case c.A:
		return c.ratesA[cell]
	case c.B:
		return c.ratesB[cell]
	}
	return c.ratesAlso[tr][cell]
}

// NewComparison compares a with b over every shape, placement and size given.
func NewComparison(base Config, a, b Transport, shapes []Shape, placements []Placement, sizes []int) *Comparison {
	c := &Comparison{Base: base, A: a, B: b, ratesA: map[Cell][]float64{}, ratesB: map[Cell][]float64{}}
	for _, s := range shapes {
		for _, p := range placements {
			for _, n := range sizes {
				c.Cells = append(c.Cells, Cell{s, p, n})
			}
		}
	}
	return c
}

// Run measures every cell reps times, each for about d, interleaved: the
// repeats are the outer loop, and within a pair the transport measured
// first alternates. A and B are measured as one pair (MeasurePair: side
// by side, in alternating chunks), the Also transports after them one by
// one; a Measurer, if set, measures every run on its own instead.
func (c *Comparison) Run(reps int, d time.Duration) error {
	total, done := c.Measurements(reps), 0
	progress := func(cfg Config) {
		if c.OnProgress != nil {
			c.OnProgress(done, total, cfg)
		}
		done++
	}
	for rep := range reps {
		for i, cell := range c.Cells {
			order := []Transport{c.A, c.B}
			if (rep+i)%2 == 1 {
				order = []Transport{c.B, c.A}
			}
			configs := map[Transport]Config{}
			for _, tr := range append(slices.Clone(order), c.Also...) {
				cfg := c.Base
				cfg.Shape, cfg.Placement, cfg.Size, cfg.Transport = cell.Shape, cell.Placement, cell.Size, tr
				configs[tr] = cfg
			}
			alone := c.Also
			if c.Measurer != nil {
				alone = append(slices.Clone(order), c.Also...)
			} else {
				first, second := configs[order[0]], configs[order[1]]
				progress(first)
				progress(second)
				r1, r2, err := MeasurePair(first, second, d)
				if err != nil {
					return fmt.Errorf("%s beside %s: %w", first, second.Transport, err)
				}
				c.record(cell, r1)
				c.record(cell, r2)
			}
			for _, tr := range alone {
				progress(configs[tr])
				measure := c.Measurer
				if measure == nil {
					measure = Measure
				}
				r, err := measure(configs[tr], d)
				if err != nil {
					return fmt.Errorf("%s: %w", configs[tr], err)
				}
				c.record(cell, r)
			}
		}
	}
	return nil
}

// record keeps one run's result under its transport.
func (c *Comparison) record(cell Cell, r Result) {
	tr := r.Config.Transport
	c.keep(tr, cell, r)
	switch tr {
	case c.A:
		c.ratesA[cell] = append(c.ratesA[cell], r.MsgsPerSec())
	case c.B:
		c.ratesB[cell] = append(c.ratesB[cell], r.MsgsPerSec())
	default:
		if c.ratesAlso == nil {
			c.ratesAlso = map[Transport]map[Cell][]float64{}
		}
		if c.ratesAlso[tr] == nil {
			c.ratesAlso[tr] = map[Cell][]float64{}
		}
		c.ratesAlso[tr][cell] = append(c.ratesAlso[tr][cell], r.MsgsPerSec())
	}
	if r.Counts.CPU > 0 && r.Msgs > 0 {
		if c.cpu == nil {
			c.cpu = map[Transport]map[Cell][]float64{}
		}
		if c.cpu[tr] == nil {
			c.cpu[tr] = map[Cell][]float64{}
		}
		c.cpu[tr][cell] = append(c.cpu[tr][cell], float64(r.Counts.CPU.Nanoseconds())/float64(r.Msgs))
	}
	if r.Latency.N > 0 {
		if c.lat == nil {
			c.lat = map[Transport]map[Cell][]Latency{}
		}
		if c.lat[tr] == nil {
			c.lat[tr] = map[Cell][]Latency{}
		}
		c.lat[tr][cell] = append(c.lat[tr][cell], r.Latency)
	}
	if c.OnResult != nil {
		c.OnResult(r)
	}
}

// CPUPerMsg returns every repeat's CPU time per message (ns, both peers,
// timed part; raw path only) of a transport in a cell.
func (c *Comparison) CPUPerMsg(tr Transport, cell Cell) []float64 { return c.cpu[tr][cell] }

// LatencyOf returns every repeat's round-trip percentiles of a transport
// in a cell (RoundTrip cells only).
func (c *Comparison) LatencyOf(tr Transport, cell Cell) []Latency { return c.lat[tr][cell] }

// CPURatio is A/B judged by CPU time per message (B's over A's, pair by
// pair): with both peers on one CPU and nothing else running, the rate
// is one over it, and unlike the rate it barely moves when a little
// other work shares the machine (much of it moves it too: MaxOtherCPU).
func (c *Comparison) CPURatio(cell Cell) stats.Ratio {
	return stats.Ratios(c.cpu[c.B][cell], c.cpu[c.A][cell])
}

// Rates returns the median msgs/s of A and B in a cell.
func (c *Comparison) Rates(cell Cell) (a, b float64) {
	return stats.Median(c.ratesA[cell]), stats.Median(c.ratesB[cell])
}

// Ratio returns A/B in a cell, pair by pair.
func (c *Comparison) Ratio(cell Cell) stats.Ratio {
	return stats.Ratios(c.ratesA[cell], c.ratesB[cell])
}

// Spread returns the larger relative spread (max-min)/median of A's and
// B's own rates in a cell.
func (c *Comparison) Spread(cell Cell) float64 {
	rel := func(xs []float64) float64 {
		if len(xs) == 0 {
			return math.NaN()
		}
		return (slices.Max(xs) - slices.Min(xs)) / stats.Median(xs)
	}
	return max(rel(c.ratesA[cell]), rel(c.ratesB[cell]))
}

// Table formats the comparison: one line per cell.
func (c *Comparison) Table() string {
	if len(c.Cells) == 0 {
		return "(nothing measured)\n"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-9s %-9s %6s %12s %12s %7s %13s %7s", "shape", "placement", "size",
		string(c.A)+" msg/s", string(c.B)+" msg/s", "ratio", "ratio range", "spread")
	for _, tr := range c.Also {
		fmt.Fprintf(&sb, " %12s", string(tr)+" msg/s")
	}
	fmt.Fprintf(&sb, " %16s", "by CPU (range)")
	sb.WriteString("\n")
	for _, cell := range c.Cells {
		a, b := c.Rates(cell)
		r := c.Ratio(cell)
		fmt.Fprintf(&sb, "%-9s %-9s %6d %12.0f %12.0f %6.2fx %5.2f-%-5.2fx %6.0f%%", cell.Shape, cell.Placement,
			cell.Size, a, b, r.Median, r.Min, r.Max, 100*c.Spread(cell))
		for _, tr := range c.Also {
			fmt.Fprintf(&sb, " %12.0f", stats.Median(c.RatesOf(tr, cell)))
		}
		if cr := c.CPURatio(cell); cell.Placement == OneCPU && cr.N > 0 {
			fmt.Fprintf(&sb, " %5.2fx %4.2f-%-4.2f", cr.Median, cr.Min, cr.Max)
		}
		sb.WriteString("\n")
	}
	fmt.Fprintf(&sb, "ratio = %s/%s msgs/s, median of %d pairs timed side by side; spread = range of either transport's own rates over its median;\n"+
		"by CPU = the same ratio from CPU time per message (%s's over %s's; same CPU only): what the rate would be with nothing else running\n",
		c.A, c.B, c.Ratio(c.Cells[0]).N, c.B, c.A)
	return sb.String()
}
