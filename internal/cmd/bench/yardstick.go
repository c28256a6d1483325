package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"netnotes/internal/bench"
	"netnotes/internal/bench/affinity"
)

// cProgram is the yardstick: a minimal C program that runs the raw path's
// experiment (blocking read/write loops, peer fork()ed) with nothing in
// between. See testdata/pingpong.c.
//
//go:embed testdata/pingpong.c
var cProgram []byte

// compileC compiles the yardstick with the C compiler cc into dir and
// returns the executable's path.
func compileC(cc, dir string) (string, error) {
	src := filepath.Join(dir, "pingpong.c")
	if err := os.WriteFile(src, cProgram, 0o600); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pingpong")
	if out, err := exec.Command(cc, "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s -O2 pingpong.c: %v\n%s", cc, err, out)
	}
	return bin, nil
}

// cCommand is the command that runs the yardstick on c for about d after
// its warm-up, both processes on affinity.OneCPU's CPU for OneCPU; it prints one
// line, which parseC reads.
func cCommand(bin string, c bench.Config, d time.Duration) (*exec.Cmd, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Path != bench.Raw || c.Transport == bench.TCPHostAddr || c.InNetns != nil {
		return nil, fmt.Errorf("bench: the C yardstick runs the raw path over uds, uds-seqpacket or tcp only, not %s", c)
	}
	cpu := -1
	if c.Placement == bench.OneCPU {
		var err error
		if cpu, err = affinity.OneCPU(); err != nil {
			return nil, err
		}
	}
	return exec.Command(bin, string(c.Transport), string(c.Shape), strconv.Itoa(c.Size),
		strconv.FormatFloat(d.Seconds(), 'f', 3, 64), strconv.Itoa(cpu), strconv.Itoa(c.WarmupMsgs())), nil
}

// parseC reads the yardstick's line: what it measured of c.
func parseC(c bench.Config, out []byte) (bench.Result, error) {
	var msgs, cpuNS, segs, segsIn, sndbuf, rcvbuf int64
	var secs float64
	var cc string
	if _, err := fmt.Sscanf(string(out), "msgs %d secs %g cpu_ns %d data_segs %d segs_in %d cc %s sndbuf %d rcvbuf %d",
		&msgs, &secs, &cpuNS, &segs, &segsIn, &cc, &sndbuf, &rcvbuf); err != nil {
		return bench.Result{}, fmt.Errorf("the C yardstick printed %q: %w", out, err)
	}
	counts := bench.Counts{CPU: time.Duration(cpuNS)}
	if c.Transport == bench.TCP {
		counts.TCPDataSegments, counts.TCPSegmentsIn, counts.TCPCongestion = segs, segsIn, cc
	}
	return bench.Result{Config: c, Msgs: msgs, Elapsed: time.Duration(secs * float64(time.Second)), Counts: counts}, nil
}
