package ktrace

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// A tracepoint fires for every network namespace on the machine, and no
// filter can name one: every namespace's loopback is "lo", and the net
// events carry no namespace. A length that "no other traffic has" is a
// hope, not a fact: the uds chapter's TCP streams, run beside the loopback
// chapter by go test, send lo frames of every length in the notes' ranges.
// What a test can attribute is what its own thread did, so it sends on one
// thread it knows (OnThread) and keeps the events that thread caused
// (CausedBy).

// OnThread runs f locked to one OS thread and returns that thread's id,
// the PID that events fired in its context carry. f must leave the
// thread's namespaces as it found them: the thread is unlocked afterwards
// and goes back to the Go scheduler.
func OnThread(f func()) (tid int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid = unix.Gettid()
	f()
	return tid
}

// CausedBy splits events, in the order the trace recorded them, into those
// thread tid caused and the others. An event is the thread's when it fired
// in the thread's own context (process context: a transmit on lo, which
// the sending system call makes itself), or when it carries the skb
// (skbaddr) of such an earlier event: the same packet further along, as
// netif_receive_skb in the softirq, whether that ran on the thread's way
// out of the transmit or in ksoftirqd. An interrupt that merely found the
// thread running proves nothing, so an event in one counts only through
// its skb. Each of the thread's packets is
// followed once per event name, and an address that shows up in an event
// the packet has already had is taken to be another packet's, reusing the
// freed skb: from then on it is not followed.
func CausedBy(events []Event, tid int) (caused, others []Event) {
	// For each skb address of the thread's, the event names its packet
	// has had so far.
	had := map[string]map[string]bool{}
	for _, e := range events {
		skb := e.Field("skbaddr")
		if e.PID == tid && e.InProcessContext() {
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
