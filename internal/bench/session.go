package bench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench/affinity"
	"netnotes/internal/osthread"
)

// session is one connection with its peer running, warmed up, ready to
// time. It belongs to the goroutine that started it (the raw path locks
// that goroutine to its OS thread): call Op, Finish and Close there.
type session struct {
	cfg  Config
	buf  []byte
	rfd  int      // raw path: the client's descriptor to read from,
	wfd  int      // and to write to (the same socket but for Pipe)
	conn net.Conn // netconn path: the client's end

	child    *exec.Cmd  // raw path: the peer process
	peerDone chan error // netconn path: the peer goroutine's end
	undo     []func()   // run in reverse by Close
	finished bool
	// ownThread: the raw path's thread left the process's descriptor
	// table (privateFiles); it stays locked and ends with its goroutine.
	ownThread bool
	softirqd  int // pid of the pinned CPU's ksoftirqd (Counts), or 0
	cpu       int // the CPU of the OneCPU placement, or -1
}

// WarmupMsgs returns how many messages are exchanged, untimed, before
// timing: enough to fill the socket buffers and let the scheduler settle.
func (c Config) WarmupMsgs() int {
	if c.Warmup > 0 {
		return c.Warmup
	}
	if c.Shape == RoundTrip {
		return 2000
	}
	return max(256, min(50000, (8<<20)/c.Size))
}

// startSession sets up the connection and the peer, applies the placement and
// warms up. The caller must Close it.
func startSession(c Config) (*session, error) {
	s, err := open(c)
	if err == nil {
		err = s.place()
	}
	if err == nil {
		err = s.warm()
	}
	if err != nil {
		if s != nil {
			s.Close()
		}
		return nil, err
	}
	return s, nil
}

// open makes the connection and starts the peer, placed nowhere yet: a
// raw session's peer process is started before this thread is pinned, so
// that the child's runtime threads inherit a free mask (it pins its own
// main thread). On error the session is returned for Close.
func open(c Config) (s *session, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s = &session{cfg: c, buf: pageAligned(c.Size), rfd: -1, wfd: -1, cpu: -1}
	for i := range s.buf {
		s.buf[i] = byte(i)
	}
	if c.Placement == OneCPU {
		if s.cpu, err = affinity.OneCPU(); err != nil {
			return s, err
		}
	}
	spec := peerSpec{shape: c.Shape, size: c.Size, cpu: s.cpu}

	switch c.Path {
	case Raw:
		runtime.LockOSThread()
		s.undo = append(s.undo, func() {
			if !s.ownThread {
				runtime.UnlockOSThread()
			}
		})
		client, server, err := rawEndsFor(c)
		if err != nil {
			return s, fmt.Errorf("connecting %s: %w", c.Transport, err)
		}
		s.rfd, s.wfd = client.r, client.w
		undo, err := shortcut(c, client.r, server.r)
		if err != nil {
			server.close()
			return s, err
		}
		if undo != nil {
			s.undo = append(s.undo, undo)
		}
		if s.child, err = startChildPeer(server, spec); err != nil {
			return s, err
		}
	case NetConn:
		client, server, err := connPair(c)
		if err != nil {
			return s, fmt.Errorf("connecting %s: %w", c.Transport, err)
		}
		s.conn = client
		s.peerDone = make(chan error, 1)
		go func() { s.peerDone <- connPeer(server, spec) }()
	}
	return s, nil
}

// place applies the placement: for OneCPU, the raw path's client thread
// on the CPU and this process's other threads off it, or (netconn) every
// thread on it.
func (s *session) place() error {
	if s.cpu < 0 {
		return nil
	}
	if s.cfg.Path == NetConn {
		restore, err := affinity.PinProcess(s.cpu)
		if err != nil {
			return err
		}
		s.undo = append(s.undo, restore)
		return nil
	}
	others, err := affinity.MoveOtherThreads(s.cpu, false)
	if err != nil {
		return err
	}
	s.undo = append(s.undo, others)
	restore, err := affinity.PinThread(s.cpu)
	if err != nil {
		return err
	}
	s.undo = append(s.undo, restore)
	s.softirqd = ksoftirqd(s.cpu)
	return nil
}

