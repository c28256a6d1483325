package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/bench/chart"
	"netnotes/internal/bench/stats"
)

// machine describes this machine for the chart's caption: kernel,
// architecture, CPU model and count.
func machine() string {
	var u unix.Utsname
	kernel := "Linux"
	if unix.Uname(&u) == nil {
		kernel = fmt.Sprintf("%s %s %s", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
			unix.ByteSliceToString(u.Machine[:]))
	}
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	cc := "?"
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control"); err == nil {
		cc = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %s x %d, TCP congestion control %s", kernel, model, runtime.NumCPU(), cc)
}

// loadavg is the 1-minute load average, or "?".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// writeChart writes prefix.json (the data) and prefix.svg (the chart).
func writeChart(prefix string, d chart.Data) error {
	var js, svg bytes.Buffer
	if err := d.WriteJSON(&js); err != nil {
		return err
	}
	if err := d.WriteSVG(&svg); err != nil {
		return err
	}
	if err := os.WriteFile(prefix+".json", js.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(prefix+".svg", svg.Bytes(), 0o644)
}

// redraw draws the chart again from the data a sweep wrote.
func redraw(jsonPath string) error {
	f, err := os.Open(jsonPath)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := chart.ReadJSON(f)
	if err != nil {
		return err
	}
	svgPath := strings.TrimSuffix(jsonPath, ".json") + ".svg"
	var svg bytes.Buffer
	if err := d.WriteSVG(&svg); err != nil {
		return err
	}
	if err := os.WriteFile(svgPath, svg.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: drew %s from %s\n", svgPath, jsonPath)
	return nil
}

// streamRuns keeps the same-CPU stream runs at one size, to print each
// run's rate beside its counts: the cell is bimodal on small machines,
// and the counts say which mode a run was in.
type streamRuns struct {
	size int
	runs map[bench.Transport][]bench.Result
}

func (s *streamRuns) add(r bench.Result) {
	c := r.Config
	if c.Shape != bench.Stream || c.Placement != bench.OneCPU || c.Size != s.size || c.Path != bench.Raw {
		return
	}
	if s.runs == nil {
		s.runs = map[bench.Transport][]bench.Result{}
	}
	s.runs[c.Transport] = append(s.runs[c.Transport], r)
}

// tcpMode names a TCP stream run's mode from its data segments per
// message: writes merged in the send queue, or sent one by one.
func tcpMode(r bench.Result) string {
	if r.Msgs == 0 || r.Counts.TCPDataSegments == 0 {
		return "?"
	}
	if float64(r.Counts.TCPDataSegments)/float64(r.Msgs) < 0.5 {
		return "merged"
	}
	return "one segment per write"
}

func (s *streamRuns) print(order []bench.Transport) {
	if len(s.runs) == 0 {
		return
	}
	fmt.Printf("Stream, same CPU, %d B, run by run (counts per 1000 messages; see `go doc netnotes/internal/bench.Counts`):\n", s.size)
	for _, tr := range order {
		modes := map[string][]float64{}
		for i, r := range s.runs[tr] {
			mode := ""
			if tr == bench.TCP {
				mode = tcpMode(r)
				modes[mode] = append(modes[mode], r.MsgsPerSec())
				mode = " [" + mode + "]"
			}
			fmt.Printf("  %-6s #%d %9.0f msgs/s %5.0f CPU ns/msg  %s%s\n", tr, i+1, r.MsgsPerSec(),
				float64(r.Counts.CPU.Nanoseconds())/float64(max(r.Msgs, 1)), r.Counts.PerKiloMsg(r.Msgs), mode)
		}
		for mode, rates := range modes {
			fmt.Printf("  %-6s mode %q: %d of %d runs, median %.0f msgs/s\n", tr, mode, len(rates), len(s.runs[tr]), stats.Median(rates))
		}
	}
}

func nowUTC() string { return time.Now().UTC().Format("2006-01-02 15:04 UTC") }

// printLatency prints the round trips' percentiles per placement, size
// and transport: the median over the repeats of each run's p50, p99 and
// p99.9 (and their range).
func printLatency(c *bench.Comparison, trs []bench.Transport) {
	fmt.Printf("Round-trip latency, µs (each run's percentiles of every round trip timed, HdrHistogram; median of the %s repeats, range in brackets):\n", "interleaved")
	fmt.Printf("%-9s %6s %-6s %22s %22s %22s\n", "placement", "size", "tr", "p50", "p99", "p99.9")
	for _, cell := range c.Cells {
		if cell.Shape != bench.RoundTrip {
			continue
		}
		for _, tr := range trs {
			ls := c.LatencyOf(tr, cell)
			if len(ls) == 0 {
				continue
			}
			fmt.Printf("%-9s %6d %-6s", cell.Placement, cell.Size, tr)
			for i := range ls[0].Values() {
				var us []float64
				for _, l := range ls {
					us = append(us, float64(l.Values()[i].Nanoseconds())/1e3)
				}
				fmt.Printf(" %8.1f (%5.1f-%6.1f)", stats.Median(us), slices.Min(us), slices.Max(us))
			}
			fmt.Println()
		}
	}
}

// printConnect prints the connection note's measurement and verdict.
func printConnect(f bench.ConnectFacts) {
	fmt.Printf("Connections (beside U4): connect + accept + first byte + close, UDS against TCP over 127.0.0.1, one at a time\n")
	for _, c := range f.Cells {
		fmt.Printf("  %-9s uds %8.0f/s  tcp %8.0f/s  uds/tcp %s (pairs %v)  CPU per connection %.1f vs %.1f µs\n", c.Placement,
			c.RateUDS, c.RateTCP, c.Interval(), c.Ratios, c.CPUUDS/1e3, c.CPUTCP/1e3)
	}
	fnd := bench.JudgeConnect(f)
	fmt.Printf("  \"UDS needs no handshake, so connecting is cheaper\": %s — %s\n", fnd.Verdict, fnd.Evidence)
}
