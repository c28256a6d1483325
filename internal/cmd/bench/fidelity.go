package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/bench/affinity"
	"netnotes/internal/bench/stats"
	"netnotes/internal/role"
)

// fidelityTolerance is how far Go may be from C, either way, for a cell
// to count as the same work: 5%.
const fidelityTolerance = 0.05

// The two placements the fidelity check measures the raw path in, both
// peers on one CPU, C's two processes pinned to the same CPU:
//
//   - harness: the placement `go test -bench` gives (placement=onecpu):
//     the client's thread and the peer's pinned, the Go runtime's other
//     threads moved to the other CPUs.
//   - process: the whole Go process pinned to the CPU from its start, as
//     `taskset -c N go test -bench` would: the runtime's threads share the
//     CPU with the peers, and GOMAXPROCS is 1.
var fidelityPlacements = []string{"harness", "process"}

type fkey struct {
	placement string
	shape     bench.Shape
	transport bench.Transport
	size      int
}

func (k fkey) String() string {
	return fmt.Sprintf("%-8s %-9s %6d %-4s", k.placement, k.shape, k.size, k.transport)
}

// fidelity compares the engine's raw path with the C yardstick, both peers
// on one CPU: for each repeat and cell, C and Go side by side
// (sideBySide), alternating which starts first.
func fidelity(reps int, d time.Duration, sizes []int) error {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return fmt.Errorf("the fidelity check needs a C compiler (cc) on PATH: install gcc or clang")
	}
	sweepWorkDirs()
	dir, err := os.MkdirTemp("", fmt.Sprintf("nnbench-%d-", os.Getpid()))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := compileC(cc, dir)
	if err != nil {
		return err
	}
	cpu, err := affinity.OneCPU()
	if err != nil {
		return err
	}
	cells := fidelityCells(sizes)
	runs := fidelityRuns{dir: dir, bin: bin, cpu: cpu, d: d,
		goRuns: map[fkey][]bench.Result{}, cRuns: map[fkey][]bench.Result{}, goCost: map[fkey]*cost{}, cCost: map[fkey]*cost{}}
	total := reps * len(cells)
	done := 0
	loadBefore, started := loadavg(), time.Now()
	// Each program of a pair is timed for d in turns (the other waits),
	// after its own start and warm-up: about a quarter second a pair.
	fmt.Fprintf(os.Stderr, "fidelity: %d pairs of C and Go, each program timed for %v in turns plus warm-up, about %.0f s; progress below.\n",
		total, d, float64(total)*(2*d.Seconds()+0.25))
	if err := unix.SchedGetaffinity(0, &runs.free); err != nil {
		return err
	}
	runs.one.Set(cpu)
	for rep := range reps {
		for i, k := range cells {
			if err := runs.measure(k, (rep+i)%2 == 1); err != nil {
				return err
			}
			done++
			progress("fidelity", done, total, k.placement+" "+k.config().String())
		}
	}
	clearProgress()
	fmt.Printf("Fidelity: raw path (Go engine) versus a minimal C program (cc %s, testdata/pingpong.c), both peers on CPU %d, "+
		"%d pairs, C and Go side by side in turns for %v each; load %s before, %s after (1-minute average); took %v.\n",
		cc, cpu, reps, d, loadBefore, loadavg(), time.Since(started).Round(time.Second))
	printFidelityMethod()
	runs.report(cells)
	return nil
}

// fidelityCells are the cells the fidelity check measures, in the order
// of its tables.
func fidelityCells(sizes []int) []fkey {
	var cells []fkey
	for _, pl := range fidelityPlacements {
		for _, shape := range []bench.Shape{bench.RoundTrip, bench.Stream} {
			for _, size := range sizes {
				for _, tr := range []bench.Transport{bench.UDS, bench.TCP} {
					cells = append(cells, fkey{pl, shape, tr, size})
				}
			}
		}
	}
	return cells
}

// config is the engine's configuration of a cell.
func (k fkey) config() bench.Config {
	return bench.Config{Shape: k.shape, Path: bench.Raw, Placement: bench.OneCPU, Transport: k.transport, Size: k.size}
}

// fidelityRuns are the fidelity check's means (the compiled C program in
// dir, the pinned CPU, the CPU masks a program starts on) and what its
// pairs measured, per cell.
type fidelityRuns struct {
	dir, bin      string
	cpu           int
	d             time.Duration
	free, one     unix.CPUSet
	goRuns, cRuns map[fkey][]bench.Result
	goCost, cCost map[fkey]*cost
}

