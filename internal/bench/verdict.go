package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"netnotes/internal/claims"
)

// The verdicts below are decided with wide margins, from medians of
// interleaved pairs, so that a loaded machine does not flip them: the
// thresholds sit far from what noise moves (a few tens of percent).

// U8Verdict decides claim U8 ("for ~100-byte messages UDS is more than 2x
// as fast as TCP over lo; the gap shrinks with size") from a Comparison of
// UDS (A) with TCP (B). The stable placement (OneCPU) decides; Free is
// shown beside it when measured.
//
// Confirmed: UDS/TCP >= 2x at the smallest size near 100 B in every shape,
// and the ratio at the largest size is at least 25% lower in every shape.
// Refuted: TCP at least as fast as UDS at ~100 B in every shape, and in
// no shape does the gap shrink. Refined: anything between (UDS faster, but
// not as the notes say).
func U8Verdict(c *Comparison) (verdict, evidence string) {
	small, large := closestSize(c, 100), largestSize(c)
	shapes := cellShapes(c)
	allDouble, allShrink, allNear, noneShrink := true, true, true, true
	var parts []string
	for _, placement := range []Placement{OneCPU, Free} {
		var ps []string
		for _, shape := range shapes {
			rs, okS := c.ratio(Cell{shape, placement, small})
			rl, okL := c.ratio(Cell{shape, placement, large})
			if !okS || !okL {
				continue
			}
			trend := "about the same"
			switch {
			case rl < rs/1.25:
				trend = "shrinks"
			case rl > rs*1.25:
				trend = "grows"
			}
			if small == large {
				ps = append(ps, fmt.Sprintf("%s %.2fx at %d B", shapeWords(shape), rs, small))
			} else {
				ps = append(ps, fmt.Sprintf("%s %.2fx at %d B, %.2fx at %d B (%s)", shapeWords(shape), rs, small, rl, large, trend))
			}
			if placement == OneCPU {
				allDouble = allDouble && rs >= 2
				allShrink = allShrink && trend == "shrinks"
				allNear = allNear && rs < 1
				noneShrink = noneShrink && trend != "shrinks"
			}
		}
		if len(ps) > 0 {
			parts = append(parts, placementWords(placement)+": "+strings.Join(ps, "; "))
		}
	}
	if len(parts) == 0 || len(c.Cells) == 0 {
		return claims.Skipped, "no measurements"
	}
	evidence = "UDS/TCP msgs/s, " + strings.Join(parts, " | ") + fmt.Sprintf(" (raw path, median of %d interleaved pairs)", c.Ratio(c.Cells[0]).N)
	switch {
	case allDouble && allShrink:
		return claims.Confirmed, evidence
	case allNear && noneShrink:
		return claims.Refuted, evidence
	}
	return claims.Refined, evidence
}

// L4Verdict decides claim L4 ("127.0.0.1 is no faster than the host's own
// address") from a Comparison of TCP to 127.0.0.1 (A) with TCP to the
// host's address (B), from the geometric mean of the OneCPU cells' ratios.
// Confirmed: within 0.85-1.18 (what a loaded 2-core machine resolves).
// Refuted: 127.0.0.1 faster by more than 25%.
// Refined: between, or the host address clearly faster.
func L4Verdict(c *Comparison, where string) (verdict, evidence string) {
	var logs, all []float64
	var parts []string
	for _, cell := range c.Cells {
		r, ok := c.ratio(cell)
		if !ok {
			continue
		}
		if cell.Placement == OneCPU {
			logs = append(logs, math.Log(r))
			all = append(all, r)
		}
		parts = append(parts, fmt.Sprintf("%s %d B %s %.2fx", shapeWords(cell.Shape), cell.Size, cell.Placement, r))
	}
	if len(logs) == 0 {
		return claims.Skipped, "no measurements"
	}
	var sum float64
	for _, l := range logs {
		sum += l
	}
	g := math.Exp(sum / float64(len(logs)))
	evidence = fmt.Sprintf("127.0.0.1/%s msgs/s over TCP: geometric mean %.3fx (same CPU, range %.2f-%.2fx over %d cells); %s",
		where, g, slices.Min(all), slices.Max(all), len(all), strings.Join(parts, ", "))
	switch {
	case g >= 0.85 && g <= 1.18:
		return claims.Confirmed, evidence
	case g > 1.25:
		return claims.Refuted, evidence
	}
	return claims.Refined, evidence
}

func (c *Comparison) ratio(cell Cell) (float64, bool) {
	r := c.Ratio(cell)
	return r.Median, r.N > 0 && !math.IsNaN(r.Median)
}

func cellShapes(c *Comparison) []Shape {
	var out []Shape
	for _, cell := range c.Cells {
		if !slices.Contains(out, cell.Shape) {
			out = append(out, cell.Shape)
		}
	}
	return out
}

func closestSize(c *Comparison, want int) int {
	best := -1
	for _, cell := range c.Cells {
		if best < 0 || abs(cell.Size-want) < abs(best-want) {
			best = cell.Size
		}
	}
	return best
}

func largestSize(c *Comparison) int {
	best := 0
	for _, cell := range c.Cells {
		best = max(best, cell.Size)
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func shapeWords(s Shape) string {
	if s == RoundTrip {
		return "round trip"
	}
	return string(s)
}

func placementWords(p Placement) string {
	if p == OneCPU {
		return "same CPU"
	}
	return "free placement"
}

// Record gives a claim test's verdict as decided by U8Verdict or L4Verdict.
func Record(t testing.TB, v *claims.Verdict, verdict, evidence string) {
	t.Helper()
	switch verdict {
	case claims.Confirmed:
		v.Confirmed("%s", evidence)
	case claims.Refuted:
		v.Refuted("%s", evidence)
	default:
		v.Refined("%s", evidence)
	}
}
