package ktrace_test

import (
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

func TestOnThreadReportsTheCallersThread(t *testing.T) {
	var inside int
	tid := ktrace.OnThread(func() { inside = unix.Gettid() })
	assert.Equal(t, inside, tid)
	assert.NotZero(t, tid)
}
