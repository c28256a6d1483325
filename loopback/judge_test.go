package loopback

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// The judges' tables. Each starts from the facts a root run recorded on
// the project machine (Linux 6.18.44, x86_64: testdata/facts/linux-6.18),
// loaded when the test runs and replayed by TestJudge as a case of its
// own, then changes what a kernel that disagrees with the notes would
// show. Where a drill recorded a namespace set up so that the claim is
// false (testdata/drills), its recording is a row too. L4's and L5's
// measured rows are runs logged under named loads (seenL4, seenL5).

func TestJudgeL1NoNIC(t *testing.T) {
	seen := claims.RecordedFacts[NoNICFacts](t, "L1")
	claims.TestJudge(t, "L1", judgeNoNIC, []claims.Case[NoNICFacts]{
		{Name: "seen on 6.18: both deliver, lo down loses, lo counts 2 drops", Facts: seen, Want: claims.Confirmed},
		{Name: "as on 5.10 and 6.1: lo down loses, tx_dropped stays 0 (not judged)", Facts: claims.With(seen, func(f *NoNICFacts) { f.LoDownTxDropped = 0 }),
			Want: claims.Confirmed},
		{Name: "UDP lost without a card", Facts: claims.With(seen, func(f *NoNICFacts) { f.Alone.UDP = "datagram: timed out" }),
			Want: claims.Refined},
		{Name: "the unplugged card sent packets", Facts: claims.With(seen, func(f *NoNICFacts) { f.NICTxPackets = 3 }),
			Want: claims.Refined},
		{Name: "the control delivers with lo down", Facts: claims.With(seen, func(f *NoNICFacts) { f.LoDown.UDP, f.LoDownTxDropped = "", 0 }),
			Want: claims.Refined},
		{Name: "a kernel with ipip and sit loaded: tunl0 and sit0 in every new namespace, down", Facts: withTunnels(seen, 0),
			Want: claims.Confirmed},
		{Name: "a fallback tunnel device up in the namespace without a card", Facts: withTunnels(seen, 1),
			Want: claims.Refined},
		{Name: "tunnel modules loaded, and lo down (the drill)", Facts: withTunnels(claims.With(seen, func(f *NoNICFacts) { f.Alone, f.Unplugged = f.LoDown, f.LoDown }), 0),
			Want: claims.Refuted},
		claims.RecordedDrill[NoNICFacts](t, "L1"),
	})
}

// withTunnels gives the namespace without a card the devices a kernel with
// ipip and sit loaded puts in every new namespace (`ip -br link` there:
// lo, tunl0@NONE, sit0@NONE), the first up devices of them up.
func withTunnels(f NoNICFacts, up int) NoNICFacts {
	f.AloneDevices = []string{"lo", "tunl0", "sit0"}
	f.AloneOthers = []string{"tunl0 (ipip, down)", "sit0 (sit, down)"}
	for i := range up {
		f.AloneOthers[i] = strings.Replace(f.AloneOthers[i], "down", "up", 1)
	}
	f.AloneOthersUp = up
	return f
}

// The extra devices are part of the evidence, whatever the verdict.
func TestJudgeL1NamesExtraDevices(t *testing.T) {
	f := withTunnels(NoNICFacts{AloneLo: "up|loopback|running", Alone: Delivery{Bytes: 19}, Unplugged: Delivery{Bytes: 19},
		LoDown: Delivery{Bytes: 19, TCP: "connect: timed out", UDP: "datagram: timed out"}}, 0)
	ev := judgeNoNIC(f).Evidence
	for _, want := range []string{"tunl0 (ipip, down)", "sit0 (sit, down)", "tunnel modules"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence does not name %q: %s", want, ev)
		}
	}
}

func TestJudgeL2Stack(t *testing.T) {
	seen := claims.RecordedFacts[StackFacts](t, "L2")
	claims.TestJudge(t, "L2", judgeStack, []claims.Case[StackFacts]{
		{Name: "seen on 6.18: IP output path to lo, backlog drained in softirq", Facts: seen,
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"xmit": claims.Confirmed, "softirq": claims.Confirmed}},
		{Name: "refutable only by a kernel that hands loopback packets to the receive path without the IP output path or a softirq (no Linux kernel does): transmit without the IP output path, receive outside softirq",
			Facts: claims.With(seen, func(f *StackFacts) {
				f.Xmit, f.Receive, f.OnSendingThread = Tracepoint{Events: 5}, Tracepoint{Events: 5}, 0
			}),
			Want: claims.Refuted},
		{Name: "received straight from the driver, not by a softirq (a NIC-like ring)",
			Facts: claims.With(seen, func(f *StackFacts) {
				f.Rx, f.Receive, f.OnSendingThread = Tracepoint{Events: 5}, Tracepoint{Events: 5}, 0
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"xmit": claims.Confirmed, "softirq": claims.Refuted}},
		{Name: "one datagram's receive in process context",
			Facts: claims.With(seen, func(f *StackFacts) { f.Receive.InSoftirq, f.OnSendingThread = 4, 4 }),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"xmit": claims.Confirmed, "softirq": claims.Refined}},
		{Name: "the Unix pair's control fired events",
			Facts: claims.With(seen, func(f *StackFacts) { f.UnixPairEvents = 3 }),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"xmit": claims.Refined, "softirq": claims.Refined}},
	})
}

