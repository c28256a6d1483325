package main

import (
	"os"
	"os/exec"
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

// Side by side, each program stops itself before its timed part and then
// runs in turns until it ends; a program that ends before stopping (it
// failed to set up) is an error, and nothing of it is left behind.
func TestSideBySideRunsEachInTurnsToTheEnd(t *testing.T) {
	cpu, err := bench.PinCPU()
	if err != nil {
		t.Fatal(err)
	}
	start := func(cmd *exec.Cmd) error { return cmd.Start() }
	// Each counts to 2000 in its turns, after stopping itself.
	counting := func(name string) *exec.Cmd {
		return exec.Command("sh", "-c", `kill -STOP $$; i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; echo `+name)
	}
	outs, usages, err := sideBySide(t.TempDir(), cpu, []*exec.Cmd{counting("c"), counting("go")}, start)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{string(outs[0]), string(outs[1])}; !slices.Equal(got, []string{"c\n", "go\n"}) {
		t.Errorf("outputs %q; want each program's own", got)
	}
	if len(usages) != 2 {
		t.Errorf("%d rusages; want one per program", len(usages))
	}

	failed := exec.Command("sh", "-c", "exit 3")
	if _, _, err := sideBySide(t.TempDir(), cpu, []*exec.Cmd{counting("c"), failed}, start); err == nil {
		t.Error("a program that ended before its timed part was not reported")
	}
}

// A killed run's work directory is swept by the next: its pid names a
// process that is gone, or a zombie nobody reaped.
func TestAliveTellsAKilledRunFromALiveOne(t *testing.T) {
	if !alive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if alive(cmd.Process.Pid) {
		t.Errorf("pid %d of an ended, reaped process is alive", cmd.Process.Pid)
	}
}
