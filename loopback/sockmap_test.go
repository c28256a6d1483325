package loopback

import (
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// sockmapCell is one same-CPU cell of a measurement: median rates and the
// ratio of every interleaved pair.
func sockmapCell(shape bench.Shape, size int, rateA, rateB float64, ratios ...float64) bench.CellFacts {
	return bench.CellFacts{Shape: shape, Placement: bench.OneCPU, Size: size, RateA: rateA, RateB: rateB, Ratios: ratios}
}

// seenL5 is what the L5 test saw on the project's machine (Linux 6.18.44,
// 2 vCPUs shared with other work).
var seenL5 = SockmapFacts{
	App: "127.0.0.1:36252 -> 127.0.0.1:36051", Sidecar: "127.0.0.1:47714 -> 127.0.0.1:45535",
	Payload: 1781, Writes: 8,
	TargetBytes: 14248, TargetInOrder: true, PeerBytes: 0, LoTxPackets: 0, LoXmit: 0,
	ControlPeerBytes: 14248, ControlPeerInOrder: true, ControlTargetBytes: 0, ControlLoTxPackets: 16, ControlLoXmit: 8,
	VsTCP: bench.Facts{A: bench.TCPSockmap, B: bench.TCP, Path: bench.Raw, PeerA: "127.0.0.1", PeerB: "127.0.0.1", Cells: []bench.CellFacts{
		sockmapCell(bench.RoundTrip, 100, 127645, 71646, 1.58, 1.75, 1.84, 1.70, 1.62),
		sockmapCell(bench.RoundTrip, 65536, 84627, 36170, 2.12, 2.36, 2.51, 2.30, 2.40),
		sockmapCell(bench.Stream, 100, 398478, 793507, 0.50, 0.51, 0.61, 0.52, 0.55),
		sockmapCell(bench.Stream, 65536, 117678, 45948, 2.33, 2.56, 2.82, 2.60, 2.45),
	}},
	VsUDS: bench.Facts{A: bench.TCPSockmap, B: bench.UDS, Path: bench.Raw, PeerA: "127.0.0.1", PeerB: "bench.sock", Cells: []bench.CellFacts{
		sockmapCell(bench.RoundTrip, 100, 120271, 110505, 0.96, 1.09, 1.58, 1.05, 1.10),
		sockmapCell(bench.Stream, 100, 395602, 603888, 0.64, 0.65, 0.71, 0.66, 0.65),
	}},
}

func with(f SockmapFacts, change func(*SockmapFacts)) SockmapFacts {
	change(&f)
	return f
}

// onlyTCPCells keeps the first n cells of the TCP comparison.
func onlyTCPCells(f *SockmapFacts, n int) {
	f.VsTCP.Cells = append([]bench.CellFacts(nil), f.VsTCP.Cells[:n]...)
}

func TestJudgeSockmap(t *testing.T) {
	claims.TestJudge(t, "L5", judgeSockmap, []claims.Case[SockmapFacts]{
		{Name: "seen on 6.18: off lo; faster than TCP but for a stream of 100 B messages", Facts: seenL5, Want: claims.Refined,
			Parts: map[string]string{"redirect": claims.Confirmed, "lo": claims.Confirmed, "speed": claims.Refined}},
		{Name: "off lo and faster than TCP in every cell", Facts: with(seenL5, func(f *SockmapFacts) {
			onlyTCPCells(f, 2)
		}), Want: claims.Confirmed},
		{Name: "no redirect: the bytes go to the TCP peer over lo, and TCP is faster", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetBytes, f.TargetInOrder, f.PeerBytes = 0, false, 8*1781
			f.LoTxPackets, f.LoXmit = 16, 8
			f.VsTCP.Cells = []bench.CellFacts{sockmapCell(bench.RoundTrip, 100, 70000, 74000, 0.93, 0.95, 0.97, 0.94, 0.96)}
		}), Want: claims.Refuted, Parts: map[string]string{"redirect": claims.Refuted, "lo": claims.Refuted, "speed": claims.Refuted}},
		{Name: "redirected, but the target's bytes are out of order", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetInOrder = false
			onlyTCPCells(f, 2)
		}), Want: claims.Refined, Parts: map[string]string{"redirect": claims.Refined, "lo": claims.Confirmed}},
		{Name: "the control did not cross lo either: lo's stillness tells nothing", Facts: with(seenL5, func(f *SockmapFacts) {
			f.ControlLoXmit, f.ControlLoTxPackets = 0, 0
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Undecided}},
		{Name: "some other packet on lo, none of the writes' length", Facts: with(seenL5, func(f *SockmapFacts) {
			f.LoTxPackets = 1
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Refined}},
		{Name: "a loaded machine: the pairs straddle 1", Facts: with(seenL5, func(f *SockmapFacts) {
			f.VsTCP.Cells = []bench.CellFacts{
				sockmapCell(bench.RoundTrip, 100, 90000, 70000, 0.23, 1.44, 1.45, 0.8, 1.2),
				sockmapCell(bench.Stream, 65536, 90000, 70000, 0.32, 1.38, 2.63, 1.1, 1.5),
			}
		}), Want: claims.Refined, Parts: map[string]string{"speed": claims.Undecided}},
		{Name: "fewer than 5 pairs decide nothing", Facts: with(seenL5, func(f *SockmapFacts) {
			f.VsTCP.Cells = []bench.CellFacts{sockmapCell(bench.RoundTrip, 100, 127645, 71646, 1.7, 1.8, 1.75)}
		}), Want: claims.Refined, Parts: map[string]string{"speed": claims.Undecided}},
		{Name: "not measured: the speed part does not vote", Facts: with(seenL5, func(f *SockmapFacts) {
			f.VsTCP, f.VsUDS = bench.Facts{}, bench.Facts{}
		}), Want: claims.Confirmed, Parts: map[string]string{"speed": claims.Skipped}},
	})
}
