package bench

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// cProgram is the yardstick: a minimal C program that runs the raw path's
// experiment (blocking read/write loops, peer fork()ed) with nothing in
// between. See testdata/pingpong.c.
//
//go:embed testdata/pingpong.c
var cProgram []byte

// CompileC compiles the yardstick with the C compiler cc into dir and
// returns the executable's path.
func CompileC(cc, dir string) (string, error) {
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

// CCommand is the command that runs the yardstick on c for about d after
// its warm-up, both processes on PinCPU's CPU for OneCPU; it prints one
// line, which ParseC reads.
func CCommand(bin string, c Config, d time.Duration) (*exec.Cmd, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Path != Raw || c.Transport == TCPHostAddr || c.InNetns != nil {
		return nil, fmt.Errorf("bench: the C yardstick runs the raw path over uds, uds-seqpacket or tcp only, not %s", c)
	}
	cpu := -1
	if c.Placement == OneCPU {
		var err error
		if cpu, err = PinCPU(); err != nil {
			return nil, err
		}
	}
	return exec.Command(bin, string(c.Transport), string(c.Shape), strconv.Itoa(c.Size),
		strconv.FormatFloat(d.Seconds(), 'f', 3, 64), strconv.Itoa(cpu), strconv.Itoa(warmup(c))), nil
}

// ParseC reads the yardstick's line: what it measured of c.
func ParseC(c Config, out []byte) (Result, error) {
	var msgs, cpuNS, segs, segsIn, sndbuf, rcvbuf int64
	var secs float64
	var cc string
	if _, err := fmt.Sscanf(string(out), "msgs %d secs %g cpu_ns %d data_segs %d segs_in %d cc %s sndbuf %d rcvbuf %d",
		&msgs, &secs, &cpuNS, &segs, &segsIn, &cc, &sndbuf, &rcvbuf); err != nil {
		return Result{}, fmt.Errorf("the C yardstick printed %q: %w", out, err)
	}
	counts := Counts{CPU: time.Duration(cpuNS)}
	if c.Transport == TCP {
		counts.TCPDataSegments, counts.TCPSegmentsIn, counts.TCPCongestion = segs, segsIn, cc
	}
	return Result{Config: c, Msgs: msgs, Elapsed: time.Duration(secs * float64(time.Second)), Counts: counts}, nil
}

// TCPMode names a TCP stream run's mode from the data segments its client
// sent per message: "merged" (writes appended to an unsent segment, under
// 0.5 segments a message) or "per-write" (about a segment per write); ""
// when the run has no TCP counts (UDS, or no TCP_INFO). Runs compare only
// mode against mode: the two modes differ by up to 5x in CPU time per
// message (see the package doc).
func TCPMode(r Result) string {
	if r.Msgs == 0 || r.Counts.TCPDataSegments == 0 {
		return ""
	}
	if float64(r.Counts.TCPDataSegments)/float64(r.Msgs) < 0.5 {
		return "merged"
	}
	return "per-write"
}

// SegsPerKiloMsg is the run's TCP data segments per 1000 messages.
func SegsPerKiloMsg(r Result) float64 {
	return float64(r.Counts.TCPDataSegments) * 1000 / float64(max(r.Msgs, 1))
}
