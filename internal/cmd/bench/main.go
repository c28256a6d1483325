// Command bench runs the performance notes in full and prints the ratio
// table and the verdicts on claims U8 and L4 (`make bench`), or compares
// the engine with a minimal C program (`make bench-fidelity`).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"netnotes/internal/bench"
)

func main() {
	reps := flag.Int("reps", 5, "interleaved repeats of every measurement (at least 5 for verdicts)")
	each := flag.Duration("time", 500*time.Millisecond, "length of one timed measurement, after warm-up")
	sizes := flag.String("sizes", "", "comma-separated message sizes (default: the full sweep, 64 to 65536)")
	fid := flag.Bool("fidelity", false, "compare the raw path with a minimal C program instead of the sweep")
	flag.Parse()
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
		err = sweep(*reps, *each, sz)
	}
	if err != nil {
		clearProgress()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var lastProgress time.Time

// progress overwrites one status line on stderr (at most 10 times a second).
func progress(what string, done, total int, current string) {
	if time.Since(lastProgress) < 100*time.Millisecond && done < total {
		return
	}
	lastProgress = time.Now()
	fmt.Fprintf(os.Stderr, "\r\033[K%s %d/%d %s", what, done, total, current)
}

func clearProgress() { fmt.Fprint(os.Stderr, "\r\033[K") }

func median(xs []float64) float64 { return bench.Median(xs) }

func pairRange(a, b []float64) (lo, hi float64) {
	r := bench.Ratios(a, b)
	return r.Min, r.Max
}

func sweep(reps int, each time.Duration, sizes []int) error {
	return fmt.Errorf("not yet")
}
