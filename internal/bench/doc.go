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
// sending side, the peer answers EOF with one byte; in a pair's chunk, the
// peer answers the chunk's last message, which is marked). It measures
// throughput: the sender runs ahead until the socket buffer is full, so
// few hand-overs happen per message. TCP streaming is bimodal: when the
// receiver lags, segments queue and are read in fewer, larger reads.
//
// # Paths
//
// Raw: blocking read(2)/write(2) through x/sys/unix on a locked OS thread,
// the peer a child process (this same executable, playing the role
// bench-peer with the connection as descriptors 3 and 4; see peer.go). This is
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
// # Fidelity: the same work as C
//
// What one message is, in the raw path and in the C yardstick
// (internal/cmd/bench/testdata/pingpong.c) alike, so that anyone can
// write the same in any language:
//
//   - The connection: socket, bind, listen(1), connect, accept; uds is
//     AF_UNIX SOCK_STREAM on a path in a fresh temporary directory (removed
//     once connected), tcp is AF_INET to 127.0.0.1 on a kernel-chosen
//     port with TCP_NODELAY set on both ends. Nothing else is set: the
//     kernel's default buffers (no SO_SNDBUF or SO_RCVBUF; the C program
//     prints the client's SO_SNDBUF and the peer's SO_RCVBUF), blocking
//     descriptors, the host's congestion control.
//   - The peer is another process (C: fork; Go: this executable again),
//     one thread doing the loop; the client is one thread.
//   - One buffer of SIZE bytes on each side, allocated once and starting
//     at a page boundary (C: posix_memalign; Go: pageAligned). Where it
//     starts is part of the work: a 64 KiB message from and to a buffer 8
//     or 16 bytes past a 32-byte boundary cost the C program 1.6-2x the
//     CPU time per message on the project machine (UDS and TCP, stream
//     and round trip; offsets 32, 48, 64 and 672 cost as 0), and malloc
//     or a static array gives whatever the heap or the linker holds.
//   - Round trip: the client write()s SIZE bytes (again after a short
//     write) and read()s until it has SIZE bytes back; the peer read()s
//     until it has SIZE bytes and write()s them back. One round trip is
//     one message.
//   - Stream: the client write()s SIZE bytes per message, back to back;
//     the peer read()s SIZE bytes per message (several calls when a read
//     returns less), as a receiver that parses messages would, never more
//     than one message per call.
//   - Warm-up: 2000 round trips, or max(256, min(50000, 8 MiB/SIZE))
//     stream messages, the last of which starts with the byte 1
//     (syncMark; the others start with something else): the peer looks
//     at each message's first byte and answers a marked one with one
//     byte, so the client knows it has read them all; then the timed
//     part.
//   - Timed part: the clock (CLOCK_MONOTONIC) is read before the first
//     message and after every 16; the loop ends at the first read past
//     the duration, so the count is a multiple of 16. A stream ends when
//     the client shut()s its sending side and reads the peer's one-byte
//     answer to EOF: the clock stops there. The Go engine also reads the
//     clock around every round trip (the latency percentiles, as `go
//     test -bench` does): two vDSO calls per round trip, under 1% of it.
//   - Timed in turns (the fidelity check): the timed part is cut into
//     chunks of PairChunk's length, and the client waits for its turn
//     (a byte on descriptor 3) before each and says it is done after
//     each (a byte on descriptor 4); in a chunk the clock is read every
//     4 messages, and a stream's chunk ends with a marked message and
//     the peer's answer. The time and CPU time are the chunks' sums.
//   - CPU time: both peers' (client: its thread's or process's CPU clock;
//     peer: /proc/PID/schedstat's first field) over the timed part.
//   - TCP mode: the client socket's TCP_INFO data segments out and
//     segments in over the timed part, and its TCP_CONGESTION.
//
// `make bench BENCH_FLAGS=-fidelity` (or `go run ./internal/cmd/bench
// -fidelity`) compiles the C program with cc and measures it beside the
// raw path, both peers on one CPU (the one affinity.OneCPU names, for C and Go
// alike), same cells, 5 pairs, in two placements of the Go side:
//
//   - harness: what `go test -bench` gives (placement=onecpu): the
//     client's thread and the peer's pinned, the Go runtime's other
//     threads moved to the other CPUs.
//   - process: the whole Go process pinned from its start, as `taskset
//     -c N go test -bench` would (the tool runs itself again with the
//     mask set): the runtime sizes itself for one CPU (GOMAXPROCS 1) and
//     its threads share the CPU with the peers.
//
// The two programs run side by side, as a pair of the verdicts' does
// (see Pairs), and take turns the same way: each warms up and says so on
// a pipe; then the tool, from the other CPUs, gives them turns, one
// chunk each (PairChunk's lengths: 2 ms of round trips, 10 ms of a small
// stream, 1 ms of a 64 KiB one), until each has been timed for its
// duration (MeasureInTurns; PINGPONG_TURNS in the C program). Measured
// one after the other instead, the same 100 B TCP round trip cost C
// 19.9-22.0 µs of CPU and Go 21.1-21.6 µs over four 2 s runs: a 5% check
// then tells a moment of the shared VM from a harness difference no
// better than chance, and three quiet runs had 9-11 of 16 cells within
// 5%. Between its turns a program's client waits in read and its peer
// in its own, so each one's CPU time per message is its own; its
// wall-clock rate is not (it also waited for the other's turns), and the
// tool gives msgs/s per second on the CPU, which for a same-CPU pair is
// one over the CPU time per message.
//
// The turns are cooperative because stopping and continuing a program
// (SIGSTOP, SIGCONT, the first way this was done) wakes every thread of
// a Go process: with the whole process pinned to the measured CPU, its
// runtime's threads then ran there at each turn, and its 100 B TCP
// stream merged its writes far more than C's (2-11 data segments per
// 1000 messages against 13-38), so the UDS/TCP ratio came out at 0.94
// of C's. The Go side waits for its turn with a raw read (the runtime
// does not see it): waiting in an ordinary system call, the runtime's
// monitor thread takes the processor away and, once the call returns,
// polls every 20 µs or so for the next milliseconds, on the measured CPU
// in the process placement: that cost the Go side 15-25% more CPU time
// per message than C in every round trip cell.
//
// Every run of both programs records its TCP mode (data segments per 1000
// messages: about 1000 for round trips, 20-60 for bbr's merged 100 B
// streams, one per write otherwise), and a cell compares only runs of one
// mode (the mode both programs have most runs in). It prints, per cell
// and placement, C/Go by CPU time per message and the UDS/TCP ratios of
// both, each marked ok when within 5% and OUT when not. Three runs in a
// row on the quiet project machine (2026-12-03, 86-90 s each): 16, 15 and
// 15 of the 16 cells within 5% of C by CPU time (0.94-1.00), and the
// UDS/TCP ratios within 5% of C's in 8, 7 and 8 of the 8 cells
// (0.97-1.06). Outside, once each: the 100 B TCP stream by CPU time
// (harness 0.94, process just under 0.95) and the process
// placement's 100 B stream ratio (1.06). So "every cell within 5%, three
// runs in a row" is not met: the 100 B TCP stream sits at its edge
// (0.94-0.97 in these runs). Before the two changes below, three runs had
// 14 of 16 cells each time, that cell at 0.92-0.94 in both placements.
//
//   - The peer's runtime threads. Under taskset (the process placement)
//     the Go peer inherited the one-CPU mask, so its runtime's threads
//     (sysmon wakes ~100 times a second) stayed on the measured CPU. Its
//     100 B TCP stream then sent more data segments than C's (45-53 per
//     1000 messages against 32-51) and cost 6-8% more CPU time per
//     message. They now leave that CPU (childPeer). Moving the client
//     process's threads alone changed nothing, and neither did making the
//     peer's threads SCHED_BATCH (which do not preempt on waking): being
//     on the CPU was enough.
//   - The client's calls. session.Op makes the call that moves a whole
//     message itself (readAfter and writeAfter finish a short one): no
//     function lies between its loop and the system call's stub, as in
//     C's loop.
//
// One more change closes the gap: the peer's loops written the same way
// (childPeer). With it, on the quiet machine, three runs in a row had all
// 16 cells within 5% (0.96-1.01) and all 8 ratios (0.97-1.03), the 100 B
// TCP stream at 1.00-1.01 in both placements. It was not kept at first:
// in the notes' own pairs (Go against Go: U8's measurement) it made the
// 100 B UDS stream dearer, U8's 100 B stream ratio going from about 0.79x
// to about 0.72x (midpoints of its intervals over 12 and 16 runs; C's, in
// this check, 0.78-0.90x), and U8's gap-shrinks, which then weighed that
// ratio's distance from 1x against the 64 KiB one's, moved between
// refined, undecided and confirmed from run to run. Gap-shrinks now reads
// the claim's direction: a 100 B ratio below 1x is UDS behind, a lead
// that reverses at 64 KiB whatever its distance from 1x, so the change is
// kept. Three runs in a row with it on 2026-12-07, the machine loaded by
// other engineers' work (load average 11-19; no quiet moment came): 12,
// 14 and 12 of 16 cells and 8, 8 and 8 of 8 ratios within 5%; the 100 B
// TCP stream at 0.96-0.98 in both placements; outside, the 64 KiB streams
// only (0.89-0.95), as with the peer before the change in a run beside
// them at load 13 (13 of 16, 7 of 8, its 64 KiB streams 0.93-0.95, its
// 100 B TCP stream 0.95 and 0.97). Three more at a quieter moment (load
// average 1-2, the check's own programs included): 13, 14 and 12 of 16
// cells, 8, 7 and 8 of 8 ratios, the 100 B TCP stream at 0.95-0.99, the
// 64 KiB UDS streams outside (0.91-0.94). The old peer, run in
// alternation with it: 16 of 16 and 8 of 8 once, then its 64 KiB UDS
// streams (0.93-0.94) and its harness 100 B TCP stream (0.95) outside
// too, while the machine's cost per message moved by a third between two
// runs (12.7 to 16.9 us per 64 KiB UDS message). This boot's kernel build
// (6.18.44-fc-v1272) is not the one the quiet runs above were made on, so
// "16 of 16 three runs in a row" is shown by those, not by these. Where a peer's
// instructions lie, not what it does, moves
// these cells by 5% or more: a 100 B stream's cost depends on how the two
// sides' wake-ups interleave (data segments per message over TCP), which
// small per-call costs shift. A C client given 100-200 ns more user time
// per write (a spin loop, tried once) sent more segments and came out
// 1-3% dearer than Go, from 6-8% cheaper. Longer turns (20 ms of round
// trips, 40 ms of streams) moved no cell by more than 0.02.
//
// Why an outside measurement (issue 23: Go/C 0.89 for a 100 B UDS stream,
// 1.12-1.20 at 64 KiB, the UDS/TCP ratios 7-23% from C's) differed from
// the old fidelity mode (0.96-1.01): the old mode measured one placement
// only, harness, on the CPU affinity.OneCPU names, and so did its C. The outside
// runs were in the two others: the whole test process under taskset -c 0
// (the process placement: GOMAXPROCS 1, the runtime's threads on the
// measured CPU, where the harness cannot move them), and, without taskset,
// Go on the harness's CPU (the highest-numbered, CPU 1 on 2 vCPUs) against
// C pinned to CPU 0: two CPUs of a VM, whose interrupts and neighbours
// differ, compared as if one. Both are now measured, C and Go on the same
// CPU. Read/write sizes, socket buffers and what counts as a message were
// the same in the two programs already (the list above); the mode was not
// recorded, so a mode change could not be told from a harness difference.
// A third candidate, measured here but not on the outside program (whose
// source we do not have): the user buffer's alignment. Go's 64 KiB slice
// starts at a page; a C buffer 16 bytes past a 32-byte boundary makes
// every 64 KiB message up to twice as dear, the direction of the
// outside's Go/C 1.12-1.20 at 64 KiB. Both programs now align their
// buffers to a page, so that the comparison does not hang on it.
// On the loaded project machine (load 6-16, other jobs running) the
// process placement cost Go more CPU per message than C in most cells
// (C/Go 0.79-0.95 in one run) with the peer preempted 3-5 times as often
// as in the harness placement: the runtime's threads share the CPU there.
//
// What separated the raw path from C, found with `perf record -e
// cpu-clock` of the 100 B UDS stream (the hardware counters are not
// available in the VM; callgrind aborts on the Go runtime's signals):
//
//   - The descriptor table. A Go process's threads share one table
//     (CLONE_FILES), so the kernel takes and drops a reference on the file
//     at every read and write (fdget_pos and fput: 3.1% of the samples,
//     against C's 0.9%). The peer's thread and the client's session thread
//     now unshare(CLONE_FILES) (session.privateFiles): 0.8%, as C.
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
//   - The peer's runtime. The peer's goroutine plays its role, while the
//     packages initialize, for the whole session, so the runtime's sysmon sent it a preemption signal every
//     10 ms (~100 a second, each waking the blocked peer on the pinned
//     CPU): the peer runs with GODEBUG=asyncpreemptoff=1 (and GOGC=off).
//     The client's signals (~50 a second) cost under 0.1% and stay.
//   - The runtime's other threads. Both processes' other threads (sysmon,
//     idle Ms) could run on the measured CPU, between the two peers: the
//     stream cells showed more context switches per message than C's
//     (0.041 against 0.024 over UDS). They now go to the other CPUs for
//     the session (affinity.MoveOtherThreads); the peer's even when it was started
//     on the measured CPU alone, as under taskset.
//
// Together, CPU time per 100 B stream message (both processes, fixed
// message counts, setup included) went from 1870 to 1727 ns over UDS and
// from 1355 to 1260 ns over TCP; the round trips and the 64 KiB cells did
// not move beyond their noise. Against C, `make bench BENCH_FLAGS=-fidelity`
// (harness placement only, then; 5 interleaved repeats of 0.5 s) at load ~1.7 on the 2-vCPU VM: Go/C by
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
// # Pairs: side by side, in chunks
//
// The verdicts compare two transports by the ratio of their costs, pair
// by pair (Comparison). On a small VM of a shared host the cost itself
// moves from one moment to the next by more than the differences the
// claims are about: one 64 KiB TCP round trip took 43-65 µs of CPU from
// one 25 ms measurement to the next (the same segments and switches per
// message), and within one connection it fell from 55 to 43 µs over 150
// ms. A pair measured one transport after the other (each alone, tens of
// milliseconds apart) inherited that: two measurements of the same
// transport gave ratios from 0.75 to 1.3, and L4's cells straddled its
// ±10% band in 4 of 5 quiet `make notes` runs. So a pair's two sessions
// are open at once (connections made, peers started, placed, warmed up)
// and timed in alternating chunks, A, B, A, B, until each has had its
// time (MeasurePair): both sides see the same moments. A stream's chunk
// ends with a marked message and the peer's answer, so that each side's
// peer has read everything within its own chunks and its CPU time is its
// own; PairChunk gives the lengths and the spreads of same-transport
// pairs they gave (0.92-1.08 at worst, against 0.75-1.3 alone). The Also
// transports (the pipe) and Measure, BenchmarkX and the C comparison
// still time one session alone.
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
// # Latency and connections
//
// Round trips report their latency beside their rate: every round trip
// of a run is timed into an HdrHistogram (hdrhistogram-go: 1 ns to a
// minute, three significant digits), and the run reports the 50th, 99th
// and 99.9th percentiles (`go test -bench`: p50-ns/op, p99-ns/op,
// p99.9-ns/op; `make bench`: a table and two rows of the chart, the
// median of the repeats' percentiles with their range).
//
// What a connection costs (the note beside U4, "no three-way handshake";
// MeasureConnect, BenchmarkConnect in ./uds, a row of the chart): a client
// thread makes connections one at a time (socket, connect, one byte,
// read the server's EOF, close) against a server thread (accept, read the
// byte, close). Over TCP each costs about 8 segments through lo (both
// ends: SYN, SYN-ACK, ACK, the byte, its ACK, two FINs and their ACKs;
// the namespace's Tcp OutSegs, and 3 out and 3 in in the client's
// TCP_INFO before its close), over UDS none: a UDS connect makes the
// server's socket and queues it on the listener within the call. On the
// 2-vCPU VM at load ~9, UDS made 2-3x as many connections a second on one
// CPU (about 20k against 9k; CPU per connection 35-38 µs against 97-109
// µs, both threads). JudgeConnect decides "UDS needs no handshake, so
// connecting is cheaper" from the same-CPU interval of the pairs' ratios,
// as U8's verdict decides (at least 5 pairs).
//
// # Running and comparing
//
//	go test -run '^$' -bench . ./uds ./loopback   # per size, benchstat-friendly; BenchmarkConnect
//	make bench                                   # 5 interleaved repeats, table, latency, connections, verdicts, uds/bench.{json,svg}
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
