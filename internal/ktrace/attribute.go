package ktrace

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A tracepoint fires for every network namespace on the machine, and no
// filter can name one: every namespace's loopback is "lo", and the net
// events carry no namespace. A length that "no other traffic has" is a
// hope, not a fact: the uds chapter's TCP streams, run beside the loopback
// chapter by go test, send lo frames of every length in the notes' ranges.
// What a test can attribute is what its own thread did, so it sends on one
// thread it knows (Tracer.OnThread) and keeps the events that thread
// caused (Tracer.CausedBy).
//
// Which thread is the test's is told by the trace itself, not by gettid:
// the pid an event carries is the kernel's (the initial PID namespace's),
// and gettid answers in the caller's PID namespace, which in a container
// or a pod is another numbering, where the same number names some other
// thread or none. The thread writes a mark of its own to the instance's
// trace_marker; the kernel records it as an event of the writing thread,
// with that thread's pid in the trace's numbering, beside every other
// event. So the mark tells the thread's trace pid in any PID namespace.

// markPrefix starts every mark OnThread writes; the event that records a
// mark is tracing_mark_write, its text the mark.
const (
	markPrefix = "netnotes-thread "
	markEvent  = "tracing_mark_write"
)

// Thread is the OS thread a test did its work on, marked in the trace.
type Thread struct {
	mark string
	err  error // the mark could not be written
}

// OnThread runs f locked to one OS thread, and marks that thread in the
// trace: before f and after it, the thread writes its mark to the
// instance's trace_marker, which the trace records as an event of that
// thread (twice, so that a buffer that overwrote its oldest events still
// holds one). Call it while the tracer records (between Start and Stop).
// f must leave the thread's namespaces as it found them: the thread is
// unlocked afterwards and goes back to the Go scheduler. On a nil Tracer
// (a note that cannot trace here) OnThread only runs f.
//
// OnThread may run on any goroutine: a mark that could not be written is
// reported by CausedBy and PID, not here.
func (tr *Tracer) OnThread(f func()) Thread {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if tr == nil {
		f()
		return Thread{err: errors.New("no tracer")}
	}
	th := Thread{mark: markPrefix + strconv.FormatUint(tr.marks.Add(1), 10)}
	th.err = tr.mark(th.mark)
	f()
	if err := tr.mark(th.mark); th.err == nil {
		th.err = err
	}
	return th
}

// mark writes text to the instance's trace_marker from the calling thread.
func (tr *Tracer) mark(text string) error {
	if _, err := unix.Write(tr.markerFD, []byte(text)); err != nil {
		// EBADF: tracing is off in the instance (no Start).
		return fmt.Errorf("writing the thread's mark to trace_marker: %w", err)
	}
	return nil
}

// PID returns the thread's pid as the trace numbers it, read from the
// thread's mark in what Stop recorded: the kernel's pid, whatever PID
// namespace the test runs in. It is an error when no trace held a mark of
// the thread: then nothing in it can be told to be the thread's.
func (tr *Tracer) PID(th Thread) (int, error) {
	if th.err != nil {
		return 0, fmt.Errorf("cannot tell this test's events from other processes': %w", th.err)
	}
	if pid, ok := tr.marked[th.mark]; ok {
		return pid, nil
	}
	return 0, fmt.Errorf("cannot tell this test's events from other processes': the trace holds no mark %q of the thread that did the work (the instance's ring buffer overwrote it?)", th.mark)
}

// CausedBy splits events (what Stop returned) into those the marked thread
// caused and the others (the package function CausedBy), with the thread's
// pid read from its mark. A trace without the thread's mark fails the test:
// what the note would count from it could be other processes' events.
func (tr *Tracer) CausedBy(t testing.TB, events []Event, th Thread) (caused, others []Event) {
	t.Helper()
	pid, err := tr.PID(th)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return CausedBy(events, pid)
}

// Marks takes the marks (OnThread's) out of events: it returns the other
// events, in order, and for each mark the pid of the thread that wrote it,
// in the trace's numbering.
func Marks(events []Event) (rest []Event, pids map[string]int) {
	pids = map[string]int{}
	for _, e := range events {
		if e.Name == markEvent && strings.HasPrefix(e.Text, markPrefix) {
			pids[strings.TrimSpace(e.Text)] = e.PID
			continue
		}
		rest = append(rest, e)
	}
	return rest, pids
}

// CausedBy splits events, in the order the trace recorded them, into those
// the thread with trace pid pid caused and the others. An event is the thread's when it fired in the thread's own
// context (process context: a transmit on lo, which the sending system
// call makes itself), or when it carries the skb (skbaddr) of such an
// earlier event: the same packet further along, as netif_receive_skb in
// the softirq, whether that ran on the thread's way out of the transmit or
// in ksoftirqd. An interrupt that merely found the thread running proves
// nothing, so an event in one counts only through its skb. Each of the
// thread's packets is followed once per event name, and an address that
// shows up in an event the packet has already had is taken to be another
// packet's, reusing the freed skb: from then on it is not followed.
func CausedBy(events []Event, pid int) (caused, others []Event) {
	// For each skb address of the thread's, the event names its packet
	// has had so far.
	had := map[string]map[string]bool{}
	for _, e := range events {
		skb := e.Field("skbaddr")
		if e.PID == pid && e.InProcessContext() {
			caused = append(caused, e)
			if skb == "" {
				continue
			}
			if had[skb] == nil || had[skb][e.Name] {
				had[skb] = map[string]bool{} // a new packet at this address
			}
			had[skb][e.Name] = true
			continue
		}
		if names := had[skb]; skb != "" && names != nil && !names[e.Name] {
			names[e.Name] = true
			caused = append(caused, e)
			continue
		}
		delete(had, skb)
		others = append(others, e)
	}
	return caused, others
}
