// Command bench runs the performance notes in full and prints the ratio
// table (with UDS, TCP and TCP with the sockmap redirect side by side, for
// claim L5, as root) and the verdicts on claims U8 and L4 (`make bench`), or compares
// the engine with a minimal C program (`make bench-fidelity`).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/bench/chart"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/records"
	"netnotes/internal/sandbox"
	"netnotes/internal/sockmap"
)

func main() {
	reps := flag.Int("reps", 5, "interleaved repeats of every measurement (at least 5 for verdicts)")
	each := flag.Duration("time", 500*time.Millisecond, "length of one timed measurement, after warm-up")
	sizes := flag.String("sizes", "", "comma-separated message sizes (default: the full sweep, 64 to 65536)")
	netconn := flag.Bool("netconn", false, "also compare UDS with TCP on the netconn path (net.Conn)")
	fid := flag.Bool("fidelity", false, "compare the raw path with a minimal C program instead of the sweep")
	out := flag.String("out", "", "write the sweep's data and chart to `PREFIX`.json and PREFIX.svg (make bench: uds/bench)")
	redrawFrom := flag.String("redraw", "", "draw the chart again from `FILE`.json (written by -out) without measuring")
	flag.Parse()
	if *redrawFrom != "" {
		if err := redraw(*redrawFrom); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	sz := bench.Sizes
	if *sizes != "" {
		sz = nil
		for _, f := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > bench.MaxSize {
				fmt.Fprintf(os.Stderr, "bench: bad size %q in -sizes (want 1..%d)\n", f, bench.MaxSize)
				os.Exit(2)
			}
			sz = append(sz, n)
		}
	}
	if *reps < 1 || *each <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -reps and -time must be positive")
		os.Exit(2)
	}
	var err error
	if *fid {
		if *sizes == "" {
			sz = []int{100, 65536}
		}
		err = fidelity(*reps, *each, sz)
	} else {
		err = sweep(*reps, *each, sz, *netconn, *out)
	}
	if err != nil {
		clearProgress()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var (
	lastProgress    time.Time
	stderrTerminal  = isTerminal(os.Stderr)
	lastTenthLogged = -1
)

// progress overwrites one status line on a terminal (at most 10 times a
// second); into a file or pipe it writes a plain line every tenth of the way.
func progress(what string, done, total int, current string) {
	if !stderrTerminal {
		if tenth := done * 10 / max(total, 1); tenth != lastTenthLogged {
			lastTenthLogged = tenth
			fmt.Fprintf(os.Stderr, "%s %d/%d %s\n", what, done, total, current)
		}
		return
	}
	if time.Since(lastProgress) < 100*time.Millisecond && done < total {
		return
	}
	lastProgress = time.Now()
	fmt.Fprintf(os.Stderr, "\r\033[K%s %d/%d %s", what, done, total, current)
}

func clearProgress() {
	if stderrTerminal {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// l4MinReps is the fewest interleaved pairs L4's verdict is measured with.
const l4MinReps = 8

// sweep measures every comparison of the plan and the connection note,
// writes the chart's data to out (if set), and prints the tables and
// the verdicts.
func sweep(reps int, each time.Duration, sizes []int, netconn bool, out string) error {
	loadBefore, started := loadavg(), nowUTC()
	p, end, err := planSweep(reps, sizes, netconn)
	if err != nil {
		return err
	}
	defer end()
	connect, err := p.measure(each)
	if err != nil {
		return err
	}
	clearProgress()
	if out != "" {
		d := chart.Data{Machine: machine(), Load: loadBefore + " before, " + loadavg() + " after (1-minute average)",
			Date: started, Command: "make bench", Reps: reps, Each: each.String(), Path: string(bench.Raw),
			A: string(p.u8.A), B: string(p.u8.B), Cells: chart.FromComparison(p.u8), Connect: &connect}
		if err := writeChart(out, d); err != nil {
			return fmt.Errorf("writing the chart: %w", err)
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s.json and %s.svg\n", out, out)
	}
	return p.print(connect)
}

// sweepPlan is what the sweep measures: U8 (raw, and on the netconn path
// if asked), L5's sockmap (where BPF works) and L4 (as root), each a
// comparison, or the reason it is not measured.
type sweepPlan struct {
	reps                    int
	u8, u8conn, sm, l4      *bench.Comparison
	smSkip, l4where, l4skip string
	stream                  *streamRuns
}

// planSweep makes the sweep's comparisons; end removes L4's private
// namespace.
func planSweep(reps int, sizes []int, netconn bool) (p *sweepPlan, end func(), err error) {
	shapes := []bench.Shape{bench.RoundTrip, bench.Stream}
	placements := []bench.Placement{bench.OneCPU, bench.Free}
	p = &sweepPlan{reps: reps}
	p.u8 = bench.NewComparison(bench.Config{Path: bench.Raw}, bench.UDS, bench.TCP, shapes, placements, sizes)
	// The pipe is the floor: what moving bytes between processes costs.
	p.u8.Also = []bench.Transport{bench.Pipe}
	small := sizes[0]
	for _, n := range sizes {
		if abs(n-100) < abs(small-100) {
			small = n
		}
	}
	p.stream = &streamRuns{size: small}
	p.u8.OnResult = p.stream.add
	if netconn {
		p.u8conn = bench.NewComparison(bench.Config{Path: bench.NetConn}, bench.UDS, bench.TCP, shapes, placements, sizes)
	}

	// L4: TCP to 127.0.0.1 versus TCP to an address of this host's own.
	// As root, in a private namespace with an address of its own (the
	// host's network untouched). Never on the host's own address, where a
	// listener would face the LAN: without root, L4 is not measured.
	l4sizes := []int{100, 4096, 65536}
	if len(sizes) < len(bench.Sizes) {
		l4sizes = sizes
	}

	// L5: TCP with the sockmap redirect, paired with TCP (root and BPF
	// only), on one CPU at L4's sizes: its speed decides nothing (a note
	// beside L5), and the whole sweep stays under 6 minutes.
	if err := sockmap.Probe(); err != nil {
		p.smSkip = fmt.Sprintf("tcp-sockmap not measured: BPF refused or missing (%v); run `sudo make bench`", err)
	} else {
		p.sm = bench.NewComparison(bench.Config{Path: bench.Raw}, bench.TCPSockmap, bench.TCP, shapes, []bench.Placement{bench.OneCPU}, l4sizes)
	}
	if !gate.IsRoot() {
		p.l4skip = "needs a private network namespace, which takes root here (never the host's own address): run `sudo make bench`, " +
			"or `make notes` for L4's short measurement in a user namespace"
		return p, func() {}, nil
	}
	addr := netip.MustParseAddr("198.18.0.1")
	in, end, err := privateNetns(sandbox.UniqueName("bd"), addr)
	if err != nil {
		return nil, nil, fmt.Errorf("making a private namespace for L4: %w", err)
	}
	p.l4 = bench.NewComparison(bench.Config{Path: bench.Raw, Addr: addr, InNetns: in}, bench.TCP, bench.TCPHostAddr, shapes, placements, l4sizes)
	p.l4where = addr.String() + " (a veth device's address, private namespace)"
	return p, end, nil
}

// comparisons are the plan's comparisons, in the order they run.
func (p *sweepPlan) comparisons() []*bench.Comparison {
	var out []*bench.Comparison
	for _, c := range []*bench.Comparison{p.u8, p.u8conn, p.sm, p.l4} {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// repsOf is how many pairs c is measured with. L4 decides "no
// difference" against a narrow band (±10%), where one disturbed pair of
// five stretches a min-max interval across the band's edge: it takes at
// least 8 pairs, whose interval drops the extremes (see bench.Interval).
// U8's thresholds (1x, 2x) are far from its ratios; it keeps -reps.
func (p *sweepPlan) repsOf(c *bench.Comparison) int {
	if c == p.l4 {
		return max(p.reps, l4MinReps)
	}
	return p.reps
}

// measure runs the comparisons, each measurement each long, and then the
// connection note (beside U4): reps pairs per placement, after the
// comparisons.
func (p *sweepPlan) measure(each time.Duration) (bench.ConnectFacts, error) {
	total := 0
	for _, c := range p.comparisons() {
		total += c.Measurements(p.repsOf(c))
	}
	connectPlacements := []bench.Placement{bench.OneCPU, bench.Free}
	connectEach := min(each, 200*time.Millisecond)
	connectRuns := p.reps * len(connectPlacements) * 2
	total += connectRuns
	fmt.Fprintf(os.Stderr, "bench: %d measurements of %v plus warm-up, about %.0f minutes; progress below.\n",
		total, each, (float64(total-connectRuns)*(each.Seconds()+0.09)+float64(connectRuns)*(connectEach.Seconds()+0.02))/60)
	done := 0
	for _, c := range p.comparisons() {
		base := done
		c.OnProgress = func(d, _ int, cfg bench.Config) { progress("bench", base+d, total, cfg.String()) }
		if err := c.Run(p.repsOf(c), each); err != nil {
			return bench.ConnectFacts{}, err
		}
		done = base + c.Measurements(p.repsOf(c))
	}
	var connInNetns func(func() error) error
	if p.l4 != nil {
		connInNetns = p.l4.Base.InNetns // a private namespace: its Tcp counters count the connections alone
	}
	return bench.MeasureConnections(connectPlacements, p.reps, connectEach, connInNetns, connInNetns != nil,
		func(d, _ int, what string) { progress("bench", done+d, total, what) })
}

// print prints the sweep's tables, then the verdicts.
func (p *sweepPlan) print(connect bench.ConnectFacts) error {
	u8 := p.u8
	fmt.Printf("U8: UDS versus TCP over 127.0.0.1 (TCP_NODELAY), raw path (blocking syscalls, peer in a child process)\n%s\n", u8.Table())
	p.stream.print([]bench.Transport{bench.UDS, bench.TCP, bench.Pipe})
	fmt.Println()
	printLatency(u8, []bench.Transport{bench.UDS, bench.TCP, bench.Pipe})
	fmt.Println()
	printConnect(connect)
	fmt.Println()
	if p.u8conn != nil {
		fmt.Printf("U8, netconn path (net.Conn, peer a goroutine):\n%s\n", p.u8conn.Table())
	}
	if p.sm != nil {
		fmt.Printf("L5: UDS, TCP and TCP with the sockmap redirect, raw path\n%s\n", threeWay(u8, p.sm))
	} else {
		fmt.Printf("L5: %s\n\n", p.smSkip)
	}
	if p.l4 != nil {
		fmt.Printf("L4: TCP to 127.0.0.1 versus TCP to %s, raw path\n%s\n", p.l4where, p.l4.Table())
	}
	// The verdicts come from the judges the notes' tests use (the rules
	// live in internal/bench), over the same kind of facts.
	if err := printVerdict("U8", u8, bench.JudgeU8); err != nil {
		return err
	}
	if p.l4 != nil {
		return printVerdict("L4", p.l4, bench.JudgeL4)
	}
	fmt.Println(records.Line("L4", records.Skipped, p.l4skip))
	return nil
}

// printVerdict prints a comparison's facts and what the claim's judge
// finds in them, in the lines `go test -v` gives.
func printVerdict(id string, c *bench.Comparison, judge func(bench.Facts) claims.Finding) error {
	facts, err := c.Facts()
	if err != nil {
		return fmt.Errorf("claim %s: %w", id, err)
	}
	data, err := json.Marshal(facts)
	if err != nil {
		return err
	}
	fmt.Println(records.FactsLine(id, data))
	f := judge(facts)
	for _, p := range f.Parts {
		fmt.Println(records.PartLine(id, p.Name, p.Verdict, p.Evidence))
	}
	fmt.Println(records.Line(id, f.Verdict, f.Evidence))
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
