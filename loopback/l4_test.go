package loopback

import (
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// seenL4 is what TestL4 measured on the project machine as root (Linux
// 6.18, 2 CPUs, load average 5: eight other jobs running), 8 pairs per
// cell: the noise is wider than the band.
const seenL4 = `{"a":"tcp","b":"tcp-hostaddr","path":"raw","peerA":"127.0.0.1","peerB":"198.18.0.1","cells":[
{"shape":"roundtrip","placement":"onecpu","size":100,"rateA":27857,"rateB":28889,"ratios":[1.1736,1.2538,0.8193,0.9647,0.7414,0.8384,0.9638,0.7902]},
{"shape":"roundtrip","placement":"onecpu","size":65536,"rateA":19204,"rateB":20644,"ratios":[0.9992,1.1243,0.8323,0.9643,0.8439,0.8216,1.1786,0.7583]},
{"shape":"stream","placement":"onecpu","size":100,"rateA":482362,"rateB":509825,"ratios":[1.1551,1.1371,0.9885,1.0408,0.8939,0.9978,0.9588,0.9334]},
{"shape":"stream","placement":"onecpu","size":65536,"rateA":21713,"rateB":19462,"ratios":[1.1321,1.1638,1.0109,1.265,0.9802,0.8247,1.0129,1.0768]}]}`

// l4Facts builds facts with one same-CPU cell per (shape, size) whose
// ratios are given, 127.0.0.1 against 198.18.0.1.
func l4Facts(rt100, rt64k, st100, st64k []float64) L4Facts {
	mk := func(shape bench.Shape, size int, rs []float64) bench.CellFacts {
		return bench.CellFacts{Shape: shape, Placement: bench.OneCPU, Size: size, RateA: 1000 * rs[0], RateB: 1000, Ratios: rs}
	}
	return L4Facts{A: bench.TCP, B: bench.TCPHostAddr, Path: bench.Raw, PeerA: "127.0.0.1", PeerB: "198.18.0.1", Cells: []bench.CellFacts{
		mk(bench.RoundTrip, 100, rt100), mk(bench.RoundTrip, 65536, rt64k), mk(bench.Stream, 100, st100), mk(bench.Stream, 65536, st64k)}}
}

// l4CPUFacts builds facts whose cells have both rate ratios (rates, the
// same in every cell) and CPU ratios (cpu per cell: round trip then
// stream, 100 B then 64 KiB), TCP's data segments per 1000 messages on
// both sides, bbr the default.
func l4CPUFacts(rates []float64, cpu ...[]float64) L4Facts {
	f := l4Facts(rates, rates, rates, rates)
	f.Congestion = "bbr"
	for i := range f.Cells {
		f.Cells[i].CPURatios, f.Cells[i].CPUA, f.Cells[i].CPUB = cpu[i], 1000, 1000*cpu[i][0]
		f.Cells[i].SegsA, f.Cells[i].SegsB = 1000, 1000
		if f.Cells[i].Shape == bench.Stream && f.Cells[i].Size == 100 {
			f.Cells[i].SegsA, f.Cells[i].SegsB = 40, 38
		}
	}
	return f
}

func TestJudgeL4(t *testing.T) {
	seen := claims.SeenFacts[L4Facts](seenL4)
	same := []float64{1.0, 0.97, 1.03, 0.95, 1.05}
	faster := []float64{1.3, 1.25, 1.35, 1.28, 1.32}
	slower := []float64{0.8, 0.78, 0.82, 0.79, 0.81}
	wide := []float64{1.0, 0.85, 1.15, 0.9, 1.1}
	onlyFree := l4Facts(same, same, same, same)
	for i := range onlyFree.Cells {
		onlyFree.Cells[i].Placement = bench.Free
	}

	claims.TestJudge(t, "L4", judgeL4, []claims.Case[L4Facts]{
		{Name: "seen on 6.18 under load: intervals wider than the band", Facts: seen,
			Want: claims.Refined, Parts: map[string]string{"no-difference": claims.Undecided}},
		{Name: "within 5% in every cell", Facts: l4Facts(same, same, same, same),
			Want: claims.Confirmed},
		{Name: "a reader's firewall that accepts -d 127.0.0.0/8 first and walks a long chain for the host address: 127.0.0.1 30% faster for small round trips", Facts: l4Facts(faster, same, same, same),
			Want: claims.Refuted},
		{Name: "a reader's firewall or tc filter that inspects 127.0.0.0/8 and not the host address: 127.0.0.1 20% slower for small streams", Facts: l4Facts(same, same, slower, same),
			Want: claims.Refuted},
		{Name: "a cell whose interval straddles the band's edge", Facts: l4Facts(same, wide, same, same),
			Want: claims.Refined, Parts: map[string]string{"no-difference": claims.Undecided}},
		{Name: "such a firewall, with another cell undecided: the difference decides", Facts: l4Facts(wide, faster, same, same),
			Want: claims.Refuted},
		{Name: "free placement alone does not decide", Facts: onlyFree,
			Want: claims.Skipped},
		{Name: "nothing measured is a skip", Facts: L4Facts{A: bench.TCP, B: bench.TCPHostAddr},
			Want: claims.Skipped},
	})
}

// With CPU time per message in the facts, the judge decides by it: the
// rates of a short measurement straddle the band on a quiet machine now
// and then, the CPU time does not; and a real difference shows in it.
func TestJudgeL4ByCPUTime(t *testing.T) {
	same := []float64{1.0, 0.97, 1.03, 0.98, 1.02, 0.99, 1.01, 1.0}
	wideRates := []float64{1.0, 0.85, 1.15, 0.9, 1.1, 0.8, 1.2, 1.0}
	faster := []float64{1.3, 1.25, 1.35, 1.28, 1.32, 1.29, 1.31, 1.3}
	moded := []float64{1.0, 0.86, 1.15, 0.95, 1.05, 0.9, 1.12, 1.0} // the stream's mode moving under a pair

	// The 100 B stream's pairs: three of eight whose connections settled
	// into different modes (40 against 90 data segments per 1000 messages,
	// 127.0.0.1's cheaper) and stretch the interval; the other five agree.
	mixed := l4CPUFacts(same, same, same, []float64{1.0, 0.99, 1.35, 1.02, 1.3, 0.98, 1.4, 1.01}, same)
	mixed.Cells[2].PairSegsA = []float64{40, 41, 40, 39, 42, 40, 38, 41}
	mixed.Cells[2].PairSegsB = []float64{41, 40, 90, 40, 88, 42, 92, 40}
	allMixed := l4CPUFacts(same, same, same, []float64{1.3, 1.35, 1.32, 1.28, 1.3, 1.31, 1.29, 1.33}, same)
	allMixed.Cells[2].PairSegsA = []float64{40, 41, 40, 39, 42, 40, 38, 41}
	allMixed.Cells[2].PairSegsB = []float64{90, 91, 90, 89, 92, 90, 88, 91}

	claims.TestJudge(t, "L4", judgeL4, []claims.Case[L4Facts]{
		{Name: "a stream's pairs in two TCP modes are left out; the pairs in one mode lie within the band", Facts: mixed,
			Want: claims.Confirmed},
		{Name: "every pair of the stream in two modes, 127.0.0.1's merging more: nothing left to compare", Facts: allMixed,
			Want: claims.Refined, Parts: map[string]string{"no-difference": claims.Undecided}},
		{Name: "the rates straddle the band, the CPU time lies within it", Facts: l4CPUFacts(wideRates, same, same, same, same),
			Want: claims.Confirmed},
		{Name: "a reader's firewall that walks a long chain for the host address: 127.0.0.1 30% cheaper for small round trips", Facts: l4CPUFacts(wideRates, faster, same, same, same),
			Want: claims.Refuted},
		{Name: "a small-message stream whose mode moves within each pair: undecided", Facts: l4CPUFacts(same, same, same, moded, same),
			Want: claims.Refined, Parts: map[string]string{"no-difference": claims.Undecided}},
	})
	f := judgeL4(l4CPUFacts(wideRates, same, same, same, same))
	for _, w := range []string{"by CPU time per message", "TCP bbr, data segments per 1000 messages: tcp 40 (writes merged), tcp-hostaddr 38 (writes merged)"} {
		if !strings.Contains(f.Parts[0].Evidence, w) {
			t.Errorf("the evidence does not say %q:\n%s", w, f.Parts[0].Evidence)
		}
	}
}