func TestJudgeL3OwnAddress(t *testing.T) {
	seen := claims.RecordedFacts[OwnAddressFacts](t, "L3")
	// As an ordinary user: no tracepoints, the counters alone.
	untraced := func(f *OwnAddressFacts) {
		f.TraceNotObserved = "needs real root (tracefs cannot be mounted in a user namespace): run `sudo make notes`"
		f.ToOwn.XmitLo, f.ToOwn.XmitDev, f.ToPeer.XmitLo, f.ToPeer.XmitDev = 0, 0, 0, 0
	}
	// The L3 drill's setup: table local behind main, so the lookup takes
	// the unicast route out of the veth.
	localBehindMain := func(f *OwnAddressFacts) { f.RouteType, f.RouteDev = "unicast", "nndd2-2a" }
	claims.TestJudge(t, "L3", judgeOwnAddress, []claims.Case[OwnAddressFacts]{
		{Name: "seen on 6.18: local via lo, the datagrams on lo, the peer's on the veth", Facts: seen,
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"lookup": claims.Confirmed, "traffic": claims.Confirmed}},
		{Name: "the lookup says lo, the datagrams leave through the veth",
			Facts: claims.With(seen, func(f *OwnAddressFacts) { f.ToOwn = Path{Received: 5, DevTx: 5, XmitDev: 5} }),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"lookup": claims.Confirmed, "traffic": claims.Refuted}},
		{Name: "some datagrams on each device",
			Facts: claims.With(seen, func(f *OwnAddressFacts) { f.ToOwn = Path{Received: 5, LoTx: 3, DevTx: 2, XmitLo: 3, XmitDev: 2} }),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"traffic": claims.Refined}},
		{Name: "the control's datagrams also on lo",
			Facts: claims.With(seen, func(f *OwnAddressFacts) { f.ToPeer.LoTx, f.ToPeer.XmitLo = 5, 5 }),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"lookup": claims.Confirmed, "traffic": claims.Refined}},
		{Name: "the L3 drill in CI beside the uds chapter: other threads sent lo frames of the datagrams' length, which are not the test's",
			Facts: claims.With(seen, func(f *OwnAddressFacts) {
				localBehindMain(f)
				f.ToOwn = Path{DevTx: 2, XmitLoOthers: 5}
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"lookup": claims.Refuted, "traffic": claims.Refuted}},
		{Name: "rootless, seen on 6.18: no tracepoints, the counters alone say lo",
			Facts: claims.With(seen, untraced),
			Want:  claims.Confirmed, Parts: map[string]claims.Verdict{"lookup": claims.Confirmed, "traffic": claims.Confirmed, "tracepoints": claims.Skipped}},
		{Name: "the L3 drill's setup as an ordinary user (table local behind main; counters only, no tracepoints): the counters say the veth",
			Facts: claims.With(seen, func(f *OwnAddressFacts) {
				untraced(f)
				localBehindMain(f)
				f.ToOwn = Path{DevTx: 2}
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"lookup": claims.Refuted, "traffic": claims.Refuted, "tracepoints": claims.Skipped}},
		{Name: "rootless, the control's datagrams also on lo",
			Facts: claims.With(seen, func(f *OwnAddressFacts) {
				untraced(f)
				f.ToPeer.LoTx = 5
			}),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"traffic": claims.Refined, "tracepoints": claims.Skipped}},
		claims.RecordedDrill[OwnAddressFacts](t, "L3"),
	})
}

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
	seen := claims.SeenFacts[L4Facts](t, seenL4)
	same := []float64{1.0, 0.97, 1.03, 0.95, 1.05}
	faster := []float64{1.3, 1.25, 1.35, 1.28, 1.32}
	slower := []float64{0.8, 0.78, 0.82, 0.79, 0.81}
	wide := []float64{1.0, 0.85, 1.15, 0.9, 1.1}
	onlyFree := l4Facts(same, same, same, same)
	for i := range onlyFree.Cells {
		onlyFree.Cells[i].Placement = bench.Free
	}

	// The refuting case a real kernel gave is the L4 drill's
	// (testdata/drills/L4.json): a firewall chain for the host address in
	// the measurement's namespace, where a reader's firewall never applies.
	claims.TestJudge(t, "L4", judgeL4, []claims.Case[L4Facts]{
		{Name: "seen on 6.18 under load: intervals wider than the band", Facts: seen,
			Want: claims.Undecided, Parts: map[string]claims.Verdict{"no-difference": claims.Undecided}},
		{Name: "within 5% in every cell", Facts: l4Facts(same, same, same, same),
			Want: claims.Confirmed},
		{Name: "constructed: 127.0.0.1 30% faster for small round trips (as the L4 drill's firewall chain for the host address makes it)", Facts: l4Facts(faster, same, same, same),
			Want: claims.Refuted},
		{Name: "constructed: 127.0.0.1 20% slower for small streams (as rules that inspect 127.0.0.0/8 and not the host address would make it)", Facts: l4Facts(same, same, slower, same),
			Want: claims.Refuted},
		{Name: "a cell whose interval straddles the band's edge", Facts: l4Facts(same, wide, same, same),
			Want: claims.Undecided, Parts: map[string]claims.Verdict{"no-difference": claims.Undecided}},
		{Name: "constructed: a cell outside the band, another undecided: the difference decides", Facts: l4Facts(wide, faster, same, same),
			Want: claims.Refuted},
		{Name: "free placement alone does not decide", Facts: onlyFree,
			Want: claims.Skipped},
		{Name: "nothing measured is a skip", Facts: L4Facts{A: bench.TCP, B: bench.TCPHostAddr},
			Want: claims.Skipped},
		claims.RecordedDrill[L4Facts](t, "L4"),
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
			Want: claims.Undecided, Parts: map[string]claims.Verdict{"no-difference": claims.Undecided}},
		{Name: "the rates straddle the band, the CPU time lies within it", Facts: l4CPUFacts(wideRates, same, same, same, same),
			Want: claims.Confirmed},
		{Name: "constructed: the rates straddle, the CPU time says 127.0.0.1 30% cheaper for small round trips", Facts: l4CPUFacts(wideRates, faster, same, same, same),
			Want: claims.Refuted},
		{Name: "a small-message stream whose mode moves within each pair: undecided", Facts: l4CPUFacts(same, same, same, moded, same),
			Want: claims.Undecided, Parts: map[string]claims.Verdict{"no-difference": claims.Undecided}},
	})
	f := judgeL4(l4CPUFacts(wideRates, same, same, same, same))
	for _, w := range []string{"by CPU time per message", "TCP bbr, data segments per 1000 messages: tcp 40 (writes merged), tcp-hostaddr 38 (writes merged)"} {
		if !strings.Contains(f.Parts[0].Evidence, w) {
			t.Errorf("the evidence does not say %q:\n%s", w, f.Parts[0].Evidence)
		}
	}
}

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
			Parts: map[string]claims.Verdict{"redirect": claims.Confirmed, "lo": claims.Confirmed}},
		{Name: "redirected, but the target's bytes are out of order", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.TargetInOrder = false
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"redirect": claims.Refined, "lo": claims.Confirmed}},
		{Name: "the control did not cross lo either: lo's stillness tells nothing", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.ControlLoXmit, f.ControlLoTxPackets = 0, 0
		}), Want: claims.Undecided, Parts: map[string]claims.Verdict{"lo": claims.Undecided}},
		{Name: "some other packet on lo, none of the writes' length", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.LoTxPackets = 1
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"lo": claims.Refined}},
		{Name: "inside make matrix's VM: not measured, and the note says why", Facts: claims.With(seenL5, func(f *SockmapFacts) {
			f.VsTCP, f.VsUDS = bench.Facts{}, bench.Facts{}
			f.NotMeasured = "not measured in a virtual machine (qemu): timing under emulation measures the emulator"
		}), Want: claims.Confirmed},
		claims.RecordedDrill[SockmapFacts](t, "L5"),
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