// measure runs one pair of cell k, C and Go side by side, Go first when
// goFirst (who starts first alternates, as who runs the first chunk).
func (f *fidelityRuns) measure(k fkey, goFirst bool) error {
	cfg := k.config()
	cCmd, err := cCommand(f.bin, cfg, f.d)
	if err != nil {
		return err
	}
	// Both take their turns in the chunks a pair's sides take.
	cCmd.Env = append(os.Environ(), fmt.Sprintf("PINGPONG_TURNS=%g", cfg.PairChunk().Seconds()))
	goCmd := goCommand(cfg, f.d)
	cmds := []*exec.Cmd{cCmd, goCmd}
	if goFirst {
		cmds = []*exec.Cmd{goCmd, cCmd}
	}
	// The process placement starts the Go program pinned, as
	// taskset would; the harness placement and C start free.
	outs, usages, err := sideBySide(f.dir, f.cpu, cmds, func(cmd *exec.Cmd) error {
		if cmd == goCmd && k.placement == "process" {
			return startOnMask(cmd, &f.one)
		}
		return startOnMask(cmd, &f.free)
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", k.placement, cfg, err)
	}
	for j, cmd := range cmds {
		var r bench.Result
		costs, results := f.goCost, f.goRuns
		if cmd == cCmd {
			costs, results = f.cCost, f.cRuns
			r, err = parseC(cfg, outs[j])
		} else {
			r, err = parseGoOne(cfg, outs[j])
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", k.placement, cfg, err)
		}
		if costs[k] == nil {
			costs[k] = &cost{}
		}
		costs[k].add(rusageOf(usages[j]), r.Msgs)
		results[k] = append(results[k], r)
	}
	return nil
}

// printFidelityMethod says how the pairs were measured and compared.
func printFidelityMethod() {
	fmt.Printf("Placements: harness = as `go test -bench` pins (client and peer threads; Go's other threads on the other CPUs);\n"+
		"process = the whole Go process pinned from its start (as `taskset -c N go test -bench`; GOMAXPROCS %v). C's two processes on the same CPU in both.\n",
		slices.Sorted(maps.Keys(goProcs)))
	fmt.Printf("Side by side: both programs warm up, then take turns on a pipe from this tool, a chunk each (a pair's: round trips 2 ms,\n" +
		"streams 10 ms, 1 ms from 16 KiB; a stream's chunk ends when the peer has read it), so that their timed parts span the same\n" +
		"moments of the machine. A waiting program accrues no CPU time: CPU time per message is each one's own. Its wall-clock rate is not\n" +
		"(it also waited for the other's turns): msgs/s here is per second of the pair's time on the CPU, which on one CPU, the pair\n" +
		"alone there, is one over its CPU time per message; the rate check is the CPU check.\n")
	fmt.Printf("TCP mode: data segments per 1000 messages (TCP_INFO of the client's socket, timed part), per run, C | Go;\n" +
		"merged (< 500: writes appended to an unsent segment) or per-write. Cells compare only pairs whose C and Go runs are both\n" +
		"in one mode (the mode both have most runs in). Ratios are per pair, their median and range.\n\n")
}

// fidelityTally counts, per kind of comparison, how many cells were
// within fidelityTolerance of C, and names those that were not.
type fidelityTally struct {
	kinds    []string
	tally    map[string]*[2]int
	failures []string
}

// check counts one comparison of cell k and returns its mark.
func (t *fidelityTally) check(what string, k fkey, ratio float64) string {
	if t.tally[what] == nil {
		t.tally[what] = &[2]int{}
		t.kinds = append(t.kinds, what)
	}
	t.tally[what][1]++
	if math.IsNaN(ratio) {
		t.failures = append(t.failures, fmt.Sprintf("%s %s: no runs of a common mode", strings.Join(strings.Fields(k.String()), " "), what))
		return "  n/a"
	}
	if math.Abs(ratio-1) <= fidelityTolerance {
		t.tally[what][0]++
		return "  ok"
	}
	t.failures = append(t.failures, fmt.Sprintf("%s %s %.2f", strings.Join(strings.Fields(k.String()), " "), what, ratio))
	return "  OUT"
}

// report prints the fidelity check's tables and its summary.
func (f *fidelityRuns) report(cells []fkey) {
	t := &fidelityTally{tally: map[string]*[2]int{}}
	f.printByCPU(cells, t)
	f.printUDSOverTCP(cells, t)
	f.printCosts(cells)
	var sum []string
	for _, what := range t.kinds {
		sum = append(sum, fmt.Sprintf("%s %d of %d", what, t.tally[what][0], t.tally[what][1]))
	}
	fmt.Printf("\nWithin %.0f%% of C (both placements): %s.\n", 100*fidelityTolerance, strings.Join(sum, "; "))
	if len(t.failures) > 0 {
		fmt.Printf("Outside: %s.\n", strings.Join(t.failures, "; "))
		fmt.Printf("Side by side, load moves both programs alike, but not exactly: nothing else should run. Load now %s.\n", loadavg())
	}
}

// printByCPU prints each cell's C and Go CPU time per message and rate.
func (f *fidelityRuns) printByCPU(cells []fkey, t *fidelityTally) {
	fmt.Printf("%-8s %-9s %6s %-4s %10s %10s %20s %10s %10s %20s  %s\n", "placement", "shape", "size", "tr",
		"C ns/msg", "Go ns/msg", "C/Go by CPU (range)", "C msgs/s", "Go msgs/s", "", "TCP mode C | Go")
	for _, k := range cells {
		cRuns, goRuns := f.cRuns[k], f.goRuns[k]
		_, _, mode := sameMode(cRuns, goRuns)
		reps := inMode(cRuns, goRuns, mode)
		cpuR := pairRatios(reps, func(i int) float64 { return cpuOf(cRuns[i]) / cpuOf(goRuns[i]) })
		fmt.Printf("%s %10.0f %10.0f %5.2f %-9s%-5s %10.0f %10.0f %20s  %s\n", k,
			medianOf(reps, cRuns, cpuOf), medianOf(reps, goRuns, cpuOf), cpuR.Median, rangeOf(cpuR), t.check("by CPU (and rate)", k, cpuR.Median),
			medianOf(reps, cRuns, rateOnCPU), medianOf(reps, goRuns, rateOnCPU), "", modes(cRuns, goRuns, mode))
	}
}

// printUDSOverTCP prints the UDS/TCP ratio, Go's over C's, per UDS cell.
func (f *fidelityRuns) printUDSOverTCP(cells []fkey, t *fidelityTally) {
	fmt.Printf("\nUDS/TCP ratio, Go's over C's (the U8 verdict rests on it), pair by pair (Go's UDS and TCP runs each beside C's),\n" +
		"from CPU time per message (TCP's over UDS's; the same as from msgs/s on the CPU); medians of the pairs:\n")
	fmt.Printf("%-8s %-9s %6s      %8s %8s %16s\n", "placement", "shape", "size", "C", "Go", "Go/C (range)")
	for _, k := range cells {
		if k.transport != bench.UDS {
			continue
		}
		tk := k
		tk.transport = bench.TCP
		cU, gU, cT, gT := f.cRuns[k], f.goRuns[k], f.cRuns[tk], f.goRuns[tk]
		_, _, modeT := sameMode(cT, gT)
		// UDS runs have no mode: the TCP cell's decides which repeats count.
		reps := inMode(cT, gT, modeT)
		reps = slices.DeleteFunc(reps, func(i int) bool { return i >= len(cU) || i >= len(gU) })
		pc := pairRatios(reps, func(i int) float64 { return cpuOf(cT[i]) / cpuOf(cU[i]) })
		pg := pairRatios(reps, func(i int) float64 { return cpuOf(gT[i]) / cpuOf(gU[i]) })
		pr := pairRatios(reps, func(i int) float64 {
			return (cpuOf(gT[i]) / cpuOf(gU[i])) / (cpuOf(cT[i]) / cpuOf(cU[i]))
		})
		kk := k
		kk.transport = "u/t"
		fmt.Printf("%-8s %-9s %6d      %7.2fx %7.2fx %5.2f %-9s%-5s\n", k.placement, k.shape, k.size,
			pc.Median, pg.Median, pr.Median, rangeOf(pr), t.check("UDS/TCP", kk, pr.Median))
	}
}

// printCosts prints where each cell's time went, from wait4's rusage.
func (f *fidelityRuns) printCosts(cells []fkey) {
	fmt.Printf("\nWhere the time goes (per message, whole run incl. warm-up and setup; both processes; wait4's rusage):\n")
	fmt.Printf("%-8s %-9s %6s %-4s %22s %22s %22s\n", "placement", "shape", "size", "tr", "user µs C / Go", "sys µs C / Go", "ctx switches C / Go")
	for _, k := range cells {
		c, g := f.cCost[k], f.goCost[k]
		fmt.Printf("%s %10.3f / %-9.3f %10.3f / %-9.3f %10.3f / %-9.3f\n", k,
			c.userPerMsg(), g.userPerMsg(), c.sysPerMsg(), g.sysPerMsg(), c.switchesPerMsg(), g.switchesPerMsg())
	}
}

// sweepWorkDirs removes the work directories (the compiled C program,
// the programs' outputs) of fidelity runs that were killed: their
// names carry the pid of a process that no longer exists.
func sweepWorkDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "nnbench-*-*"))
	for _, d := range dirs {
		f := strings.SplitN(filepath.Base(d), "-", 3)
		pid, err := strconv.Atoi(f[1])
		if err != nil || pid <= 0 {
			continue
		}
		if !alive(pid) {
			os.RemoveAll(d)
		}
	}
}

