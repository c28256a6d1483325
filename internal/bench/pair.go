package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"netnotes/internal/bench/turn"

	"golang.org/x/sys/unix"
)

// MeasurePair measures a and b side by side, as one interleaved pair:
// both sessions are opened, placed and warmed up together, then timed in
// alternating chunks (a, b, a, b, ...) until each has been timed for
// about d. A measurement of a alone and then one of b alone, tens of
// milliseconds apart, each on a fresh connection, differ by what the
// machine did meanwhile: on the project's machine (2 vCPUs of a shared
// host) the CPU time of one 64 KiB round trip over TCP moved between 43
// and 65 µs from one 25 ms measurement to the next, with the same counts
// (segments, switches), and a pair of two such measurements of the same
// transport gave ratios from 0.75 to 1.3. Chunks of a few milliseconds
// share that drift: two TCP sessions timed in alternating 2 ms chunks
// gave ratios of 0.95-1.06 over 25 ms each, while their own CPU times
// moved between 45 and 77 µs. Each side's Result sums its chunks: the
// messages, the time, and the CPU time of the client thread and of the
// side's own peer within them (the peer of a stream has read everything
// its chunk sent when the chunk ends, see chunk).
//
// The pair's sessions run on one goroutine of their own (as Measure's),
// both peers of both sessions on one CPU for OneCPU.
func MeasurePair(a, b Config, d time.Duration) (ra, rb Result, err error) {
	err = onOwnGoroutine(func() error {
		ra, rb, err = measurePairHere(a, b, d)
		return err
	})
	return ra, rb, err
}

// PairChunk is how long one side is timed before the other's turn: the
// lengths that gave the narrowest spread of ratios when both sides were
// the same (TCP against TCP, 12 pairs, on the project's machine). A
// round trip's every op ends answered: 2 ms chunks (64 KiB, 25 ms a
// side: 0.95-1.06). A stream's chunk ends when the peer has read all of
// it (a marked message and its answer: the socket buffers drain), which
// changes what a stream of small messages does if it comes too often:
// 100 B in 1 ms chunks went out 55-91 data segments per 1000 messages,
// in 10 ms chunks 25-64, as without chunks (18-66); 10 ms chunks gave
// 0.93-1.05 (30 ms a side), unchunked pairs 0.85-1.08. A stream of
// 64 KiB messages (tens of them in 1 ms) wanders most: 1 ms chunks gave
// 0.92-1.08 over 100 ms a side, 5 and 10 ms chunks 0.84-1.23.
func (c Config) PairChunk() time.Duration {
	switch {
	case c.Shape == RoundTrip:
		return 2 * time.Millisecond
	case c.Size >= 16384:
		return time.Millisecond
	}
	return 10 * time.Millisecond
}

func measurePairHere(a, b Config, d time.Duration) (Result, Result, error) {
	var sessions []*session
	closeAll := func() error {
		var errs []error
		for i := len(sessions) - 1; i >= 0; i-- {
			errs = append(errs, sessions[i].Close())
		}
		sessions = nil
		return errors.Join(errs...)
	}
	fail := func(err error) (Result, Result, error) {
		closeAll()
		return Result{}, Result{}, err
	}
	// Both connections and peers first, then the placement: every peer
	// process starts with a free CPU mask (see open).
	for _, c := range []Config{a, b} {
		s, err := open(c)
		if s != nil {
			sessions = append(sessions, s)
		}
		if err != nil {
			return fail(err)
		}
	}
	for _, s := range sessions {
		if err := s.place(); err != nil {
			return fail(err)
		}
	}
	for _, s := range sessions {
		if err := s.warm(); err != nil {
			return fail(err)
		}
		if err := s.privateFiles(); err != nil {
			return fail(err)
		}
	}
	sides := []*pairSide{newPairSide(sessions[0]), newPairSide(sessions[1])}
	defer func() {
		for _, sd := range sides {
			sd.closeStat()
		}
	}()
	for _, sd := range sides {
		sd.before = sd.s.counts()
	}
	chunk := a.PairChunk()
	for sides[0].elapsed < d || sides[1].elapsed < d {
		for _, sd := range sides {
			if sd.elapsed >= d {
				continue
			}
			if err := sd.chunk(chunk); err != nil {
				return fail(err)
			}
		}
	}
	var rs [2]Result
	for i, sd := range sides {
		rs[i] = sd.result()
		// The peer answers the end of a stream (EOF) with one byte.
		if err := sd.s.Finish(); err != nil {
			return fail(err)
		}
	}
	if err := closeAll(); err != nil {
		return rs[0], rs[1], err
	}
	return rs[0], rs[1], nil
}

