package bench

import (
	"strings"
	"testing"
)

// cellOf makes a same-CPU cell of n pairs whose ratios lie near r.
func cellOf(shape Shape, size, n int, r float64) CellFacts {
	c := CellFacts{Shape: shape, Placement: OneCPU, Size: size, RateA: 1000, RateB: 1000}
	for i := range n {
		c.Ratios = append(c.Ratios, r+0.001*float64(i%5))
	}
	return c
}

// Each cell's interval is named as it was made: L4's windows measure 10,
// 16 and 20 pairs, and the evidence once called all of them "10 pairs
// less the 1 lowest and highest, 98%", the first cell's.
func TestEvidenceNamesEachCellsInterval(t *testing.T) {
	f := Facts{A: TCP, B: TCPHostAddr, Path: Raw, Cells: []CellFacts{
		cellOf(RoundTrip, 100, 10, 1), cellOf(RoundTrip, 65536, 10, 1),
		cellOf(Stream, 100, 16, 1), cellOf(Stream, 65536, 20, 1),
	}}
	ev := JudgeL4(f).Parts[0].Evidence
	for _, want := range []string{
		"round trip 100 B, round trip 65536 B: 10 pairs less the 1 lowest and highest, 98% interval",
		"stream 100 B: 16 pairs less the 4 lowest and highest, 92% interval",
		"stream 65536 B: 20 pairs less the 5 lowest and highest, 96% interval",
	} {
		if !strings.Contains(ev, want) {
			t.Errorf("the evidence does not say %q:\n%s", want, ev)
		}
	}
	if got := IntervalKind(f.Cells[:2]); got != "10 pairs less the 1 lowest and highest, 98% interval" {
		t.Errorf("cells of one kind: %q", got)
	}
}

// Derived gives the evidence check what the rules derive: each interval's
// trims and coverage, also of the pairs in one TCP mode, and counts up to
// the number of deciding cells.
func TestDerivedFollowsTheFacts(t *testing.T) {
	f := Facts{Cells: []CellFacts{cellOf(RoundTrip, 100, 16, 1), cellOf(Stream, 100, 5, 1)}}
	f.Cells = append(f.Cells, CellFacts{Shape: Stream, Placement: OneCPU, Size: 100, Congestion: "cubic", Ratios: []float64{1, 1, 1, 1, 1}})
	got := strings.Join(f.Derived(), " ")
	if want := "16 4 92% 5 0 94% 1 2"; got != want {
		t.Errorf("Derived() = %q; want %q", got, want)
	}
}