// alive reports whether process pid exists and has not exited (a zombie
// waiting for its parent to reap it has).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// goCommand is this program again, measuring one raw-path cell in turns
// (the role bench-fidelity-one) and stopping itself before the timed part:
// started free, it is the placement `go test -bench` gives (the harness
// pins the client's thread and the peer); started pinned, `taskset -c
// N`'s (the Go runtime then sizes itself for one CPU, GOMAXPROCS 1).
func goCommand(c bench.Config, d time.Duration) *exec.Cmd {
	return goOne.Command(fmt.Sprintf("%s,%s,%d,%s", c.Shape, c.Transport, c.Size, d), c.PairChunk().String())
}

// parseGoOne reads what bench-fidelity-one printed.
func parseGoOne(c bench.Config, out []byte) (bench.Result, error) {
	var one oneResult
	if err := json.Unmarshal(out, &one); err != nil {
		return bench.Result{}, fmt.Errorf("bench-fidelity-one printed %q: %w", out, err)
	}
	goProcs[one.Procs] = true
	return bench.Result{Config: c, Msgs: one.Msgs, Elapsed: one.Elapsed, Counts: one.Counts}, nil
}

// goProcs is the GOMAXPROCS values the Go runs had (1 in the process
// placement, when pinning from the start worked as taskset's does).
var goProcs = map[int]bool{}

