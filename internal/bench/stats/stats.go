// Package stats is the measurements' arithmetic: medians and ratios of
// repeated rates, shared by the bench package, its chart and its tool.
package stats

import (
	"math"
	"slices"
)

// Median of xs (NaN for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ratio summarises a/b over paired measurements (a[i] and b[i] taken back
// to back): the median of the per-pair ratios and their range.
type Ratio struct {
	Median, Min, Max float64
	N                int
}

// Ratios pairs a and b index by index.
func Ratios(a, b []float64) Ratio {
	n := min(len(a), len(b))
	if n == 0 {
		return Ratio{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	rs := make([]float64, n)
	for i := range n {
		rs[i] = a[i] / b[i]
	}
	return Ratio{Median: Median(rs), Min: slices.Min(rs), Max: slices.Max(rs), N: n}
}

// Spread is the range as a fraction of the median: (Max-Min)/Median.
func (r Ratio) Spread() float64 { return (r.Max - r.Min) / r.Median }
