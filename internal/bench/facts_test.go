package bench

import (
	"encoding/json"
	"math"
	"testing"
)

func TestIntervalCoverageIsTheSignTests(t *testing.T) {
	for _, tc := range []struct {
		n, dropped int
		coverage   float64
	}{
		{1, 0, 0}, {5, 0, 0.9375}, {7, 0, 0.984375}, {8, 1, 0.9296875}, {10, 1, 0.978515625}, {11, 2, 0.934570},
	} {
		c := CellFacts{Ratios: make([]float64, tc.n)}
		for i := range c.Ratios {
			c.Ratios[i] = float64(tc.n - i) // unsorted on purpose
		}
		iv := c.Interval()
		if iv.Dropped != tc.dropped || math.Abs(iv.Coverage-tc.coverage) > 1e-5 {
			t.Errorf("%d pairs: dropped %d at each end, coverage %.6f; want %d, %.6f", tc.n, iv.Dropped, iv.Coverage, tc.dropped, tc.coverage)
		}
		if want := float64(1 + tc.dropped); iv.Lo != want || iv.Hi != float64(tc.n-tc.dropped) {
			t.Errorf("%d pairs: interval %v; want %v-%v", tc.n, iv, want, tc.n-tc.dropped)
		}
	}
	if iv := (CellFacts{}).Interval(); iv.Above(0) || iv.Below(10) || iv.Within(0, 10) {
		t.Errorf("an empty cell's interval decides something: %+v", iv)
	}
	// Four pairs hold the median between min and max with 87.5% only.
	if iv := (CellFacts{Ratios: []float64{3, 3.1, 3.2, 3.3}}).Interval(); iv.Above(2) || iv.Decisive() {
		t.Errorf("four pairs decide: %+v", iv)
	}
	if iv := (CellFacts{Ratios: []float64{3, 3.1, 3.2, 3.3, 3.4}}).Interval(); !iv.Above(2) || iv.Below(3.2) || !iv.Below(4) || !iv.Within(2.9, 3.5) {
		t.Errorf("five pairs do not decide: %+v", iv)
	}
}

// Facts carry every pair's ratio and the medians, and survive JSON.
func TestComparisonFacts(t *testing.T) {
	c := NewComparison(Config{Path: Raw}, UDS, TCP, []Shape{RoundTrip}, []Placement{OneCPU}, []int{100})
	cell := c.Cells[0]
	c.ratesA[cell] = []float64{300, 200, 100}
	c.ratesB[cell] = []float64{100, 100, 100}
	f, err := c.Facts()
	if err != nil {
		t.Fatal(err)
	}
	if f.PeerB != "127.0.0.1" {
		t.Errorf("tcp's peer %q; want 127.0.0.1", f.PeerB)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back Facts
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	got := back.Cells[0]
	if got.RateA != 200 || got.RateB != 100 || len(got.Ratios) != 3 || got.Ratios[0] != 3 || got.Interval().String() != "1.00-3.00x" {
		t.Errorf("facts after JSON: %+v (%v)", got, got.Interval())
	}
}