// oneResult is what bench-fidelity-one prints.
type oneResult struct {
	Msgs    int64
	Elapsed time.Duration
	Counts  bench.Counts
	Procs   int // GOMAXPROCS it ran with
}

// goOne measures one raw-path cell, same CPU, in this process (run by
// measureGo, pinned from the start or not), taking its turns beside the C
// program on descriptors 3 and 4 (bench.MeasureInTurns), in chunks of the
// second argument's length, as the C program does with PINGPONG_TURNS; it
// prints the result as JSON.
var goOne = role.Register(role.Role{Name: "bench-fidelity-one", Args: []string{"shape,transport,size,duration", "the chunk's length"}, Run: func(args []string) int {
	if err := fidelityOne(args); err != nil {
		fmt.Fprintln(os.Stderr, "bench-fidelity-one:", err)
		return 1
	}
	return 0
}})

func fidelityOne(args []string) error {
	f := strings.Split(args[0], ",")
	if len(f) != 4 {
		return fmt.Errorf("want shape,transport,size,duration; got %q", args[0])
	}
	size, err := strconv.Atoi(f[2])
	if err != nil {
		return err
	}
	d, err := time.ParseDuration(f[3])
	if err != nil {
		return err
	}
	chunk, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	c := bench.Config{Shape: bench.Shape(f[0]), Path: bench.Raw, Placement: bench.OneCPU, Transport: bench.Transport(f[1]), Size: size}
	for _, fd := range []int{turnFD, yieldFD} {
		// Not the peer's, which this process starts.
		unix.CloseOnExec(fd)
	}
	r, err := bench.MeasureInTurns(c, d, chunk, turnFD, yieldFD)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(oneResult{r.Msgs, r.Elapsed, r.Counts, runtime.GOMAXPROCS(0)})
}

