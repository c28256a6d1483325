package ktrace_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/ktrace"
)

// A trace window as go test makes it on 6.18: the test's thread (pid 100)
// sends two datagrams to 127.0.0.1, the second reusing the first one's skb;
// the first is received on the thread's way out, the second in ksoftirqd.
// Meanwhile another namespace's thread (pid 200) sends a frame of the same
// length on its own lo, and later a frame that reuses the test's address
// after the test's packet was freed; a hardirq that found the test's thread
// running receives a third namespace's packet.
const attributionTrace = `# tracer: nop
        nn.test-100     [000] b....   10.000001: netif_rx: dev=lo skbaddr=00000000aaaa len=1261
        nn.test-100     [000] b....   10.000002: net_dev_xmit: dev=lo skbaddr=00000000aaaa len=1275 rc=0
        nn.test-100     [000] ..s1.   10.000003: netif_receive_skb: dev=lo skbaddr=00000000aaaa len=1261
        uds.test-200    [001] b....   10.000004: net_dev_xmit: dev=lo skbaddr=00000000bbbb len=1275 rc=0
        nn.test-100     [000] b....   10.000005: netif_rx: dev=lo skbaddr=00000000aaaa len=1261
        nn.test-100     [000] b....   10.000006: net_dev_xmit: dev=lo skbaddr=00000000aaaa len=1275 rc=0
     ksoftirqd/0-15     [000] ..s1.   10.000007: netif_receive_skb: dev=lo skbaddr=00000000aaaa len=1261
        uds.test-200    [001] b....   10.000008: netif_rx: dev=lo skbaddr=00000000aaaa len=1261
        uds.test-200    [001] ..s1.   10.000009: netif_receive_skb: dev=lo skbaddr=00000000aaaa len=1261
        nn.test-100     [000] d.h1.   10.000010: netif_rx: dev=lo skbaddr=00000000cccc len=1261
`

func TestCausedByFollowsTheThreadsPackets(t *testing.T) {
	events, err := ktrace.Parse(strings.NewReader(attributionTrace))
	require.NoError(t, err)
	require.Len(t, events, 10)

	caused, others := ktrace.CausedBy(events, 100)

	times := func(evs []ktrace.Event) []float64 {
		var ts []float64
		for _, e := range evs {
			ts = append(ts, e.Time)
		}
		return ts
	}
	assert.Equal(t, []float64{10.000001, 10.000002, 10.000003, 10.000005, 10.000006, 10.000007}, times(caused),
		"the thread's own transmits, and each packet's receive wherever it ran")
	assert.Equal(t, []float64{10.000004, 10.000008, 10.000009, 10.000010}, times(others),
		"another thread's frame, a reused address, and a hardirq's packet are not the thread's")
}

// A thread that caused nothing in the window has no events, even when the
// window is full of frames of the length it would have sent.
func TestCausedByNothingFromAnIdleThread(t *testing.T) {
	events, err := ktrace.Parse(strings.NewReader(attributionTrace))
	require.NoError(t, err)
	caused, others := ktrace.CausedBy(events, 300)
	assert.Empty(t, caused)
	assert.Len(t, others, len(events))
}

// The same window as a container gives it (podman run --privileged, its
// own PID namespace): the test's thread is 7 there (what gettid says) and
// 26860 in the trace, which numbers every event in the initial PID
// namespace. On the host, 7 is another thread, here one sending frames of
// the same length on its own lo. The thread's mark, written from it to the
// instance's trace_marker, carries 26860, and with it the attribution
// holds; gettid's 7 would count the other thread's frames as the test's
// and none of its own (the verdicts the issue saw: L2 refuted, L5/lo
// undecided).
const containerTrace = `# tracer: nop
           <...>-26860   [000] ...1.   20.000001: tracing_mark_write: netnotes-thread 1
           <...>-26860   [000] b....   20.000002: net_dev_xmit: dev=lo skbaddr=00000000aaaa len=1275 rc=0
           <...>-26860   [000] ..s1.   20.000003: netif_receive_skb: dev=lo skbaddr=00000000aaaa len=1261
       kworker/0-7       [001] b....   20.000004: net_dev_xmit: dev=lo skbaddr=00000000bbbb len=1275 rc=0
           <...>-26860   [000] b....   20.000005: net_dev_xmit: dev=lo skbaddr=00000000cccc len=1275 rc=0
     ksoftirqd/0-15      [000] ..s1.   20.000006: netif_receive_skb: dev=lo skbaddr=00000000cccc len=1261
       kworker/0-7       [001] ..s1.   20.000007: netif_receive_skb: dev=lo skbaddr=00000000bbbb len=1261
           <...>-26860   [000] ...1.   20.000008: tracing_mark_write: netnotes-thread 1
`

func TestMarksTellTheThreadsTracePIDInAnyPIDNamespace(t *testing.T) {
	events, err := ktrace.Parse(strings.NewReader(containerTrace))
	require.NoError(t, err)
	events, marks := ktrace.Marks(events)
	require.Len(t, events, 6, "the marks are taken out")
	assert.Equal(t, map[string]int{"netnotes-thread 1": 26860}, marks)

	caused, others := ktrace.CausedBy(events, marks["netnotes-thread 1"])
	assert.Len(t, caused, 4, "the thread's two frames, each received")
	assert.Len(t, others, 2, "the host's thread 7")

	const gettid = 7 // what the thread is in its container's PID namespace
	wrong, _ := ktrace.CausedBy(events, gettid)
	assert.Len(t, wrong, 2, "by the namespace's number, another thread's frames would pass for the test's")
	for _, e := range wrong {
		assert.NotEqual(t, 26860, e.PID)
	}
}

func TestOnThreadRunsOnOneLockedThread(t *testing.T) {
	var tr *ktrace.Tracer // no tracer: OnThread only runs f
	var before, after int
	tr.OnThread(func() {
		before = unix.Gettid()
		runtime.Gosched()
		after = unix.Gettid()
	})
	assert.NotZero(t, before)
	assert.Equal(t, before, after, "f stays on one thread")
}