// turnTaking is how a measurement shares the CPU with another program, taking
// turns as the two sides of a pair do (the fidelity check runs the C
// yardstick beside the engine this way). Wait returns when the
// measurement may run its next chunk; Yield hands the turn back: ready
// after the warm-up, a chunk done, or the last one (the measurement has
// ended and will not wait again).
type turnTaking interface {
	Wait() error
	Yield(turn.Yield) error
}

// pipeTurns takes turns on two descriptors another program holds the
// other ends of: a byte read from wait is a turn, a Yield is written to
// yield. They go through the raw calls the measurement itself uses
// (readFull, writeFull), which the Go runtime does not see: a read that
// blocks through the other program's turn, made as an ordinary system
// call, has the runtime's monitor thread (sysmon) take the processor
// away, and the runtime wakes the monitor again when the read returns,
// betting on more such calls: it then polls every 20 µs or so through
// the next milliseconds, the chunk being timed. With the whole process
// pinned to the measured CPU, that cost the Go side of the fidelity
// check 15-25% more CPU time per message than C in every round-trip
// cell. Unseen, the wait is a goroutine that keeps running, as a stopped
// process's would.

type pipeTurns struct{ wait, yield int }

func (p pipeTurns) Wait() error {
	var b [1]byte
	if _, err := readFull(p.wait, b[:]); err == io.EOF {
		return errors.New("waiting for a turn: the other end is closed")
	} else if err != nil {
		return fmt.Errorf("waiting for a turn: %w", err)
	}
	return nil
}

func (p pipeTurns) Yield(y turn.Yield) error {
	if err := writeFull(p.yield, []byte{byte(y)}); err != nil {
		return fmt.Errorf("ending a turn: %w", err)
	}
	return nil
}

// MeasureInTurns is Measure in turns: after the warm-up, c is timed in
// chunks of about chunk, each in a turn taken on the descriptors wait and
// yield (see pipeTurns), until it has
// been timed for about d; the stream's end (Finish) and the connection's
// close fall within its last turn. Between its turns nothing of the
// measurement runs: the client thread waits in Wait, the peer in its
// read. Without a signal to stop and continue it, no other thread of the
// process is woken either (a stopped and continued Go process wakes them
// all, and pinned to one CPU with its peers, their running changed what
// TCP did, see the package doc).
func MeasureInTurns(c Config, d, chunk time.Duration, wait, yield int) (Result, error) {
	return measureInTurns(c, d, chunk, pipeTurns{wait, yield})
}

func measureInTurns(c Config, d, chunk time.Duration, turns turnTaking) (r Result, err error) {
	err = onOwnGoroutine(func() error {
		r, err = measureInTurnsHere(c, d, chunk, turns)
		return err
	})
	return r, err
}

func measureInTurnsHere(c Config, d, chunk time.Duration, turns turnTaking) (Result, error) {
	s, err := startSession(c)
	if err != nil {
		return Result{}, err
	}
	fail := func(err error) (Result, error) {
		s.Close()
		return Result{}, err
	}
	if err := s.privateFiles(); err != nil {
		return fail(err)
	}
	side := newPairSide(s)
	defer side.closeStat()
	side.before = s.counts()
	if err := turns.Yield(turn.Ready); err != nil {
		return fail(err)
	}
	for {
		if err := turns.Wait(); err != nil {
			return fail(err)
		}
		if err := side.chunk(chunk); err != nil {
			return fail(err)
		}
		if side.elapsed >= d {
			break
		}
		if err := turns.Yield(turn.ChunkDone); err != nil {
			return fail(err)
		}
	}
	r := side.result()
	err = s.Finish()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, err
	}
	return r, turns.Yield(turn.Ended)
}

// pairSide is one session of a pair and what its chunks have summed.
type pairSide struct {
	s        *session
	stat     *os.File // the peer's schedstat, read again at each chunk's ends
	before   Counts   // at the first chunk's start: the session's own counters
	msgs     int64
	elapsed  time.Duration
	cpu      time.Duration // client thread and peer, within the chunks
	noCPU    bool          // a chunk's CPU time was unreadable: none reported
	vol      int64         // the client thread's switches within the chunks
	invol    int64
	softirqd int64
	irqCPU   time.Duration // the pinned CPU's ksoftirqd's time within the chunks
	elseBusy int64         // the other CPUs' busy and total ticks within the chunks
	elseAll  int64
	lat      latencies
}