// sameMode keeps, of C's and Go's runs of a cell, those in the TCP mode
// both have most runs in (every run for UDS, and for a cell whose runs
// are all of one mode), and names that mode.
func sameMode(c, g []bench.Result) (cs, gs []bench.Result, mode string) {
	count := map[string][2]int{}
	for _, r := range c {
		n := count[r.TCPMode()]
		n[0]++
		count[r.TCPMode()] = n
	}
	for _, r := range g {
		n := count[r.TCPMode()]
		n[1]++
		count[r.TCPMode()] = n
	}
	best := -1
	for m, n := range count {
		if n[0] > 0 && n[1] > 0 && (min(n[0], n[1]) > best || (min(n[0], n[1]) == best && m < mode)) {
			best, mode = min(n[0], n[1]), m
		}
	}
	if best < 0 {
		return nil, nil, "none common"
	}
	keep := func(rs []bench.Result) []bench.Result {
		return slices.DeleteFunc(slices.Clone(rs), func(r bench.Result) bool { return r.TCPMode() != mode })
	}
	return keep(c), keep(g), mode
}

// modes lists each run's data segments per 1000 messages, C's then Go's,
// and the mode compared.
func modes(c, g []bench.Result, mode string) string {
	list := func(rs []bench.Result) string {
		var f []string
		for _, r := range rs {
			if r.TCPMode() == "" {
				return "-"
			}
			f = append(f, fmt.Sprintf("%.0f", r.SegsPerKiloMsg()))
		}
		return strings.Join(f, " ")
	}
	out := list(c) + " | " + list(g)
	if mode != "" {
		out += " (" + mode + " compared)"
	}
	return out
}

// inMode lists the repeats whose C and Go runs are both in mode.
func inMode(c, g []bench.Result, mode string) []int {
	var out []int
	for i := range min(len(c), len(g)) {
		if c[i].TCPMode() == mode && g[i].TCPMode() == mode {
			out = append(out, i)
		}
	}
	return out
}

// pairRatios summarises f over the repeats reps.
func pairRatios(reps []int, f func(i int) float64) stats.Ratio {
	var num, den []float64
	for _, i := range reps {
		num, den = append(num, f(i)), append(den, 1)
	}
	return stats.Ratios(num, den)
}

func rangeOf(r stats.Ratio) string {
	if r.N == 0 {
		return ""
	}
	return fmt.Sprintf("(%.2f-%.2f)", r.Min, r.Max)
}

func medianOf(reps []int, rs []bench.Result, f func(bench.Result) float64) float64 {
	var xs []float64
	for _, i := range reps {
		xs = append(xs, f(rs[i]))
	}
	return stats.Median(xs)
}

// rateOnCPU is a run's messages per second of its time on the CPU (both
// peers' CPU time): side by side, its wall-clock rate includes the other
// program's turns.
func rateOnCPU(r bench.Result) float64 {
	return float64(r.Msgs) / max(r.Counts.CPU.Seconds(), 1e-9)
}

// cpuOf is a run's CPU time per message, ns.
func cpuOf(r bench.Result) float64 {
	return float64(r.Counts.CPU.Nanoseconds()) / float64(max(r.Msgs, 1))
}

// rusage is one program's, its waited-for peer's included: the Go
// harness and its peer process, or the C program and its child.
type rusage struct {
	user, sys time.Duration
	switches  int64
}

// rusageOf is what wait4 said of one program: its own and its waited-for
// peer's.
func rusageOf(ru unix.Rusage) rusage {
	tv := func(t unix.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return rusage{user: tv(ru.Utime), sys: tv(ru.Stime), switches: ru.Nvcsw + ru.Nivcsw}
}

type cost struct {
	total rusage
	msgs  int64
}

func (c *cost) add(u rusage, msgs int64) {
	c.total.user += u.user
	c.total.sys += u.sys
	c.total.switches += u.switches
	c.msgs += msgs
}

func (c *cost) userPerMsg() float64 { return c.total.user.Seconds() * 1e6 / float64(c.msgs) }
func (c *cost) sysPerMsg() float64  { return c.total.sys.Seconds() * 1e6 / float64(c.msgs) }
func (c *cost) switchesPerMsg() float64 {
	return float64(c.total.switches) / float64(c.msgs)
}
