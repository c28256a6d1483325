// Package bench is the benchmark engine of the performance notes: UDS
// versus TCP over lo (claim U8, uds/) and 127.0.0.1 versus the host's own
// address (claim L4, loopback/). Its job is to measure what the kernel does
// with each kind of connection, and to say how it measured, because on a
// small machine the answer depends more on the experiment than on the
// socket: a minimal C program put the UDS/TCP ratio at 100 B anywhere
// between 0.87x and 4x depending on the two things below.
//
// # Shapes
//
// RoundTrip (ping-pong): the client writes a message, the peer echoes it,
// the client reads all of it back before the next. Every message pays two
// sends, two receives and two hand-overs between the peers: it measures
// latency, and the hand-over (a context switch, or a wakeup on another CPU)
// is a large part of it.
//
// Stream: the client writes messages back to back, the peer reads them
// (one read call per message, as a receiver that parses messages would),
// and the clock stops when the peer has everything (the client shuts its
// sending side, the peer answers EOF with one byte). It measures
// throughput: the sender runs ahead until the socket buffer is full, so
// few hand-overs happen per message. TCP streaming is bimodal: when the
// receiver lags, segments queue and are read in fewer, larger reads.
//
// # Paths
//
// Raw: blocking read(2)/write(2) through x/sys/unix on a locked OS thread,
// the peer a child process (this same executable, started by the package's
// init with the connection as descriptor 3; see peer.go). This is the
// kernel's cost, and it is checked against a C program (below).
//
// NetConn: net.Conn through Go's poller, the peer a goroutine: what a Go
// program sees. A read that would block parks the goroutine and the
// poller wakes it, so the numbers include the Go scheduler.
//
// # Placement
//
// OneCPU pins both peers to one CPU with sched_setaffinity: for the raw
// path the client's thread and the peer process's thread (the Go runtime's
// other threads stay free, as a C program has none); for the netconn path
// every thread of the process, as `taskset -c N` would. Each hand-over is
// then a same-CPU context switch: stable, and the placement the verdicts
// come from. Free leaves the peers to the scheduler: a hand-over may be a wakeup
// on the other CPU, which costs ~20-25 µs on a small VM (more than all the
// protocol work of a 100-byte message), and the stream shape may run both
// peers in parallel. Free is reported beside OneCPU, never averaged with it.
//
// # Transports and Nagle
//
// uds is AF_UNIX SOCK_STREAM bound to a path (removed once connected);
// uds-seqpacket keeps message boundaries; tcp is 127.0.0.1; tcp-hostaddr is
// another local address (L4), which the local routing table also sends
// through lo. Both TCP ends set TCP_NODELAY: with Nagle on, a small segment
// waits while an earlier one is unacknowledged, and a stream of small
// messages would measure the delayed-ACK timer instead of the stack.
//
// tcp-sockmap (raw path only, root) is tcp with both ends in a sockhash
// and an sk_msg program that redirects each end's writes to the other's
// receive queue (internal/sockmap; claim L5): the connection is TCP, the
// messages never become segments. A privileged test checks that lo stays
// still while it runs.
//
// # Why the ratio changes with size
//
// A message costs a fixed part plus copying. TCP's fixed part is large: a
// segment with headers through the IP output path, the loopback device and
// the receive softirq, ACK processing; a UDS send queues an skb straight
// on the peer's socket. Copying (user to kernel and back, once each way)
// is the same for both. For small messages the fixed part dominates and
// UDS should win by a wide margin; for large ones copying dominates and
// the ratio should fall towards 1. The notes claim exactly that; the
// measurements say how much of it holds, per shape and placement. Two
// things work against it: a round trip's hand-overs cost the same for both
// transports at every size, which pulls the small-message ratio towards 1,
// and the two transports do not copy alike (TCP over lo cuts a large write
// into segments of at most 64 KiB with per-segment work; a UDS stream
// queues skbs of its own sizing), so the large-message ratio need not be 1.
//
// # Fidelity: how the harness's own cost was measured
//
// `make bench BENCH_FLAGS=-fidelity` (or `go run ./internal/cmd/bench
// -fidelity`) compiles testdata/pingpong.c with cc (fork, blocking
// read/write loops, the same warm-up and end-of-stream protocol, the clock
// read every 16 messages) and measures it and the raw path alternately,
// both peers on one CPU, same cells, several repeats; it prints Go/C per
// cell with its range, the UDS/TCP ratio of each, and per message the user
// and system CPU time and context switches of both processes (getrusage
// of this process and its waited-for children). What that showed:
//
//   - Per-call cost. The raw path calls syscall.RawSyscall, which does not
//     tell the Go scheduler: the client's thread is locked and the peer's
//     is its process's only busy one, so there is no P worth handing over,
//     and a blocked call always ends because the other peer is a running
//     process. Set NETNOTES_BENCH_SYSCALL=go for the scheduler-aware
//     unix.Read/Write (entersyscall/exitsyscall) instead. On the 2-vCPU VM
//     this was written on, 5 interleaved repeats of 0.5 s: with RawSyscall
//     Go/C was 0.91-0.99 per cell (stream 100 B: 0.92); with the
//     scheduler-aware calls 0.85-0.98 (stream 100 B: 0.85 uds, 0.87 tcp),
//     with more user time (0.49 against 0.32 µs per message) and more
//     context switches (3.0 against 2.6 per 64 KiB round trip: the
//     runtime's sysmon retakes a P from a call blocked past 20 µs and the
//     thread then takes the slow way back). BenchmarkHarnessCall shows the
//     non-blocking part: getppid(2) costs 230-270 ns either way there, the
//     scheduler-aware wrapper ~20-30 ns more.
//   - Runtime threads. `perf record` of a fidelity run: user space of the Go
//     harness 4.1% of samples (1.8% of it the syscall wrapper, where the
//     return from the kernel lands, as libc's write does for C; 0.1% sysmon
//     and the rest of the runtime), the C program's 2.5%; the rest is
//     kernel. Context switches per message match C's (2.1-2.7 per round
//     trip, 0.01-0.9 per streamed message), so no runtime thread gets in
//     the way of the pinned pair.
//   - Rates. Go/C medians 0.91-0.99 and UDS/TCP ratios within 8% of C's
//     (C 1.39x, Go 1.37x for a 100 B round trip), on a machine shared with
//     other work (C and Go interleaved, so load hits both). Rerun the
//     command on a quiet machine to tighten the ranges.
//
// # Running and comparing
//
//	go test -run '^$' -bench . ./uds ./loopback   # per size, benchstat-friendly
//	make bench                                   # 5 interleaved repeats, table, verdicts
//	make bench BENCH_FLAGS=-fidelity             # the C comparison
//
// Benchmark names carry key=value parts:
// BenchmarkRoundTrip/path=raw/placement=onecpu/transport=uds/size=100. To
// compare two machines, save `go test -run '^$' -bench . -count 10 ./uds`
// on each and run `benchstat a.txt b.txt` (golang.org/x/perf/cmd/benchstat);
// `benchstat -col /transport a.txt` puts uds and tcp side by side per size.
// Use -count for benchstat, not longer -benchtime: repeats give it the
// spread it needs. Compare OneCPU with OneCPU: Free depends on the
// machine's idle CPUs more than on its sockets.
package bench
