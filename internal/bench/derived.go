package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// IntervalKind says how the intervals of cells were made, for evidence:
// one kind for all ("10 pairs less the 1 lowest and highest, 98%
// interval"), or, where the cells' pair counts differ, each kind with the
// cells it describes ("round trip 100 B, round trip 65536 B: 10 pairs
// less ...; stream 65536 B: 20 pairs less ...").
func IntervalKind(cells []CellFacts) string {
	if len(cells) == 0 {
		return "no pairs"
	}
	var kinds []string
	which := map[string][]string{}
	for _, c := range cells {
		k := c.Decider().Kind()
		if _, ok := which[k]; !ok {
			kinds = append(kinds, k)
		}
		which[k] = append(which[k], fmt.Sprintf("%s %d B", shapeWords(c.Shape), c.Size))
	}
	if len(kinds) == 1 {
		return kinds[0]
	}
	var out []string
	for _, k := range kinds {
		out = append(out, strings.Join(which[k], ", ")+": "+k)
	}
	return strings.Join(out, "; ")
}

// Derived lists what the measured claims' rules write that follows from
// the facts without being one of them (claims.Deriver): for each cell's
// interval, of all its pairs and of those in one TCP mode (JudgeL4), its
// pair count, the pairs it leaves out at each end and its coverage; and
// the counts the rules give of the deciding cells (same CPU, the default
// congestion control): 0 to their number.
func (f Facts) Derived() []string {
	var out []string
	add := func(ws ...string) {
		for _, w := range ws {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	interval := func(iv Interval) {
		add(strconv.Itoa(iv.N), strconv.Itoa(iv.Dropped), fmt.Sprintf("%.0f%%", 100*iv.Coverage))
	}
	deciding := 0
	for _, c := range f.Cells {
		if len(c.Ratios) == 0 {
			continue
		}
		interval(c.Interval())
		interval(c.Decider())
		if kept, n := c.SameMode(); n > 0 {
			interval(kept.Decider())
		}
		if c.Placement == OneCPU && c.Congestion == "" {
			deciding++
		}
	}
	for i := 0; i <= deciding; i++ {
		add(strconv.Itoa(i))
	}
	return out
}
