package uds

import (
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
