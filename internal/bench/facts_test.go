package bench

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"netnotes/internal/claims"
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
	// This process's namespace: the connections were made in it.
	cc, err := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control")
	if err == nil && f.Congestion != strings.TrimSpace(string(cc)) {
		t.Errorf("congestion control %q; the namespace's default is %q", f.Congestion, strings.TrimSpace(string(cc)))
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

// The congestion control is named once where both sides agree, and is
// part of both measured claims' evidence: the hosts readers have differ
// (cubic is the common default; bbr on the project's machine).
func TestCongestionIsInTheEvidence(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"", "bbr", "bbr"}, {"cubic", "", "cubic"}, {"cubic", "cubic", "cubic"}, {"bbr", "cubic", "a: bbr, b: cubic"}, {"", "", ""},
	} {
		if got := congestion(tc.a, tc.b); got != tc.want {
			t.Errorf("congestion(%q, %q) = %q; want %q", tc.a, tc.b, got, tc.want)
		}
	}
	cells := []CellFacts{{Shape: Stream, Placement: OneCPU, Size: 100, RateA: 500000, RateB: 480000, Ratios: []float64{1.02, 1.05, 0.99, 1.01, 1.03}}}
	for name, judge := range map[string]func(Facts) claims.Finding{"U8": JudgeU8, "L4": JudgeL4} {
		f := Facts{A: TCP, B: TCPHostAddr, Path: Raw, Congestion: "cubic", Cells: cells}
		if ev := judge(f).Evidence; !strings.Contains(ev, "TCP congestion control cubic") {
			t.Errorf("%s's evidence does not name the congestion control: %s", name, ev)
		}
		f.Congestion = ""
		if ev := judge(f).Evidence; strings.Contains(ev, "congestion control") {
			t.Errorf("%s's evidence names a congestion control nobody saw: %s", name, ev)
		}
	}
}

