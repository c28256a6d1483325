package uds

// The performance note (claim U8): "for small messages (about 100 bytes)
// UDS is more than twice as fast as lo; the bigger the message, the smaller
// the difference."
//
//	go test -run '^$' -bench . ./uds                  # the default sweep and BenchmarkConnect, about 100 s
//	go test -run '^$' -bench . ./uds -args -netnotes.full   # both placements on both paths
//	make bench                                          # repeats, ratio table, verdicts
//
// What is measured, by the engine in internal/bench (`go doc
// netnotes/internal/bench` has the whole story):
//
//   - BenchmarkRoundTrip: the client writes a message, the peer echoes it,
//     the client reads it back. Every message costs two sends, two receives
//     and two hand-overs between the peers: latency.
//   - BenchmarkStream: the client writes messages back to back, the peer
//     reads them; timed until the peer has them all. Throughput.
//   - path=raw: blocking read/write system calls, the peer a child process;
//     this is the kernel's cost, within a few percent of a C program.
//     path=netconn: net.Conn and Go's poller, both peers goroutines; what a
//     Go program sees.
//   - placement=onecpu: both peers pinned to one CPU, so each hand-over is
//     a same-CPU context switch (stable); placement=free: the scheduler
//     decides, and a cross-CPU wakeup (~20 µs on a small VM) can cost more
//     than all the protocol work. The default sweep measures raw/onecpu and
//     netconn/free; -netnotes.full adds the other two.
//   - transport=tcp is 127.0.0.1 with TCP_NODELAY: without it Nagle holds
//     small segments back and a stream of small messages measures timers.
//     transport=uds-seqpacket (raw path only) keeps message boundaries:
//     one read, one message. transport=pipe (raw path only) is the floor:
//     a pair of pipes (one for a stream), no socket layer, no protocol.
//   - ns/op is per message (stream) or per round trip; MB/s counts one
//     message's payload per op; msgs/s is the same rate in messages.
//     BenchmarkRoundTrip also reports p50-ns/op, p99-ns/op and p99.9-ns/op:
//     one round trip's latency at those percentiles (an HdrHistogram of
//     every round trip timed), the tail that a mean hides.
//   - BenchmarkConnect: what a connection costs (connect + accept + first
//     byte + close), UDS against TCP; conns/s and TCP's segments per
//     connection (tcp-segs/op). The note beside U4 measures the same.
//
// Why the ratio moves with size: each message pays a fixed cost (TCP: a
// segment through the IP stack and the loopback device's softirq; UDS: an
// skb queued straight on the peer's socket) plus copying, which is the
// same for both. Small messages are all fixed cost, large ones mostly
// copying, so the notes expect the ratio to fall towards 1 as size grows.
// Whether it does depends on the shape and placement (and on what works
// against it, see internal/bench): read the table.
//
// Comparing two machines: run `go test -run '^$' -bench . -count 6 ./uds >
// a.txt` on each (about 8 minutes) and `benchstat a.txt b.txt` (golang.org/x/perf/cmd/benchstat):
// the key=value names let benchstat group by path, placement, transport and
// size (e.g. `benchstat -col /transport a.txt` puts uds and tcp side by side).

import (
	"flag"
	"fmt"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/gate"
)

var fullSweep = flag.Bool("netnotes.full", false, "benchmark both placements on both paths (about four times as long)")

// sweepRuns runs one sub-benchmark per path, placement, size and transport.
// Sizes are the outer loop so that the transports compared at one size run
// back to back; the names keep the key order readers and benchstat expect.
func sweepRuns(b *testing.B, shape bench.Shape) {
	gate.SkipEmulated(b, "a benchmark")
	type pp struct {
		path      bench.Path
		placement bench.Placement
	}
	combos := []pp{{bench.Raw, bench.OneCPU}, {bench.NetConn, bench.Free}}
	if *fullSweep {
		combos = append(combos, pp{bench.Raw, bench.Free}, pp{bench.NetConn, bench.OneCPU})
	}
	for _, c := range combos {
		for _, size := range bench.Sizes {
			transports := []bench.Transport{bench.UDS, bench.TCP}
			// SOCK_SEQPACKET keeps message boundaries (one read, one
			// message) and the pipe is the kernel's floor: measured beside
			// the stream socket on the raw path, at the two sizes the claim
			// is about unless -netnotes.full.
			if c.path == bench.Raw && (*fullSweep || size == 100 || size == 65536) {
				transports = append(transports, bench.UDSSeqpacket, bench.Pipe)
			}
			for _, tr := range transports {
				cfg := bench.Config{Shape: shape, Path: c.path, Placement: c.placement, Transport: tr, Size: size}
				b.Run(cfg.Name(), func(b *testing.B) { bench.Run(b, cfg) })
			}
		}
	}
}

func BenchmarkRoundTrip(b *testing.B) { sweepRuns(b, bench.RoundTrip) }

func BenchmarkStream(b *testing.B) { sweepRuns(b, bench.Stream) }

// BenchmarkConnect is what a connection costs (the note beside U4, "no
// three-way handshake"): per op, the client's socket, connect, one byte
// written, the server's EOF read and close, against a server thread's
// accept, read of the byte and close; UDS against TCP to 127.0.0.1, both
// placements. conns/s is the rate; tcp-segs/op the namespace's Tcp
// OutSegs per connection (TCP's handshake and close, both ends; 0 over
// UDS, but for other traffic of the namespace).
func BenchmarkConnect(b *testing.B) {
	gate.SkipEmulated(b, "a benchmark")
	for _, pl := range []bench.Placement{bench.OneCPU, bench.Free} {
		for _, tr := range []bench.Transport{bench.UDS, bench.TCP} {
			b.Run(fmt.Sprintf("placement=%s/transport=%s", pl, tr), func(b *testing.B) { bench.RunConnect(b, tr, pl) })
		}
	}
}
