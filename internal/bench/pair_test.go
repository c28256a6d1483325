package bench

import (
	"testing"
	"time"

	"netnotes/internal/bench/turn"

	"golang.org/x/sys/unix"
)

// A pair times both sides for about the duration asked, each side's
// result is its own (its transport, its messages, its CPU time on the
// raw path), and the peers end cleanly: for every path and shape, UDS
// beside TCP, and a pipe beside UDS (a pipe's peer reads from one
// descriptor and answers on another).
func TestMeasurePairTimesBothSidesInChunks(t *testing.T) {
	const d = 30 * time.Millisecond
	for _, path := range []Path{Raw, NetConn} {
		for _, shape := range []Shape{RoundTrip, Stream} {
			for _, trs := range [][2]Transport{{UDS, TCP}, {Pipe, UDS}} {
				a := Config{Shape: shape, Path: path, Placement: OneCPU, Transport: trs[0], Size: 1000}
				b := a
				b.Transport = trs[1]
				if a.Validate() != nil || b.Validate() != nil {
					continue
				}
				ra, rb, err := MeasurePair(a, b, d)
				if err != nil {
					t.Errorf("%s beside %s: %v", a, b.Transport, err)
					continue
				}
				for _, r := range []Result{ra, rb} {
					if r.Msgs <= 0 || r.Elapsed < d || r.Elapsed > 20*d {
						t.Errorf("%s in a pair: %d messages in %v; want some, in about %v", r.Config, r.Msgs, r.Elapsed, d)
					}
					if path == Raw && r.Counts.CPU <= 0 {
						t.Errorf("%s in a pair: no CPU time counted", r.Config)
					}
				}
				if ra.Config.Transport != a.Transport || rb.Config.Transport != b.Transport {
					t.Errorf("results for %s and %s; want %s and %s", ra.Config.Transport, rb.Config.Transport, a.Transport, b.Transport)
				}
			}
		}
	}
}

