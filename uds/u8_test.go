package uds

import (
	"slices"
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// seenU8 is what TestU8 measured on the project machine (Linux 6.18, 2
// CPUs, load average 5: eight other jobs running), 8 pairs per cell.
const seenU8 = `{"a":"uds","b":"tcp","path":"raw","peerA":"/tmp/nn1625943206/bench.sock","peerB":"127.0.0.1","cells":[
{"shape":"roundtrip","placement":"onecpu","size":100,"rateA":38544,"rateB":25428,"ratios":[1.0398,1.131,1.7877,1.5585,0.8248,1.4726,1.4954,1.0778]},
{"shape":"roundtrip","placement":"onecpu","size":65536,"rateA":20379,"rateB":17177,"ratios":[1.1288,1.6104,1.1752,1.1157,2.0682,1.0129,1.575,0.7911]},
{"shape":"stream","placement":"onecpu","size":100,"rateA":383161,"rateB":499930,"ratios":[0.3841,0.7789,0.7088,2.7173,0.7713,0.8077,0.7951,0.8518]},
{"shape":"stream","placement":"onecpu","size":65536,"rateA":66034,"rateB":23256,"ratios":[2.8723,3.1866,3.0188,5.9838,2.2371,2.7793,2.6954,2.458]}]}`

// cell is one hand-made cell: UDS/TCP ratios of five pairs around r,
// spread by ±spread.
func cell(shape bench.Shape, placement bench.Placement, size int, r, spread float64) bench.CellFacts {
	return bench.CellFacts{Shape: shape, Placement: placement, Size: size, RateA: r * 1000, RateB: 1000,
		Ratios: []float64{r, r - spread, r + spread, r - spread/2, r + spread/2}}
}

// sameCPU builds U8 facts from the same-CPU ratios at 100 B and 64 KiB,
// round trip then stream, each with a 5% spread.
func sameCPUFacts(rt100, rt64k, st100, st64k float64) U8Facts {
	return U8Facts{A: bench.UDS, B: bench.TCP, Path: bench.Raw, Cells: []bench.CellFacts{
		cell(bench.RoundTrip, bench.OneCPU, 100, rt100, 0.05*rt100),
		cell(bench.RoundTrip, bench.OneCPU, 65536, rt64k, 0.05*rt64k),
		cell(bench.Stream, bench.OneCPU, 100, st100, 0.05*st100),
		cell(bench.Stream, bench.OneCPU, 65536, st64k, 0.05*st64k),
	}}
}

// seenU8CPU is what TestU8 measured as root on the project machine with
// CPU time per message (Linux 6.18, 2 CPUs, load average 8: other
// sessions compiling and testing), bbr the namespace's default, and the
// 100 B stream again with cubic set on the connections.
const seenU8CPU = `{"a":"uds","b":"tcp","path":"raw","peerA":"/tmp/nn2253411779/bench.sock","peerB":"127.0.0.1","congestion":"bbr","cells":[
{"shape":"roundtrip","placement":"onecpu","size":100,"rateA":67693,"rateB":41798,"ratios":[1.6132,1.5887,1.7081,1.4923,0.5674,1.637,1.4529,1.2784],"cpuRatios":[1.6379,1.6117,1.73,1.5092,1.2185,1.7506,1.4704,1.2816],"cpuA":14606,"cpuB":23099,"segsB":1000},
{"shape":"roundtrip","placement":"onecpu","size":65536,"rateA":27327,"rateB":21105,"ratios":[1.4915,1.3093,0.9178,1.1254,1.1612,1.6624,1.4046,1.4451],"cpuRatios":[1.3821,1.3236,1.0692,1.1354,1.1734,1.6849,1.402,1.4625],"cpuA":36984,"cpuB":48021,"segsB":2000},
{"shape":"stream","placement":"onecpu","size":100,"rateA":346880,"rateB":404211,"ratios":[0.9816,0.8449,0.8663,0.8666,0.8404,1.0226,1.8317,0.5916],"cpuRatios":[0.9939,0.8538,0.8972,0.8721,0.8434,1.0665,0.8327,0.5974],"cpuA":2859,"cpuB":2425,"segsB":38},
{"shape":"stream","placement":"onecpu","size":65536,"rateA":55150,"rateB":40213,"ratios":[1.3426,1.5002,1.4322,1.5039,1.317,41.4115,1.4,1.45],"cpuRatios":[1.373,1.5374,1.4353,1.2672,1.3264,3.7006,1.39,1.41],"cpuA":18280,"cpuB":25254,"segsB":1202},
{"shape":"stream","placement":"onecpu","size":100,"rateA":318708,"rateB":94100,"ratios":[3.9796,3.9616,1.7304,2.7139,3.1873],"cpuRatios":[4.0336,3.962,3.6352,2.7325,3.2156],"cpuA":3164,"cpuB":10718,"segsB":1000,"congestion":"cubic"}]}`

// cpuCell is a cell measured with CPU time: rate ratios (noisy) and CPU
// ratios, TCP's data segments per 1000 messages on B, and the congestion
// control set on the connections ("" for the default).
func cpuCell(shape bench.Shape, size int, rates, cpu []float64, segsB float64, cc string) bench.CellFacts {
	return bench.CellFacts{Shape: shape, Placement: bench.OneCPU, Size: size, RateA: 1000 * rates[0], RateB: 1000,
		Ratios: rates, CPURatios: cpu, CPUA: 1000, CPUB: 1000 * cpu[0], SegsB: segsB, Congestion: cc}
}

// around returns eight pair ratios around r, spread by ±spread.
func around(r, spread float64) []float64 {
	return []float64{r, r - spread, r + spread, r - spread/2, r + spread/2, r - spread/4, r + spread/4, r}
}

// readerFacts are a reader's U8 facts by CPU time, with the namespace's
// congestion control cc: round trips 1.5x at 100 B, 1.2x at 64 KiB;
// streams st100 at 100 B (B sending segs100 data segments per 1000
// messages) and 2.8x at 64 KiB; the rates noisy around the same values.
func readerFacts(cc string, st100, segs100 float64) U8Facts {
	return U8Facts{A: bench.UDS, B: bench.TCP, Path: bench.Raw, Congestion: cc, Cells: []bench.CellFacts{
		cpuCell(bench.RoundTrip, 100, around(1.5, 0.6), around(1.5, 0.1), 1000, ""),
		cpuCell(bench.RoundTrip, 65536, around(1.2, 0.6), around(1.2, 0.05), 2000, ""),
		cpuCell(bench.Stream, 100, around(st100, 0.6), around(st100, 0.1), segs100, ""),
		cpuCell(bench.Stream, 65536, around(2.8, 0.6), around(2.8, 0.1), 1200, ""),
	}}
}

func TestJudgeU8(t *testing.T) {
	oneSize := U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
		cell(bench.RoundTrip, bench.OneCPU, 100, 3, 0.1), cell(bench.Stream, bench.OneCPU, 100, 2.5, 0.1)}}
	outlier := sameCPUFacts(1.4, 1.2, 0.8, 0.9)
	outlier.Cells[0].Ratios = []float64{1.4, 1.3, 1.5, 13.3, 1.35, 1.45, 1.42, 1.38} // one pair upset by a neighbour

	claims.TestJudge(t, "U8", judgeU8, []claims.Case[U8Facts]{
		{Name: "seen on 6.18 under load: below 2x in both shapes, the gap grows for streams only", Facts: claims.SeenFacts[U8Facts](seenU8),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Undecided}},
		{Name: "as the notes say: 3x at 100 B, 1.2x at 64 KiB", Facts: sameCPUFacts(3, 1.2, 3.5, 1.1),
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Confirmed}},
		{Name: "a reader's machine where every UDS message pays a heavy LSM hook (an AppArmor profile on the socket): TCP faster at 100 B and further ahead at 64 KiB", Facts: sameCPUFacts(0.8, 0.5, 0.9, 0.6),
			Want: claims.Refuted, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refuted}},
		{Name: "the notes' own C program on a reader's machine: UDS ahead but under 2x, and further ahead at 64 KiB", Facts: sameCPUFacts(1.4, 2.4, 0.87, 2.5),
			Want: claims.Refuted, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refuted}},
		{Name: "an interval straddling 2.0 decides nothing", Facts: sameCPUFacts(2.0, 1.1, 3, 1.1),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided, "gap-shrinks": claims.Confirmed}},
		{Name: "2x for round trips only", Facts: sameCPUFacts(3, 1.2, 0.8, 1.0),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refined}},
		{Name: "a gap the same at both sizes is undecided", Facts: sameCPUFacts(3, 3, 3, 3),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Undecided}},
		{Name: "one upset pair of eight does not stretch the interval", Facts: outlier,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Confirmed}},
		{Name: "free placement is shown, not decisive", Facts: claims.With(sameCPUFacts(3, 1.2, 3.5, 1.1), func(f *U8Facts) {
			f.Cells = append(f.Cells, cell(bench.Stream, bench.Free, 100, 0.5, 0.01), cell(bench.Stream, bench.Free, 65536, 4, 0.01))
		}),
			Want: claims.Confirmed},
		{Name: "one size measured: no trend, the other part decides", Facts: oneSize,
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Skipped}},
		{Name: "four pairs are too few to decide", Facts: U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
			{Shape: bench.RoundTrip, Placement: bench.OneCPU, Size: 100, RateA: 3000, RateB: 1000, Ratios: []float64{3, 3, 3, 3}},
			{Shape: bench.RoundTrip, Placement: bench.OneCPU, Size: 65536, RateA: 1000, RateB: 1000, Ratios: []float64{1, 1, 1, 1}}}},
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided, "gap-shrinks": claims.Undecided}},
		{Name: "nothing measured is a skip, not refined", Facts: U8Facts{A: bench.UDS, B: bench.TCP},
			Want: claims.Skipped},
	})
}

