package loopback

import (
	"strings"
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
// 2 vCPUs, load average 7-9 from other work), one run of -count=20.
var seenL5 = SockmapFacts{
	App: "127.0.0.1:34156 -> 127.0.0.1:33645", Sidecar: "127.0.0.1:44092 -> 127.0.0.1:45929",
	Payload: 1765, Writes: 8,
	TargetBytes: 14120, TargetInOrder: true, PeerBytes: 0, LoTxPackets: 0, LoXmit: 0,
	ControlPeerBytes: 14120, ControlPeerInOrder: true, ControlTargetBytes: 0, ControlLoTxPackets: 16, ControlLoXmit: 8,
	VsTCP: bench.Facts{A: bench.TCPSockmap, B: bench.TCP, Path: bench.Raw, PeerA: "127.0.0.1", PeerB: "127.0.0.1", Cells: []bench.CellFacts{
		sockmapCell(bench.RoundTrip, 100, 133286, 76371, 1.5258, 2.0137, 1.7524, 1.6172, 1.7372),
		sockmapCell(bench.RoundTrip, 65536, 85758, 35994, 1.8681, 2.3778, 2.3749, 2.4234, 2.3076),
		sockmapCell(bench.Stream, 100, 408267, 821027, 0.507, 0.4859, 0.5241, 0.4976, 0.513),
		sockmapCell(bench.Stream, 65536, 128808, 49307, 2.6285, 2.5803, 2.6124, 2.8987, 2.5993),
	}},
	VsUDS: bench.Facts{A: bench.TCPSockmap, B: bench.UDS, Path: bench.Raw, PeerA: "127.0.0.1", PeerB: "/tmp/nn3401511849/bench.sock", Cells: []bench.CellFacts{
		sockmapCell(bench.RoundTrip, 100, 131798, 104865, 1.2773, 1.1975, 1.1565, 1.1269, 1.2425),
		sockmapCell(bench.RoundTrip, 65536, 83278, 49064, 1.643, 1.7716, 1.6114, 1.6022, 1.9009),
		sockmapCell(bench.Stream, 100, 361459, 540237, 0.5504, 0.5739, 0.8388, 0.6769, 0.7042),
		sockmapCell(bench.Stream, 65536, 101713, 97774, 1.1423, 1.1641, 1.0251, 1.0535, 0.9757),
	}},
}

// onlyTCPCells keeps the first n cells of the TCP comparison.
func onlyTCPCells(f *SockmapFacts, n int) { f.VsTCP.Cells = f.VsTCP.Cells[:n] }

func TestJudgeL5Sockmap(t *testing.T) {
	claims.TestJudge(t, "L5", judgeSockmap, []claims.Case[SockmapFacts]{
		{Name: "seen on 6.18: off lo (the speed, faster but for a stream of 100 B messages, is a note)", Facts: seenL5, Want: claims.Confirmed,
			Parts: map[string]string{"redirect": claims.Confirmed, "lo": claims.Confirmed}},
		{Name: "redirected, but the target's bytes are out of order", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.TargetInOrder = false
		}), Want: claims.Refined, Parts: map[string]string{"redirect": claims.Refined, "lo": claims.Confirmed}},
		{Name: "the control did not cross lo either: lo's stillness tells nothing", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.ControlLoXmit, f.ControlLoTxPackets = 0, 0
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Undecided}},
		{Name: "some other packet on lo, none of the writes' length", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.LoTxPackets = 1
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Refined}},
		{Name: "inside make matrix's VM: not measured, and the note says why", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.VsTCP, f.VsUDS = bench.Facts{}, bench.Facts{}
			f.NotMeasured = "not measured in a virtual machine (qemu): timing under emulation measures the emulator"
		}), Want: claims.Confirmed},
	})
}

// The speed is a note beside L5's verdict, not a part of it: whatever the
// measurement says, the verdict stays; the note says what it found.
func TestJudgeL5SpeedIsANote(t *testing.T) {
	for _, c := range []struct {
		name  string
		facts SockmapFacts
		want  string
	}{
		{"seen on 6.18: faster but for a stream of 100 B messages", seenL5, "faster than TCP in some cells, slower in others"},
		{"faster in every cell", claims.With(seenL5, func(f *SockmapFacts) { onlyTCPCells(f, 2) }), "faster than TCP in every cell"},
		{"a loaded machine: the pairs straddle 1", claims.With(seenL5, func(f *SockmapFacts) {
			f.VsTCP.Cells = []bench.CellFacts{
				sockmapCell(bench.RoundTrip, 100, 90000, 70000, 0.23, 1.44, 1.45, 0.8, 1.2),
				sockmapCell(bench.Stream, 65536, 90000, 70000, 0.32, 1.38, 2.63, 1.1, 1.5),
			}
		}), "undecided"},
		{"fewer than 5 pairs decide nothing", claims.With(seenL5, func(f *SockmapFacts) {
			f.VsTCP.Cells = []bench.CellFacts{sockmapCell(bench.RoundTrip, 100, 127645, 71646, 1.7, 1.8, 1.75)}
		}), "undecided"},
		{"slower in every cell", claims.With(seenL5, func(f *SockmapFacts) {
			f.VsTCP.Cells = []bench.CellFacts{sockmapCell(bench.RoundTrip, 100, 70000, 74000, 0.93, 0.95, 0.97, 0.94, 0.96)}
		}), "slower than TCP in every cell"},
		{"not measured", claims.With(seenL5, func(f *SockmapFacts) { f.VsTCP, f.VsUDS = bench.Facts{}, bench.Facts{} }), "not measured"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := judgeSockmap(c.facts)
			if f.Verdict != claims.Confirmed {
				t.Errorf("verdict %s: the speed must not decide L5", f.Verdict)
			}
			if _, ok := f.Part("speed"); ok {
				t.Errorf("speed is a part of L5's finding; it is a note")
			}
			if !strings.Contains(f.Evidence, "note, deciding nothing (the claim says nothing of speed): tcp-sockmap "+c.want+":") {
				t.Errorf("evidence %q lacks the note %q", f.Evidence, c.want)
			}
		})
	}
}