// A stream's chunk ends when the peer has read it all: the peer answers
// a marked message, and only that one, with one byte.
func TestStreamPeerAnswersTheMarkedMessage(t *testing.T) {
	err := onOwnGoroutine(func() error {
		s, err := startSession(Config{Shape: Stream, Path: Raw, Placement: Free, Transport: UDS, Size: 100, Warmup: 1})
		if err != nil {
			return err
		}
		defer s.Close()
		for range 100 {
			if err := s.Op(); err != nil {
				return err
			}
		}
		if err := s.syncOp(); err != nil {
			return err
		}
		if s.buf[0] != 0 {
			t.Errorf("the buffer kept the mark: first byte %d", s.buf[0])
		}
		// No other answer follows (an early one, to an unmarked message,
		// would have left the marked message's answer to come).
		fds := []unix.PollFd{{Fd: int32(s.rfd), Events: unix.POLLIN}}
		if n, err := unix.Poll(fds, 100); err != nil {
			return err
		} else if n != 0 {
			t.Errorf("another answer waits after the marked message's")
		}
		return s.Finish()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Where the peer's schedstat cannot be read (a kernel without
// CONFIG_SCHED_INFO), a run reports no CPU time rather than the client's
// half of it, and the judges decide by msgs/s.
func TestSchedstatUnreadableGivesNoCPUTime(t *testing.T) {
	if d, ok := parseSchedstat([]byte("123456 789 10\n")); !ok || d != 123456 {
		t.Errorf("parseSchedstat = %v, %v; want 123456ns, true", d, ok)
	}
	for _, bad := range []string{"", "x 1 2"} {
		if _, ok := parseSchedstat([]byte(bad)); ok {
			t.Errorf("parseSchedstat(%q) read a time", bad)
		}
	}
	if _, ok := schedstatCPU("/proc/self/task/0/schedstat"); ok {
		t.Error("schedstatCPU read a file that does not exist")
	}
	sd := &pairSide{noCPU: true, cpu: time.Second, s: &session{}}
	if r := sd.result(); r.Counts.CPU != 0 {
		t.Errorf("a side with an unreadable chunk reports %v of CPU; want none", r.Counts.CPU)
	}
}

// turnLog is turnTaking that gives every turn at once and writes down what
// the measurement said, and when it waited.
type turnLog struct {
	said  []turn.Yield
	waits int
	fail  error // returned by the third Wait, if set
}

func (l *turnLog) Wait() error {
	l.waits++
	if l.fail != nil && l.waits == 3 {
		return l.fail
	}
	return nil
}

func (l *turnLog) Yield(y turn.Yield) error {
	l.said = append(l.said, y)
	return nil
}

// In turns, a measurement says Ready once warmed up, waits before each
// chunk, says ChunkDone after each but the last and Ended after the
// last, and is timed for about the duration asked; a turn that cannot be
// had ends it with an error and nothing left running.
func TestMeasureInTurnsTakesATurnPerChunk(t *testing.T) {
	const d, chunk = 20 * time.Millisecond, 2 * time.Millisecond
	for _, shape := range []Shape{RoundTrip, Stream} {
		c := Config{Shape: shape, Path: Raw, Placement: OneCPU, Transport: UDS, Size: 100}
		var log turnLog
		r, err := measureInTurns(c, d, chunk, &log)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if r.Msgs <= 0 || r.Elapsed < d || r.Counts.CPU <= 0 {
			t.Errorf("%s in turns: %d messages, %v timed, %v CPU; want some in at least %v", c, r.Msgs, r.Elapsed, r.Counts.CPU, d)
		}
		n := len(log.said)
		if n < 3 || log.said[0] != turn.Ready || log.said[n-1] != turn.Ended {
			t.Fatalf("%s said %q; want r, then c per chunk, then e", c, log.said)
		}
		for _, y := range log.said[1 : n-1] {
			if y != turn.ChunkDone {
				t.Errorf("%s said %q between its chunks; want c", c, y)
			}
		}
		if log.waits != n-1 {
			t.Errorf("%s waited %d times for %d chunks", c, log.waits, n-1)
		}
		// Chunks of about 2 ms make about 10 turns in 20 ms.
		if chunks := n - 1; chunks < 5 || chunks > 11 {
			t.Errorf("%s took %d turns for %v in chunks of %v", c, chunks, d, chunk)
		}
	}

	c := Config{Shape: Stream, Path: Raw, Placement: OneCPU, Transport: TCP, Size: 100}
	gone := &turnLog{fail: unix.EPIPE}
	// Ten times as long, so that the third turn comes even when a loaded
	// machine stretches the first chunks (at a load average of 22, two
	// chunks of 2 ms took the whole 20 ms now and then).
	if _, err := measureInTurns(c, 10*d, chunk, gone); err == nil {
		t.Error("a turn that failed did not end the measurement with an error")
	}
	if len(gone.said) > 0 && gone.said[len(gone.said)-1] == turn.Ended {
		t.Errorf("it said %q after its turns failed", gone.said)
	}
}

// pipeTurns reads a turn from one pipe and writes its word to another; a
// closed turn pipe (the controller gone) is an error, not a hang.
func TestPipeTurnsWaitsAndSays(t *testing.T) {
	var given, word [2]int
	if err := unix.Pipe2(given[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Pipe2(word[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range []int{given[0], given[1], word[0], word[1]} {
			unix.Close(fd)
		}
	})
	turns := pipeTurns{given[0], word[1]}
	if _, err := unix.Write(given[1], []byte{'g'}); err != nil {
		t.Fatal(err)
	}
	if err := turns.Wait(); err != nil {
		t.Fatalf("a turn given: %v", err)
	}
	if err := turns.Yield(turn.ChunkDone); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, err := unix.Read(word[0], b[:]); err != nil || n != 1 || turn.Yield(b[0]) != turn.ChunkDone {
		t.Errorf("said %q (%d bytes, %v); want %q", b[:n], n, err, turn.ChunkDone)
	}
	unix.Close(given[1])
	given[1] = -1
	if err := turns.Wait(); err == nil {
		t.Error("a closed turn pipe gave a turn")
	}
}