// The judge decides by CPU time per message where the facts have it, and
// the congestion control decides the 100 B stream's mode: a reader with
// bbr and a reader with cubic get different verdicts from the same rule.
func TestJudgeU8ByCPUTimeAndCongestionControl(t *testing.T) {
	bbr := readerFacts("bbr", 0.9, 40)       // bbr: writes merged, TCP cheaper per message than UDS
	cubic := readerFacts("cubic", 3.5, 1000) // cubic: a segment per write
	straddleByRate := U8Facts{A: bench.UDS, B: bench.TCP, Congestion: "bbr", Cells: []bench.CellFacts{
		cpuCell(bench.RoundTrip, 100, around(2.3, 0.6), around(2.5, 0.1), 1000, ""),
		cpuCell(bench.Stream, 100, around(2.2, 0.5), around(2.6, 0.1), 1000, "")}}
	ratesOnly := U8Facts{A: bench.UDS, B: bench.TCP, Congestion: "bbr", Cells: slices.Clone(straddleByRate.Cells)}
	for i := range ratesOnly.Cells {
		ratesOnly.Cells[i].CPURatios = nil
	}

	claims.TestJudge(t, "U8", judgeU8, []claims.Case[U8Facts]{
		{Name: "seen on 6.18 (bbr) under load, by CPU: below 2x in both shapes; cubic beside, deciding nothing", Facts: claims.SeenFacts[U8Facts](seenU8CPU),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Undecided}},
		{Name: "a reader with bbr: round trips 1.5x and merged streams 0.9x, below 2x in both", Facts: bbr,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refined}},
		{Name: "a reader with cubic: the stream 3.5x (a segment per write), the round trip 1.5x: 2x for streams only", Facts: cubic,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refined, "gap-shrinks": claims.Confirmed}},
		{Name: "the rates straddle 2x, the CPU time decides: above", Facts: straddleByRate,
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed}},
		{Name: "facts without CPU time decide by msgs/s, whose spread straddles 2x", Facts: ratesOnly,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided}},
	})
	for _, c := range []struct {
		name  string
		facts U8Facts
		want  []string
	}{
		{"bbr", bbr, []string{"by CPU time per message", "TCP bbr, data segments per 1000 messages: tcp 40 (writes merged", "TCP congestion control bbr"}},
		{"cubic", cubic, []string{"TCP cubic, data segments per 1000 messages: tcp 1000 (a segment per write)"}},
		{"seen", claims.SeenFacts[U8Facts](seenU8CPU), []string{"with cubic set on the connections instead (not deciding", "TCP cubic, data segments per 1000 messages: tcp 1000 (a segment per write)"}},
		{"rates only", ratesOnly, []string{"by msgs/s"}},
	} {
		f := judgeU8(c.facts)
		all := f.Evidence
		for _, p := range f.Parts {
			all += " " + p.Evidence
		}
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: the evidence does not say %q:\n%s", c.name, w, all)
			}
		}
	}
}