// A comparison's facts carry, per pair, the CPU ratio (B's CPU time per
// message over A's) and TCP's data segments per 1000 messages, from each
// measurement's counts; the judges decide by the CPU ratio.
func TestFactsCarryCPUTimeAndTCPMode(t *testing.T) {
	c := NewComparison(Config{Path: Raw}, UDS, TCP, []Shape{Stream}, []Placement{OneCPU}, []int{100})
	pair := 0
	c.Measurer = func(cfg Config, d time.Duration) (Result, error) {
		r := Result{Config: cfg, Msgs: 10000, Elapsed: 40 * time.Millisecond}
		switch cfg.Transport {
		case UDS: // 3 µs a message, the rate noisy
			r.Counts.CPU = 30 * time.Millisecond
			r.Elapsed = time.Duration(30+10*(pair%3)) * time.Millisecond
		case TCP: // 2.7 µs a message, writes merged: 40 segments per 1000 messages
			r.Counts.CPU = 27 * time.Millisecond
			r.Counts.TCPDataSegments = 400
			pair++
		}
		return r, nil
	}
	if err := c.Run(5, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	f, err := c.Facts()
	if err != nil {
		t.Fatal(err)
	}
	cell := f.Cells[0]
	if !cell.ByCPU() || cell.Decider().String() != "0.90x" || cell.CPUA != 3000 || cell.CPUB != 2700 || cell.SegsA != 0 || cell.SegsB != 40 {
		t.Errorf("cell %+v: decider %v", cell, cell.Decider())
	}
	if got, want := cell.Mode("bbr", "uds", "tcp"), "TCP bbr, data segments per 1000 messages: tcp 40 (writes merged)"; got != want {
		t.Errorf("mode %q; want %q", got, want)
	}
	if ev := JudgeU8(f).Parts[0].Evidence; !strings.Contains(ev, "stream 0.90x by CPU time per message (3000 vs 2700 ns; msgs/s") {
		t.Errorf("U8's evidence: %s", ev)
	}
	// A cell without CPU time (recorded facts, the netconn path) decides by msgs/s.
	cell.CPURatios = nil
	if cell.ByCPU() || cell.Decider() != cell.Interval() || cell.Quantity() != "by msgs/s" {
		t.Errorf("without CPU ratios: %+v decides by %s", cell, cell.Quantity())
	}
}

// Cells measured with another congestion control set on the connections
// are shown, and decide nothing; one the kernel does not have is never
// set (root setting it would load its module into the host's kernel).
func TestOtherCongestionDecidesNothing(t *testing.T) {
	under := CellFacts{Shape: Stream, Placement: OneCPU, Size: 100, RateA: 1, RateB: 1,
		Ratios: []float64{0.9, 0.9, 0.9, 0.9, 0.9}, CPURatios: []float64{0.9, 0.88, 0.92, 0.9, 0.9}, SegsB: 40}
	over := under
	over.CPURatios, over.SegsB = []float64{3.5, 3.4, 3.6, 3.5, 3.5}, 1000
	f := Facts{A: UDS, B: TCP, Congestion: "bbr", Cells: []CellFacts{under}}
	f.WithCongestion("cubic", Facts{Cells: []CellFacts{over}})
	p := JudgeU8(f).Parts[0]
	if p.Verdict != claims.Refuted || !strings.Contains(p.Evidence, "with cubic set on the connections instead (not deciding") ||
		!strings.Contains(p.Evidence, "TCP cubic, data segments per 1000 messages: tcp 1000 (a segment per write)") {
		t.Errorf("2x-at-100b: %s — %s", p.Verdict, p.Evidence)
	}
	if err := congestionAvailable("netnotes-none"); err == nil || !strings.Contains(err.Error(), "modprobe tcp_netnotes-none") {
		t.Errorf("an unknown congestion control: %v", err)
	}
	cfg := Config{Shape: Stream, Path: Raw, Placement: OneCPU, Transport: TCP, Size: 100, Congestion: "netnotes-none"}
	if err := cfg.Validate(); err == nil {
		t.Errorf("a configuration with a congestion control the kernel lacks validates")
	}
	cfg.Transport = UDS // UDS has none: ignored
	if err := cfg.Validate(); err != nil || cfg.Name() != "path=raw/placement=onecpu/transport=uds/size=100" {
		t.Errorf("UDS with a congestion control: %v, %s", err, cfg.Name())
	}
}

// Config.Congestion is set on the measurement's own connections (reno:
// every kernel has it, and it is always allowed).
func TestCongestionIsSetPerConnection(t *testing.T) {
	p, err := probe(Config{Shape: RoundTrip, Path: Raw, Placement: Free, Transport: TCP, Size: 1, Congestion: "reno"})
	if err != nil {
		t.Fatal(err)
	}
	if p.congestion != "reno" {
		t.Errorf("TCP_CONGESTION reno set, the connection has %q", p.congestion)
	}
}

// An ordinary user outside a user namespace may set only the allowed
// congestion controls: the other is then not measured, and the facts say
// why, instead of the measurement failing.
func TestBesideSaysWhyNot(t *testing.T) {
	err := congestionSettable("netnotes-none")
	if err == nil || !strings.Contains(err.Error(), "net.ipv4.tcp_allowed_congestion_control: ") {
		t.Errorf("setting a congestion control nobody has: %v", err)
	}
	f := Facts{A: UDS, B: TCP, Congestion: "bbr", NotBeside: err.Error(),
		Cells: []CellFacts{{Shape: Stream, Placement: OneCPU, Size: 100, Ratios: []float64{0.9, 0.9, 0.9, 0.9, 0.9}}}}
	if ev := JudgeU8(f).Evidence; !strings.Contains(ev, "no other congestion control measured beside it: setsockopt(TCP_CONGESTION, netnotes-none)") {
		t.Errorf("the evidence does not say why: %s", ev)
	}
}

// The other CPUs' busy time comes from /proc/stat's per-CPU lines, the
// measured CPU's left out: user, nice, system, irq, softirq and steal
// are busy; idle and iowait are not.
func TestElseTicksLeaveTheMeasuredCPUOut(t *testing.T) {
	stat := "cpu  831842 1200 552923 41634 818 0 19458 0 0 0\n" +
		"cpu0 100 10 50 800 20 0 5 15 0 0\n" +
		"cpu1 900 0 100 0 0 0 0 0 0 0\n" +
		"intr 12345\n"
	busy, total := parseElseTicks(stat, 1)
	if busy != 180 || total != 1000 {
		t.Errorf("cpu0 alone: busy %d of %d ticks; want 180 of 1000", busy, total)
	}
	if busy, total := parseElseTicks(stat, 5); busy != 1180 || total != 2000 {
		t.Errorf("with both CPUs: busy %d of %d; want 1180 of 2000", busy, total)
	}
	if b, total := elseTicks(0); total > 0 && b > total {
		t.Errorf("this machine's other CPUs: busy %d of %d ticks", b, total)
	}
}

// A drill on a busy machine judges its facts as if quiet; the run's own
// facts keep the load they were measured under.
func TestAsIfQuietLeavesTheFactsAlone(t *testing.T) {
	busy := Facts{Cells: []CellFacts{{Size: 100, OtherCPU: 1}, {Size: 65536, OtherCPU: 29.1}}}
	if !busy.Loaded() {
		t.Fatal("a cell at 29% other work: not loaded")
	}
	quiet := busy.AsIfQuiet()
	if quiet.Loaded() {
		t.Error("as if quiet: still loaded")
	}
	if busy.Cells[1].OtherCPU != 29.1 {
		t.Errorf("the measured facts changed: other CPU %v", busy.Cells[1].OtherCPU)
	}
	if (Facts{Cells: []CellFacts{{OtherCPU: MaxOtherCPU}}}).Loaded() {
		t.Error("at the limit a cell still decides")
	}
}
