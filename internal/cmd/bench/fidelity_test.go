package main

import (
	"slices"
	"testing"

	"netnotes/internal/bench"
)

// run is a made-up 100 B TCP stream run of 1000 messages with segs data
// segments.
func run(segs int64) bench.Result {
	return bench.Result{Msgs: 1000, Counts: bench.Counts{TCPDataSegments: segs}}
}

func TestCellsCompareModeAgainstMode(t *testing.T) {
	// C merged in every repeat; Go merged but in repeat 2, where it sent a
	// segment per write: that repeat is left out, not averaged in.
	c := []bench.Result{run(40), run(35), run(38), run(41), run(36)}
	g := []bench.Result{run(42), run(39), run(990), run(44), run(40)}
	_, _, mode := sameMode(c, g)
	if mode != "merged" {
		t.Fatalf("mode %q, want merged", mode)
	}
	if got := inMode(c, g, mode); !slices.Equal(got, []int{0, 1, 3, 4}) {
		t.Errorf("repeats compared %v, want [0 1 3 4]", got)
	}
	// No run of C's in Go's mode: nothing to compare.
	perWrite := []bench.Result{run(1000), run(1000)}
	if _, _, mode := sameMode(perWrite, []bench.Result{run(40), run(40)}); mode != "none common" {
		t.Errorf("mode %q, want none common", mode)
	}
	// UDS runs have no TCP counts: one mode, "".
	uds := []bench.Result{{Msgs: 1000}, {Msgs: 1000}}
	if _, _, mode := sameMode(uds, uds); mode != "" {
		t.Errorf("UDS mode %q, want none", mode)
	}
}
