//go:build linux && sudo

package uds_test

import (
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// transferSize is what each transport carries while the tracer watches.
const transferSize = 1 << 20

// The notes: "UDS does not depend on the network protocol stack; the kernel
// passes data between processes directly."
//
// Inside a private namespace, 1 MiB crosses a UDS, then (the control) the
// same over TCP to 127.0.0.1. lo's counters and the net:* tracepoints,
// counted for this process's threads in process context (where a UDS write
// would have to raise them: it runs no softirq), tell the two apart.
// equiv: ip -s link show lo; perf stat -e 'net:*' ./uds_demo
func TestU3_UDSBypassesTheNetworkStack(t *testing.T) {
	v := claims.Check(t, "U3")
	ns := sandbox.New(t)
	// The tracepoint half needs real root; lo's counters do not.
	traced, noTrace := gate.CanTrace()
	var tr *ktrace.Tracer
	if traced {
		tr = ktrace.New(t)
		comm := ownComm(t)
		filter := fmt.Sprintf(`comm == "%s"`, comm) // less noise from other processes
		tr.Enable(t, "net", filter, false)
		tr.Enable(t, "skb/consume_skb", filter, false)
	}

	path := filepath.Join(socketDir(t), "stack.sock")
	udsServer, udsClient := connectedPair(t, ns, "unix", path)
	tcpServer, tcpClient := connectedPair(t, ns, "tcp", "127.0.0.1:0")

	measure := func(server, client net.Conn) (sandbox.Counters, []ktrace.Event) {
		before := ns.Counters(t, "lo")
		if traced {
			tr.Start(t)
		}
		moved, err := transfer(server, client)
		var events []ktrace.Event
		if traced {
			events = tr.Stop(t)
		}
		require.NoError(t, err)
		require.Equal(t, int64(transferSize), moved)
		return ns.Counters(t, "lo").Sub(before), ours(t, events)
	}
	udsLo, udsEvents := measure(udsServer, udsClient)
	tcpLo, tcpEvents := measure(tcpServer, tcpClient)

	assert.Zero(t, udsLo.TxPackets+udsLo.RxPackets, "lo packets during the UDS transfer")
	// The control: the same bytes over TCP move lo's counters.
	assert.NotZero(t, tcpLo.TxPackets, "lo tx packets during the TCP transfer")
	assert.GreaterOrEqual(t, tcpLo.TxBytes, uint64(transferSize), "lo tx bytes during the TCP transfer")

	udsTrace, tcpTrace := "", ""
	if traced {
		udsNet, tcpNet := tally(udsEvents, "net_"), tally(tcpEvents, "net_")
		udsSkbs := tally(udsEvents, "consume_skb")["consume_skb"]
		assert.Empty(t, udsNet, "net:* events of this process during the UDS transfer")
		assert.NotZero(t, tcpNet["net_dev_xmit"], "net:net_dev_xmit during the TCP transfer")
		udsTrace = fmt.Sprintf(", net:* events in this process's threads in process context: %v (its data still rode in %d sk_buffs, skb:consume_skb, never through a device)",
			counts(udsNet), udsSkbs)
		tcpTrace = ", net:* events " + counts(tcpNet)
	} else {
		tcpTrace = "; " + gate.PartNotObserved(t, "U3/tracepoints", noTrace)
	}

	v.Confirmed("UDS %d B: lo %v%s; control TCP 127.0.0.1 %d B: lo %v%s",
		transferSize, udsLo, udsTrace, transferSize, tcpLo, tcpTrace)
}

// connectedPair makes a listener inside ns and one connection to it, and
// returns both ends. Everything is closed at cleanup.
func connectedPair(t *testing.T, ns *sandbox.NS, network, address string) (server, client net.Conn) {
	t.Helper()
	l := ns.Listen(t, network, address)
	client = ns.Dial(t, network, l.Addr().String())
	server, err := l.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	return server, client
}

// transfer writes transferSize bytes on client and reads them on server.
func transfer(server, client net.Conn) (int64, error) {
	wrote := make(chan error, 1)
	go func() {
		chunk := make([]byte, 64<<10)
		var err error
		for sent := 0; sent < transferSize && err == nil; sent += len(chunk) {
			_, err = client.Write(chunk)
		}
		wrote <- err
	}()
	n, err := io.CopyN(io.Discard, server, transferSize)
	if werr := <-wrote; err == nil {
		err = werr
	}
	return n, err
}

// ownComm returns this process's command name, as tracepoints record it.
func ownComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/comm")
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// ours keeps the events that ran in process context on one of this
// process's threads: another process with the same name (a benchmark run
// of this package, say) or a softirq serving some other device does not count.
func ours(t *testing.T, events []ktrace.Event) []ktrace.Event {
	entries, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	threads := map[int]bool{}
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			threads[tid] = true
		}
	}
	var kept []ktrace.Event
	for _, e := range events {
		if threads[e.PID] && len(e.Flags) > 2 && e.Flags[2] == '.' {
			kept = append(kept, e)
		}
	}
	return kept
}

// tally counts events by name, for names starting with prefix.
func tally(events []ktrace.Event, prefix string) map[string]int {
	n := map[string]int{}
	for _, e := range events {
		if strings.HasPrefix(e.Name, prefix) {
			n[e.Name]++
		}
	}
	return n
}

func counts(n map[string]int) string {
	if len(n) == 0 {
		return "none"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s×%d", name, n[name]))
	}
	return strings.Join(parts, " ")
}
