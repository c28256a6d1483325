package bench

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"netnotes/internal/bench/affinity"

	"golang.org/x/sys/unix"
)

// pipePair's ends are pipes, wired client to peer and back.
func TestPipePairCarriesBothWays(t *testing.T) {
	client, server, err := pipePair()
	if err != nil {
		t.Fatal(err)
	}
	defer client.close()
	defer server.close()
	for _, fd := range []int{client.r, client.w, server.r, server.w} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFIFO {
			t.Errorf("descriptor %d: mode %o, not a FIFO", fd, st.Mode)
		}
	}
	for _, dir := range []struct {
		name     string
		from, to int
	}{{"client to peer", client.w, server.r}, {"peer to client", server.w, client.r}} {
		msg := []byte("hello " + dir.name)
		if err := writeFull(dir.from, msg); err != nil {
			t.Fatalf("%s: %v", dir.name, err)
		}
		got := make([]byte, len(msg))
		if _, err := readFull(dir.to, got); err != nil {
			t.Fatalf("%s: %v", dir.name, err)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("%s: read %q; wrote %q", dir.name, got, msg)
		}
	}
}

// A Pipe session's peer process reads from the pipe the client writes to
// and writes to the pipe the client reads from: what runs is a pipe, not
// a socket.
func TestPipeSessionPeerHoldsThePipes(t *testing.T) {
	for _, shape := range []Shape{RoundTrip, Stream} {
		c := Config{Shape: shape, Path: Raw, Placement: Free, Transport: Pipe, Size: 100}
		err := onOwnGoroutine(func() error {
			s, err := startSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			link := func(proc string, fd int) string {
				l, err := os.Readlink(fmt.Sprintf("/proc/%s/fd/%d", proc, fd))
				if err != nil {
					t.Errorf("%s: %v", c, err)
				}
				return l
			}
			// This thread's table: /proc/PID/fd is the main thread's.
			self, peer := "thread-self", fmt.Sprint(s.child.Process.Pid)
			clientW, clientR := link(self, s.wfd), link(self, s.rfd)
			peerR, peerW := link(peer, 3), link(peer, 4)
			if !strings.HasPrefix(clientW, "pipe:") || !strings.HasPrefix(clientR, "pipe:") {
				t.Errorf("%s: client holds %s and %s; want pipes", c, clientW, clientR)
			}
			if clientW != peerR || clientR != peerW || clientW == clientR {
				t.Errorf("%s: client writes %s, reads %s; peer reads %s, writes %s", c, clientW, clientR, peerR, peerW)
			}
			for range 100 {
				if err := s.Op(); err != nil {
					return err
				}
			}
			return s.Finish()
		})
		if err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

// The timed part of a raw session counts both peers' context switches
// and CPU time: with both on one CPU, every round trip hands the CPU to
// the peer and back (each hand-over a block or, when the woken peer
// preempts, a preemption).
func TestMeasureCountsSwitches(t *testing.T) {
	c := Config{Shape: RoundTrip, Path: Raw, Placement: OneCPU, Transport: Pipe, Size: 100}
	r, err := Measure(c, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	sw := r.Counts
	if sw.Switches() < r.Msgs {
		t.Errorf("%d round trips, switches %+v: want at least one a round trip", r.Msgs, sw)
	}
	if sw.CPU <= 0 || sw.CPU > 2*r.Elapsed {
		t.Errorf("CPU time %v over %v of two peers on one CPU", sw.CPU, r.Elapsed)
	}
}

// affinity.MoveOtherThreads keeps the runtime's other threads off the measured CPU
// and gives them their mask back.
func TestMoveOtherThreadsOffTheCPU(t *testing.T) {
	cpu := measuredCPUWithAnother(t)

	restore, err := affinity.MoveOtherThreads(cpu, false)
	if err != nil {
		t.Fatal(err)
	}
	if on, _ := otherThreadsOn(cpu); on != 0 {
		t.Errorf("%d other threads may still run on CPU %d", on, cpu)
	}
	restore()
	if on, _ := otherThreadsOn(cpu); on == 0 {
		t.Errorf("after restore no other thread may run on CPU %d", cpu)
	}
}

// Started on the measured CPU alone (as the peer is under taskset),
// the runtime's other threads have no other CPU in their mask: only
// beyond it can they leave, and the restore gives them the one CPU back.
func TestMoveOtherThreadsBeyondAOneCPUMask(t *testing.T) {
	cpu := measuredCPUWithAnother(t)
	unpin, err := affinity.PinProcess(cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer unpin()

	if _, err := affinity.MoveOtherThreads(cpu, false); err != nil {
		t.Fatal(err)
	}
	if _, off := otherThreadsOn(cpu); off != 0 {
		t.Errorf("within the one-CPU mask: %d threads moved off CPU %d", off, cpu)
	}
	restore, err := affinity.MoveOtherThreads(cpu, true)
	if err != nil {
		t.Fatal(err)
	}
	if on, _ := otherThreadsOn(cpu); on != 0 {
		t.Errorf("beyond the mask: %d other threads may still run on CPU %d", on, cpu)
	}
	restore()
	if _, off := otherThreadsOn(cpu); off != 0 {
		t.Errorf("after restore %d threads may not run on CPU %d", off, cpu)
	}
}

// measuredCPUWithAnother locks the test to its thread and returns the CPU
// the OneCPU placement uses, skipping where no other CPU is usable.
func measuredCPUWithAnother(t *testing.T) int {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	cpu, err := affinity.OneCPU()
	if err != nil {
		t.Fatal(err)
	}
	var mine unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		t.Fatal(err)
	}
	if mine.Count() < 2 {
		t.Skip("one usable CPU: nothing to move the threads to")
	}
	return cpu
}

// otherThreadsOn counts this process's threads but the calling one that
// may run on cpu, and those that may not.
func otherThreadsOn(cpu int) (on, off int) {
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		var set unix.CPUSet
		if tid == unix.Gettid() || unix.SchedGetaffinity(tid, &set) != nil {
			continue
		}
		if set.IsSet(cpu) {
			on++
		} else {
			off++
		}
	}
	return on, off
}

func TestPeerOfAPipeIsAPipe(t *testing.T) {
	got, err := Peer(Config{Shape: Stream, Path: Raw, Placement: Free, Transport: Pipe, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "pipe:[") {
		t.Errorf("Peer(pipe) = %q; want pipe:[inode]", got)
	}
}
