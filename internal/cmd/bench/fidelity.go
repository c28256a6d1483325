package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
)

// fidelity compares the engine's raw path with the C yardstick, both peers
// on one CPU, interleaved: for each repeat and cell, C and Go back to back
// (alternating which goes first).
func fidelity(reps int, d time.Duration, sizes []int) error {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return fmt.Errorf("the fidelity check needs a C compiler (cc) on PATH: install gcc or clang")
	}
	dir, err := os.MkdirTemp("", "nnbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := bench.CompileC(cc, dir)
	if err != nil {
		return err
	}
	type key struct {
		shape     bench.Shape
		transport bench.Transport
		size      int
	}
	var cells []key
	for _, shape := range []bench.Shape{bench.RoundTrip, bench.Stream} {
		for _, size := range sizes {
			for _, tr := range []bench.Transport{bench.UDS, bench.TCP} {
				cells = append(cells, key{shape, tr, size})
			}
		}
	}
	goRates := map[key][]float64{}
	cRates := map[key][]float64{}
	// CPU time per message in the timed part, ns, one per repeat.
	goCPU := map[key][]float64{}
	cCPU := map[key][]float64{}
	goCost := map[key]*cost{}
	cCost := map[key]*cost{}
	total := reps * len(cells) * 2
	done := 0
	for rep := range reps {
		for i, k := range cells {
			cfg := bench.Config{Shape: k.shape, Path: bench.Raw, Placement: bench.OneCPU, Transport: k.transport, Size: k.size}
			order := []string{"c", "go"}
			if (rep+i)%2 == 1 {
				order = []string{"go", "c"}
			}
			for _, who := range order {
				var r bench.Result
				var err error
				before := usage()
				if who == "c" {
					r, err = bench.MeasureC(bin, cfg, d)
				} else {
					r, err = bench.Measure(cfg, d)
				}
				spent := usage().sub(before)
				costs := goCost
				if who == "c" {
					costs = cCost
				}
				if costs[k] == nil {
					costs[k] = &cost{}
				}
				costs[k].add(spent, r.Msgs)
				if err != nil {
					return fmt.Errorf("%s (%s): %w", cfg, who, err)
				}
				perMsg := float64(r.Counts.CPU.Nanoseconds()) / float64(max(r.Msgs, 1))
				if who == "c" {
					cRates[k] = append(cRates[k], r.MsgsPerSec())
					cCPU[k] = append(cCPU[k], perMsg)
				} else {
					goRates[k] = append(goRates[k], r.MsgsPerSec())
					goCPU[k] = append(goCPU[k], perMsg)
				}
				done++
				progress("fidelity", done, total, cfg.String()+" "+who)
			}
		}
	}
	clearProgress()
	fmt.Printf("Fidelity: raw path (Go engine) versus a minimal C program (cc %s), both peers on CPU %d, %d interleaved repeats of %v.\n", cc, mustCPU(), reps, d)
	fmt.Printf("%-10s %6s %-5s %12s %12s %14s\n", "shape", "size", "tr", "C msgs/s", "Go msgs/s", "Go/C (range)")
	for _, k := range cells {
		c, g := median(cRates[k]), median(goRates[k])
		lo, hi := pairRange(goRates[k], cRates[k])
		fmt.Printf("%-10s %6d %-5s %12.0f %12.0f %6.2f (%.2f-%.2f)\n", k.shape, k.size, k.transport, c, g, g/c, lo, hi)
	}
	fmt.Printf("CPU time per message in the timed part (both peers; C's and Go's own clocks and /proc/PID/schedstat):\n")
	fmt.Printf("it barely moves with other load, so C/Go by it is the fidelity figure on a shared machine.\n")
	fmt.Printf("%-10s %6s %-5s %12s %12s %16s\n", "shape", "size", "tr", "C ns/msg", "Go ns/msg", "C/Go (range)")
	for _, k := range cells {
		c, g := median(cCPU[k]), median(goCPU[k])
		lo, hi := pairRange(cCPU[k], goCPU[k])
		fmt.Printf("%-10s %6d %-5s %12.0f %12.0f %6.2f (%.2f-%.2f)\n", k.shape, k.size, k.transport, c, g, c/g, lo, hi)
	}
	fmt.Printf("Where the time goes (per message, whole run incl. warm-up and setup; both processes; getrusage):\n")
	fmt.Printf("%-10s %6s %-5s %22s %22s %22s\n", "shape", "size", "tr", "user µs C / Go", "sys µs C / Go", "ctx switches C / Go")
	for _, k := range cells {
		c, g := cCost[k], goCost[k]
		fmt.Printf("%-10s %6d %-5s %10.3f / %-9.3f %10.3f / %-9.3f %10.3f / %-9.3f\n", k.shape, k.size, k.transport,
			c.userPerMsg(), g.userPerMsg(), c.sysPerMsg(), g.sysPerMsg(), c.switchesPerMsg(), g.switchesPerMsg())
	}
	fmt.Printf("UDS/TCP ratio, C versus Go, from msgs/s and from CPU time per message (TCP's over UDS's):\n")
	for _, k := range cells {
		if k.transport != bench.UDS {
			continue
		}
		t := key{k.shape, bench.TCP, k.size}
		rc := median(cRates[k]) / median(cRates[t])
		rg := median(goRates[k]) / median(goRates[t])
		cc := median(cCPU[t]) / median(cCPU[k])
		cg := median(goCPU[t]) / median(goCPU[k])
		fmt.Printf("%-10s %6d   rate: C %.2fx Go %.2fx Go/C %.2f   CPU: C %.2fx Go %.2fx Go/C %.2f\n", k.shape, k.size, rc, rg, rg/rc, cc, cg, cg/cc)
	}
	return nil
}

func mustCPU() int {
	cpu, _ := bench.PinCPU()
	return cpu
}

// rusage sums this process (every thread) and its waited-for children:
// the Go harness and its peer process, or the C program and its child.
type rusage struct {
	user, sys time.Duration
	switches  int64
}

func usage() rusage {
	var self, kids unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &self)
	_ = unix.Getrusage(unix.RUSAGE_CHILDREN, &kids)
	tv := func(t unix.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return rusage{
		user:     tv(self.Utime) + tv(kids.Utime),
		sys:      tv(self.Stime) + tv(kids.Stime),
		switches: self.Nvcsw + self.Nivcsw + kids.Nvcsw + kids.Nivcsw,
	}
}

func (a rusage) sub(b rusage) rusage {
	return rusage{a.user - b.user, a.sys - b.sys, a.switches - b.switches}
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