// warm exchanges the warm-up messages; a stream's last one is marked, so
// that the peer has read them all when warm returns.
func (s *session) warm() error {
	n := s.cfg.WarmupMsgs()
	for range n - 1 {
		if err := s.Op(); err != nil {
			return fmt.Errorf("warming up: %w", err)
		}
	}
	if err := s.syncOp(); err != nil {
		return fmt.Errorf("warming up: %w", err)
	}
	return nil
}

// Op sends one message (Stream) or makes one round trip (RoundTrip).
func (s *session) Op() error {
	if s.wfd >= 0 {
		// The first call of each written out, no function between this
		// loop and the stub (see readAfter for why).
		var n int
		if rawSyscalls {
			n = sysWrite(s.wfd, s.buf)
		} else {
			n = goWrite(s.wfd, s.buf)
		}
		if n != len(s.buf) {
			if err := writeAfter(s.wfd, s.buf, n); err != nil {
				return err
			}
		}
		if s.cfg.Shape == RoundTrip {
			if rawSyscalls {
				n = sysRead(s.rfd, s.buf)
			} else {
				n = goRead(s.rfd, s.buf)
			}
			if n != len(s.buf) {
				if _, err := readAfter(s.rfd, s.buf, n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if _, err := s.conn.Write(s.buf); err != nil {
		return err
	}
	if s.cfg.Shape == RoundTrip {
		if _, err := io.ReadFull(s.conn, s.buf); err != nil {
			return err
		}
	}
	return nil
}

// syncOp is Op for a round trip; for a stream it sends one message
// marked syncMark and waits for the peer's answer, so that everything
// sent so far has been read when it returns.
func (s *session) syncOp() error {
	if s.cfg.Shape != Stream {
		return s.Op()
	}
	s.buf[0] = syncMark
	err := s.Op()
	s.buf[0] = 0
	if err != nil {
		return err
	}
	return s.readAck()
}

// Finish waits, for Stream, until the peer has read everything sent: the
// client shuts its sending side and the peer answers EOF with one byte.
// Nothing can be sent after Finish.
func (s *session) Finish() error {
	if s.finished || s.cfg.Shape != Stream {
		s.finished = true
		return nil
	}
	s.finished = true
	if s.wfd >= 0 && s.wfd != s.rfd {
		// A pipe ends when its write end closes.
		if err := unix.Close(s.wfd); err != nil {
			return fmt.Errorf("closing the pipe: %w", err)
		}
		s.wfd = -2 // closed; not the netconn path either
	} else if s.wfd >= 0 {
		if err := unix.Shutdown(s.wfd, unix.SHUT_WR); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	} else if err := s.conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		return err
	}
	return s.readAck()
}

func (s *session) readAck() error {
	var ack [1]byte
	var err error
	if s.rfd >= 0 {
		_, err = readFull(s.rfd, ack[:])
	} else {
		_, err = io.ReadFull(s.conn, ack[:])
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the peer closed the connection before acknowledging")
	}
	return err
}

// Close ends the connection, waits for the peer and undoes the placement.
func (s *session) Close() error {
	var errs []error
	if s.wfd >= 0 && s.wfd != s.rfd {
		unix.Close(s.wfd)
	}
	if s.rfd >= 0 {
		unix.Close(s.rfd)
	}
	s.rfd, s.wfd = -1, -1
	if s.conn != nil {
		s.conn.Close()
	}
	if s.child != nil {
		done := make(chan error, 1)
		go func() { done <- s.child.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				errs = append(errs, fmt.Errorf("peer process: %w", err))
			}
		case <-time.After(10 * time.Second):
			s.child.Process.Kill()
			errs = append(errs, fmt.Errorf("peer process did not end within 10s of EOF; killed: %v", <-done))
		}
	}
	if s.peerDone != nil {
		if err := <-s.peerDone; err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("peer goroutine: %w", err))
		}
	}
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
	s.undo = nil
	return errors.Join(errs...)
}