// A verdict a reader can repeat (issue 32). L4's recorded confirmation
// rested on its 64 KiB stream's interval starting at 0.9123, against the
// band's 0.909, printed as "0.91-1.05x ... within 0.91-1.10x": the
// evidence now gives such an end as the facts hold it, and says the
// decision was narrow. A cell measured while other work took a large
// share of its CPU decides nothing, whatever its interval (on the shared
// project machine, with other work taking 28% of the cell's CPU, L4's
// 100 B round trip ranged 0.49-1.02x by CPU time per message, where a
// quiet moment gave 0.97-1.02x), and the undecided verdict names the load
// and the spread.
func TestJudgeL4SaysHowCloseAndWhatLeftItUndecided(t *testing.T) {
	same := []float64{1.0, 0.97, 1.03, 0.98, 1.02, 0.99, 1.01, 1.0}
	faster := []float64{1.3, 1.25, 1.35, 1.28, 1.32, 1.29, 1.31, 1.3}
	// The recorded 64 KiB stream's 20 pairs (linux-6.18, L4.json).
	recordedRates := []float64{0.9699, 1.0799, 1.141, 0.9311, 1.1676, 0.9039, 0.9297, 0.8087, 0.9234, 1.0399,
		0.9046, 0.9932, 1.0334, 0.8125, 1.0168, 0.9373, 1.0141, 1.07, 1.1275, 0.8406}
	recordedCPU := []float64{1.0198, 1.0525, 1.1983, 0.9161, 1.106, 0.9056, 0.9123, 0.7361, 0.9439, 1.0742,
		0.9341, 0.8957, 1.0321, 0.7766, 1.0307, 0.9296, 1.0491, 1.1479, 1.0876, 0.805}
	narrow := l4CPUFacts(same, same, same, same, same)
	narrow.Cells[3].Ratios, narrow.Cells[3].CPURatios = recordedRates, recordedCPU
	// The same cell's pairs a little lower: its interval straddles 0.909.
	straddling := l4CPUFacts(same, same, same, same, same)
	straddling.Cells[3].Ratios, straddling.Cells[3].CPURatios = recordedRates, slices.Clone(recordedCPU)
	for i := range straddling.Cells[3].CPURatios {
		straddling.Cells[3].CPURatios[i] = math.Round(1e4*0.97*straddling.Cells[3].CPURatios[i]) / 1e4
	}
	straddling.Load, straddling.CPUs = []float64{1.52, 2.31}, 2
	// A reader's loaded machine: the 100 B round trip 30% cheaper to
	// 127.0.0.1, measured while other work took 31% of the measured CPU.
	loaded := l4CPUFacts(same, faster, same, same, same)
	loaded.Cells[0].OtherCPU = 31
	loaded.Load, loaded.CPUs = []float64{21.15, 24.19}, 2

	// Nothing else on the measured CPU, the other one busy (a build
	// pinned there): the cells decide, and an undecided one names how
	// busy the other CPU was beside the load.
	busyElsewhere := l4CPUFacts(same, same, same, same, same)
	for i := range busyElsewhere.Cells {
		busyElsewhere.Cells[i].OtherCPU, busyElsewhere.Cells[i].ElseBusy = 2.7, 100
	}
	straddling.Cells[3].OtherCPU, straddling.Cells[3].ElseBusy = 1.2, 85

	claims.TestJudge(t, "L4", judgeL4, []claims.Case[L4Facts]{
		{Name: "the recorded run's 64 KiB stream: within the band, narrowly", Facts: narrow, Want: claims.Confirmed},
		{Name: "cells measured while the other CPU was busy, nothing else on theirs, decide", Facts: busyElsewhere, Want: claims.Confirmed},
		{Name: "that stream 3% lower: it straddles the band's edge", Facts: straddling, Want: claims.Undecided},
		{Name: "a cell outside the band, measured under load, decides nothing", Facts: loaded, Want: claims.Undecided},
		{Name: "constructed: the same cell measured with nothing else on its CPU decides", Facts: l4CPUFacts(same, faster, same, same, same), Want: claims.Refuted},
	})
	for _, c := range []struct {
		facts L4Facts
		want  []string
	}{
		{narrow, []string{"against the band 0.909-1.10x", "stream 65536 B 0.9123-1.05x by CPU time per message", "(within, narrowly: within 2% of the edge)"}},
		{straddling, []string{"1 of 4 cells straddle the band's edge; the spread: the pairs of stream 65536 B ranged 0.71-1.16x",
			"load average 1.52 when the measurement started, 2.31 when it ended, on 2 CPUs"}},
		{straddling, []string{"other work took 0-1% of the measured CPU's time during the cells, and the other CPUs were busy 0-85% of theirs"}},
		{loaded, []string{"round trip 100 B 1.28-1.32x by CPU time per message", "(measured under load: other work took 31% of the measured CPU's time",
			"1 of 4 cells measured under load;",
			"load average 21.15 when the measurement started, 24.19 when it ended, on 2 CPUs"}},
	} {
		ev := judgeL4(c.facts).Parts[0].Evidence
		for _, w := range c.want {
			assert.Contains(t, ev, w)
		}
	}
}