func newPairSide(s *session) *pairSide {
	sd := &pairSide{s: s, lat: newLatencies(s.cfg.Shape)}
	if s.child != nil {
		pid := s.child.Process.Pid
		sd.stat, _ = os.Open("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/schedstat")
	}
	return sd
}

func (sd *pairSide) closeStat() {
	if sd.stat != nil {
		sd.stat.Close()
	}
}

// peerCPU is the peer thread's time on CPU so far; false without a
// readable schedstat. The file stays open: a read at offset 0 renders it
// again.
func (sd *pairSide) peerCPU() (time.Duration, bool) {
	if sd.stat == nil {
		return 0, false
	}
	var b [64]byte
	n, err := sd.stat.ReadAt(b[:], 0)
	if n == 0 && err != nil {
		return 0, false
	}
	return parseSchedstat(b[:n])
}

// chunk times the side for about length. A stream's chunk ends with a
// message marked syncMark and the peer's answer, so that the peer has
// read, within the chunk, every message the chunk wrote: its CPU time
// then belongs to this chunk only, and none of it runs in the other
// side's. The bookkeeping (reading the counters) lies outside the clocks:
// the peer's CPU time is read first at the start and last at the end, the
// client thread's innermost.
func (sd *pairSide) chunk(length time.Duration) error {
	withPeer := sd.s.child != nil
	var ru0, ru1 unix.Rusage
	var irq0, busy0, all0 int64
	var irqCPU0 time.Duration
	if withPeer {
		_ = unix.Getrusage(unix.RUSAGE_THREAD, &ru0)
		irq0 = sd.s.softirqdSwitches()
		irqCPU0 = sd.s.softirqdCPU()
		if sd.s.cpu >= 0 {
			busy0, all0 = elseTicks(sd.s.cpu)
		}
	}
	peer0, peerOK := sd.peerCPU()
	client0, clientOK := threadCPU()
	start := time.Now()
	// The clock is read every few ops: a chunk of 64 KiB round trips
	// holds only some tens.
	const batch = 4
	var n int64
	for {
		for range batch {
			began := sd.lat.start()
			if err := sd.s.Op(); err != nil {
				return err
			}
			sd.lat.record(began)
		}
		n += batch
		if time.Since(start) >= length {
			break
		}
	}
	if sd.s.cfg.Shape == Stream {
		if err := sd.s.syncOp(); err != nil {
			return err
		}
		n++
	}
	elapsed := time.Since(start)
	client1, clientOK1 := threadCPU()
	peer1, peerOK1 := sd.peerCPU()
	if withPeer {
		_ = unix.Getrusage(unix.RUSAGE_THREAD, &ru1)
		sd.vol += ru1.Nvcsw - ru0.Nvcsw
		sd.invol += ru1.Nivcsw - ru0.Nivcsw
		sd.softirqd += sd.s.softirqdSwitches() - irq0
		sd.irqCPU += sd.s.softirqdCPU() - irqCPU0
		if sd.s.cpu >= 0 {
			busy1, all1 := elseTicks(sd.s.cpu)
			sd.elseBusy, sd.elseAll = sd.elseBusy+busy1-busy0, sd.elseAll+all1-all0
		}
		if peerOK && peerOK1 && clientOK && clientOK1 {
			sd.cpu += client1 - client0 + peer1 - peer0
		} else {
			sd.noCPU = true
		}
	}
	sd.msgs += n
	sd.elapsed += elapsed
	return nil
}

// result is the side's Result: its chunks' sums, and the session's own
// counters (the peer's switches, TCP's) over the whole pair.
func (sd *pairSide) result() Result {
	counts := sd.s.counts().sub(sd.before)
	counts.CPU = sd.cpu
	if sd.noCPU {
		// As counts does: no CPU time rather than part of it.
		counts.CPU = 0
	}
	counts.ClientVoluntary, counts.ClientInvoluntary = sd.vol, sd.invol
	counts.Softirqd, counts.SoftirqdCPU = sd.softirqd, sd.irqCPU
	counts.ElseBusy, counts.ElseTotal = sd.elseBusy, sd.elseAll
	return Result{Config: sd.s.cfg, Msgs: sd.msgs, Elapsed: sd.elapsed, Counts: counts, Latency: sd.lat.summary()}
}