// privateFiles gives the raw path's client thread a descriptor table of
// its own, as a single-threaded C program has. While a process's threads
// share one table (Go's threads do), the kernel takes and drops a
// reference on the file at every read and write (fdget/fput: two atomic
// operations per call, 2-3% of a 100 B stream's samples in `perf record`);
// with a table of its own it skips them. The shared table's copy of the
// client's descriptor is closed from another thread, so the connection
// ends when this thread closes its own. The thread can never go back: it
// stays locked and the runtime ends it with its goroutine, so only call
// this inside onOwnGoroutine (Measure and Run do), whose thread is never
// the main one: the runtime cannot end the main thread, and parked with a
// table of its own it would make /proc/PID/fd name a table nobody else
// uses (issue 18).
func (s *session) privateFiles() error {
	if s.rfd < 0 {
		return nil // netconn path: the poller's threads need the shared table
	}
	if err := unix.Unshare(unix.CLONE_FILES); err == unix.EPERM || err == unix.ENOSYS {
		// A seccomp filter (a container's default one) may refuse
		// unshare: keep the shared table, at a few percent of the rate.
		return nil
	} else if err != nil {
		return fmt.Errorf("unshare(CLONE_FILES): %w", err)
	}
	s.ownThread = true
	closed := make(chan error)
	// Another goroutine runs on another thread: this one is locked.
	go func() {
		err := unix.Close(s.rfd)
		if s.wfd != s.rfd {
			err = errors.Join(err, unix.Close(s.wfd))
		}
		closed <- err
	}()
	if err := <-closed; err != nil {
		return fmt.Errorf("closing the shared table's copy of the connection: %w", err)
	}
	return nil
}

// onOwnGoroutine runs fn on a goroutine of its own, on a thread that is
// not the main thread and that the runtime ends afterwards
// (osthread.Throwaway), and waits for it: a raw session's thread may leave
// the descriptor table (privateFiles). fn may end with runtime.Goexit (a
// testing.B's Fatal); that is reported as an error.
func onOwnGoroutine(fn func() error) error {
	err := errors.New("bench: the measurement ended without a result")
	osthread.Throwaway(func() { err = fn() })
	return err
}

// Result is one timed measurement.
type Result struct {
	Config  Config
	Msgs    int64
	Elapsed time.Duration
	// Counts is what the kernel did during the timed part, to tell a
	// run's mode apart (raw path only; zero elsewhere).
	Counts Counts
	// Latency is the round trips' percentiles (RoundTrip only).
	Latency Latency
}

// MsgsPerSec is the message (Stream) or round-trip (RoundTrip) rate.
func (r Result) MsgsPerSec() float64 { return float64(r.Msgs) / r.Elapsed.Seconds() }

// Measure runs one experiment for about d after warm-up, on a goroutine
// of its own, and returns what it timed.
func Measure(c Config, d time.Duration) (r Result, err error) {
	err = onOwnGoroutine(func() error {
		r, err = measureHere(c, d)
		return err
	})
	return r, err
}

func measureHere(c Config, d time.Duration) (Result, error) {
	s, err := startSession(c)
	if err != nil {
		return Result{}, err
	}
	if err := s.privateFiles(); err != nil {
		s.Close()
		return Result{}, err
	}
	// The clock is read every batch messages, as the C program does.
	const batch = 16
	var n int64
	// Every round trip is timed too, as `go test -bench` times them (Run).
	lat := newLatencies(c.Shape)
	before := s.counts()
	start := time.Now()
	deadline := start.Add(d)
	for {
		for range batch {
			began := lat.start()
			if err := s.Op(); err != nil {
				s.Close()
				return Result{}, err
			}
			lat.record(began)
		}
		n += batch
		if !time.Now().Before(deadline) {
			break
		}
	}
	err = s.Finish()
	elapsed := time.Since(start)
	counts := s.counts().sub(before)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return Result{Config: c, Msgs: n, Elapsed: elapsed, Counts: counts, Latency: lat.summary()}, err
}
