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
)

// Session is one connection with its peer running, warmed up, ready to
// time. It belongs to the goroutine that started it (the raw path locks
// that goroutine to its OS thread): call Op, Finish and Close there.
type Session struct {
	cfg  Config
	buf  []byte
	fd   int      // raw path: the client's descriptor
	conn net.Conn // netconn path: the client's end

	child    *exec.Cmd  // raw path: the peer process
	peerDone chan error // netconn path: the peer goroutine's end
	undo     []func()   // run in reverse by Close
	finished bool
}

// warmup returns how many messages are exchanged, untimed, before timing:
// enough to fill the socket buffers and let the scheduler settle.
func warmup(c Config) int {
	if c.Shape == RoundTrip {
		return 2000
	}
	return max(256, min(50000, (8<<20)/c.Size))
}

// Start sets up the connection and the peer, applies the placement and
// warms up. The caller must Close it.
func Start(c Config) (s *Session, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s = &Session{cfg: c, buf: make([]byte, c.Size), fd: -1}
	for i := range s.buf {
		s.buf[i] = byte(i)
	}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	cpu := -1
	if c.Placement == OneCPU {
		if cpu, err = PinCPU(); err != nil {
			return s, err
		}
	}
	spec := peerSpec{shape: c.Shape, size: c.Size, warm: warmup(c), cpu: cpu}

	switch c.Path {
	case Raw:
		runtime.LockOSThread()
		s.undo = append(s.undo, runtime.UnlockOSThread)
		client, server, err := rawPair(c)
		if err != nil {
			return s, fmt.Errorf("connecting %s: %w", c.Transport, err)
		}
		s.fd = client
		undo, err := shortcut(c, client, server)
		if err != nil {
			unix.Close(server)
			return s, err
		}
		if undo != nil {
			s.undo = append(s.undo, undo)
		}
		// The child is started before this thread is pinned, so that the
		// child's runtime threads inherit a free mask; it pins its own
		// main thread.
		if s.child, err = startChildPeer(server, spec); err != nil {
			return s, err
		}
		if cpu >= 0 {
			restore, err := pinThread(cpu)
			if err != nil {
				return s, err
			}
			s.undo = append(s.undo, restore)
		}
	case NetConn:
		client, server, err := connPair(c)
		if err != nil {
			return s, fmt.Errorf("connecting %s: %w", c.Transport, err)
		}
		s.conn = client
		s.peerDone = make(chan error, 1)
		go func() { s.peerDone <- connPeer(server, spec) }()
		if cpu >= 0 {
			restore, err := pinProcess(cpu)
			if err != nil {
				return s, err
			}
			s.undo = append(s.undo, restore)
		}
	}

	for range spec.warm {
		if err := s.Op(); err != nil {
			return s, fmt.Errorf("warming up: %w", err)
		}
	}
	if c.Shape == Stream {
		if err := s.readAck(); err != nil {
			return s, fmt.Errorf("waiting for the peer to take the warm-up: %w", err)
		}
	}
	return s, nil
}

// Op sends one message (Stream) or makes one round trip (RoundTrip).
func (s *Session) Op() error {
	if s.fd >= 0 {
		if err := writeFull(s.fd, s.buf); err != nil {
			return err
		}
		if s.cfg.Shape == RoundTrip {
			if _, err := readFull(s.fd, s.buf); err != nil {
				return err
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

// Finish waits, for Stream, until the peer has read everything sent: the
// client shuts its sending side and the peer answers EOF with one byte.
// Nothing can be sent after Finish.
func (s *Session) Finish() error {
	if s.finished || s.cfg.Shape != Stream {
		s.finished = true
		return nil
	}
	s.finished = true
	if s.fd >= 0 {
		if err := unix.Shutdown(s.fd, unix.SHUT_WR); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	} else if err := s.conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		return err
	}
	return s.readAck()
}

func (s *Session) readAck() error {
	var ack [1]byte
	var err error
	if s.fd >= 0 {
		_, err = readFull(s.fd, ack[:])
	} else {
		_, err = io.ReadFull(s.conn, ack[:])
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the peer closed the connection before acknowledging")
	}
	return err
}

// Close ends the connection, waits for the peer and undoes the placement.
func (s *Session) Close() error {
	var errs []error
	if s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
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

// Result is one timed measurement.
type Result struct {
	Config  Config
	Msgs    int64
	Elapsed time.Duration
}

// MsgsPerSec is the message (Stream) or round-trip (RoundTrip) rate.
func (r Result) MsgsPerSec() float64 { return float64(r.Msgs) / r.Elapsed.Seconds() }

// Measure runs one experiment for about d after warm-up, on the calling
// goroutine, and returns what it timed.
func Measure(c Config, d time.Duration) (Result, error) {
	s, err := Start(c)
	if err != nil {
		return Result{}, err
	}
	// The clock is read every batch messages, as the C program does.
	const batch = 16
	var n int64
	start := time.Now()
	deadline := start.Add(d)
	for {
		for range batch {
			if err := s.Op(); err != nil {
				s.Close()
				return Result{}, err
			}
		}
		n += batch
		if !time.Now().Before(deadline) {
			break
		}
	}
	err = s.Finish()
	elapsed := time.Since(start)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return Result{Config: c, Msgs: n, Elapsed: elapsed}, err
}
