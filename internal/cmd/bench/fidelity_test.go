package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/bench/affinity"
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

// Side by side, each program warms up (says r), then takes its turns on
// descriptor 3, saying c after each, until it says e and ends; a program
// that ends before its timed part, or in the middle of it, is an error,
// and nothing of it is left behind.
func TestSideBySideRunsEachInTurnsToTheEnd(t *testing.T) {
	cpu, err := affinity.OneCPU()
	if err != nil {
		t.Fatal(err)
	}
	start := func(cmd *exec.Cmd) error { return cmd.Start() }
	// Each takes three turns, counting them in a file of its own.
	dir := t.TempDir()
	turnTaking := func(name string, turns int) *exec.Cmd {
		return exec.Command("sh", "-c", `printf r >&4; n=0
while [ $n -lt `+strconv.Itoa(turns)+` ]; do
	head -c1 <&3 >/dev/null; n=$((n+1)); echo turn >>`+filepath.Join(dir, name)+`
	[ $n -lt `+strconv.Itoa(turns)+` ] && printf c >&4
done
printf e >&4; echo `+name)
	}
	outs, usages, err := sideBySide(t.TempDir(), cpu, []*exec.Cmd{turnTaking("c", 3), turnTaking("go", 5)}, start)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{string(outs[0]), string(outs[1])}; !slices.Equal(got, []string{"c\n", "go\n"}) {
		t.Errorf("outputs %q; want each program's own", got)
	}
	if len(usages) != 2 {
		t.Errorf("%d rusages; want one per program", len(usages))
	}
	for name, want := range map[string]int{"c": 3, "go": 5} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if got := strings.Count(string(b), "turn"); got != want {
			t.Errorf("%s took %d turns; want %d", name, got, want)
		}
	}

	failed := exec.Command("sh", "-c", "exit 3")
	if _, _, err := sideBySide(t.TempDir(), cpu, []*exec.Cmd{turnTaking("c2", 3), failed}, start); err == nil {
		t.Error("a program that ended before its timed part was not reported")
	} else {
		t.Log(err)
	}
	quitting := exec.Command("sh", "-c", "printf r >&4; head -c1 <&3 >/dev/null; exit 4")
	if _, _, err := sideBySide(t.TempDir(), cpu, []*exec.Cmd{turnTaking("c3", 3), quitting}, start); err == nil {
		t.Error("a program that ended during its turns was not reported")
	} else {
		t.Log(err)
	}
}

// A program that stops taking part (here: silent after its warm-up) is
// given up on after turnTimeout and killed, its peer with it.
func TestSideBySideGivesUpOnASilentProgram(t *testing.T) {
	cpu, err := affinity.OneCPU()
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { turnTimeout = d }(turnTimeout)
	turnTimeout = 200 * time.Millisecond
	silent := exec.Command("sh", "-c", "printf r >&4; sleep 30 & wait")
	began := time.Now()
	_, _, err = sideBySide(t.TempDir(), cpu, []*exec.Cmd{silent}, func(cmd *exec.Cmd) error { return cmd.Start() })
	if err == nil || !strings.Contains(err.Error(), "said nothing") {
		t.Fatalf("err %v; want that it said nothing", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("giving up took %v", took)
	}
	// Its process group (sleep included) was killed; the sleep, an
	// orphan, is reaped by whoever inherits it, soon.
	deadline := time.Now().Add(5 * time.Second)
	for unix.Kill(-silent.Process.Pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d is still there", silent.Process.Pid)
		}
		time.Sleep(10 * time.Millisecond)
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
