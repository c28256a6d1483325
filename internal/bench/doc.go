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
// init with the connection as descriptors 3 and 4; see peer.go). This is
// the kernel's cost, and it is checked against a C program (below).
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
// uds-seqpacket keeps message boundaries; pipe is the floor (below);
// tcp is 127.0.0.1; tcp-hostaddr is
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
// both peers on one CPU, same cells, several repeats. It prints Go/C per
// cell from the rates and, the figure that holds on a shared machine, C/Go
// from the CPU time both peers spent per message in the timed part
// (Counts.CPU: a thread's CPU clock and the other process's
// /proc/PID/schedstat, in Go and in C alike). With both peers on one CPU
// and nothing else running, the rate is one over that time; with other
// work on the machine the rate moves with it and the CPU time barely
// does (at load 20 on the 2-vCPU VM: rate ratios 0.43-2.77, CPU ratios
// 0.95-1.07 in the same run).
//
// What separated the raw path from C, found with `perf record -e
// cpu-clock` of the 100 B UDS stream (the hardware counters are not
// available in the VM; callgrind aborts on the Go runtime's signals):
//
//   - The descriptor table. A Go process's threads share one table
//     (CLONE_FILES), so the kernel takes and drops a reference on the file
//     at every read and write (fdget_pos and fput: 3.1% of the samples,
//     against C's 0.9%). The peer's thread and the client's session thread
//     now unshare(CLONE_FILES) (Session.privateFiles): 0.8%, as C.
//   - The calls. RawSyscall went three calls deep (RawSyscall,
//     RawSyscall6, Syscall6) and the stream peer called its reads through
//     function values: Go's user space took 10.1% of the samples, C's
//     6.2%. Now one assembly stub (unix.RawSyscallNoError) inlined into
//     readFull and writeFull, and the peer's loops written out: 7.4%
//     (the stub's share is where the kernel returns to, as libc's read
//     and write are for C). The calls still do not tell the Go scheduler
//     (entersyscall/exitsyscall): the client's thread is locked and the
//     peer's is its process's only busy one, so there is no P worth
//     handing over, and a blocked call always ends because the other peer
//     is a running process. NETNOTES_BENCH_SYSCALL=go selects the
//     scheduler-aware unix.Read/Write instead, for comparison
//     (BenchmarkHarnessCall shows the difference per call).
//   - The peer's runtime. The peer's goroutine runs in init for the whole
//     session, so the runtime's sysmon sent it a preemption signal every
//     10 ms (~100 a second, each waking the blocked peer on the pinned
//     CPU): the peer runs with GODEBUG=asyncpreemptoff=1 (and GOGC=off).
//     The client's signals (~50 a second) cost under 0.1% and stay.
//   - The runtime's other threads. Both processes' other threads (sysmon,
//     idle Ms) could run on the measured CPU, between the two peers: the
//     stream cells showed more context switches per message than C's
//     (0.041 against 0.024 over UDS). They now go to the other CPUs for
//     the session (moveOtherThreads).
//
// Together, CPU time per 100 B stream message (both processes, fixed
// message counts, setup included) went from 1870 to 1727 ns over UDS and
// from 1355 to 1260 ns over TCP; the round trips and the 64 KiB cells did
// not move beyond their noise. Against C, `make bench BENCH_FLAGS=-fidelity`
// (5 interleaved repeats of 0.5 s) at load ~1.7 on the 2-vCPU VM: Go/C by
// rate 0.95 and 0.98 for 100 B round trips (uds, tcp), 1.00 and 1.00 at
// 64 KiB, 0.95 and 0.97 for 100 B streams, 1.00 and 0.97 at 64 KiB; by CPU
// time per message (C/Go) 0.95-1.00; the UDS/TCP ratios within 3% of C's
// (1.43x against 1.48x for a 100 B round trip, 0.73x against 0.74x for a
// 100 B stream, 2.39x against 2.33x for a 64 KiB stream). At load ~5 the
// rates scatter (Go/C 0.95-1.19) while CPU time stays 0.94-1.02. What is
// left is in the 100 B streams (0.94-0.97, over UDS in one run, over TCP
// in another): kernel time, with more hand-overs per message than C
// (0.036 against 0.020 over UDS in the quiet run), not yet explained.
// Creating the sockets on another CPU than the measured one (as the Go
// engine does, pinning afterwards) made no difference to C.
//
// # The pipe: the floor
//
// Pipe is measured beside UDS and TCP: a pair of pipes for the round
// trip, one pipe for the stream. No socket layer, no protocol, and small
// writes merge into the pipe's pages, so it is what moving bytes between
// two processes costs at the least; the distance from it is what the
// socket layer (UDS) and the TCP/IP stack cost on top. Its 64 KiB round
// trip is no floor: a pipe holds 64 KiB by default, so the message goes
// in pieces with a wakeup each.
//
// # The modes of the same-CPU stream
//
// With both peers on one CPU, the writer runs until the reader, woken by
// its first write, preempts it (or until the socket buffer fills); the
// reader then drains the queue and blocks. Counts (Result.Counts, printed
// by `make bench` for every 100 B stream run) count that: per 1000 100 B
// messages, about 17 cycles for TCP and 12 for UDS, the UDS writer
// blocking on a full buffer 3.4 times. TCP has a second lever, and it
// decides the mode: whether each write goes out as a segment of its own
// or merges with the next ones into one (appended to the last segment
// while it is still unsent). Counts takes the connection's TCP_INFO (data
// segments, segments in, cwnd, pacing rate, congestion control). On the
// project machine the default congestion control is bbr
// (net.ipv4.tcp_congestion_control), which paces the connection itself
// when the device has no fq qdisc (lo has none); that is the likely
// reason writes wait and merge, though the pacing rates read at the end
// of the runs (GB/s) are far above the stream's, so it is not proven here.
// In ten 0.3 s runs at load 19 on the 2-vCPU VM, every run merged: 22-35
// data segments per 1000 messages (autocorking 0, ksoftirqd idle), CPU
// time 1150-1295 ns per message, while the rate moved 400k-870k msgs/s
// with the load. The C yardstick with the connection set to cubic
// (TCP_CONGESTION) sent about a segment per write and spent 5.8-6.1 µs of
// CPU per message against bbr's 1.08-1.14 µs: that is the other mode, 5x
// apart. Three consecutive `make bench` runs at load 5-8: all 15 TCP
// runs merged (15-23 data segments per 1000 messages); over the three
// runs the cell's median rate moved 2% for UDS and 17% for TCP (the first
// run, at the highest load, lower), its UDS/TCP ratio by CPU time 0.74,
// 0.74 and 0.75. A fourth run at load ~2: 641k and 876k msgs/s (within 5%
// and 1% of the second and third), ratio 0.73x by rate and by CPU time. `make bench` prints every 100 B stream run with its counts and
// names each TCP run's mode (merged, or one segment per write), and the
// chart's caption names the congestion control, so a verdict never hides
// which mode its runs were in.
//
// # Running and comparing
//
//	go test -run '^$' -bench . ./uds ./loopback   # per size, benchstat-friendly
//	make bench                                   # 5 interleaved repeats, table, verdicts, uds/bench.{json,svg}
//	make chart                                   # uds/bench.svg again from uds/bench.json
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
