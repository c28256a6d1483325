package bench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The raw path's peer is a child process: this same executable, started
// with peerEnv set and the server end of the connection as descriptor 3.
// The package's init runs the peer loop and exits before any test (or the
// bench tool's main) starts, so every binary that imports this package can
// serve as its own peer.
const peerEnv = "NETNOTES_BENCH_PEER"

func init() {
	if spec, ok := os.LookupEnv(peerEnv); ok {
		if err := childPeer(spec); err != nil {
			fmt.Fprintf(os.Stderr, "bench peer (%s=%q): %v\n", peerEnv, spec, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// peerSpec is what the child needs to know, passed in peerEnv.
type peerSpec struct {
	shape Shape
	size  int
	warm  int // messages of warm-up the stream peer acknowledges
	cpu   int // -1: not pinned
}

func (p peerSpec) String() string {
	return fmt.Sprintf("%s,%d,%d,%d", p.shape, p.size, p.warm, p.cpu)
}

func parsePeerSpec(s string) (peerSpec, error) {
	f := strings.Split(s, ",")
	if len(f) != 4 {
		return peerSpec{}, fmt.Errorf("want shape,size,warm,cpu; got %q", s)
	}
	var p peerSpec
	var err [3]error
	p.shape = Shape(f[0])
	p.size, err[0] = strconv.Atoi(f[1])
	p.warm, err[1] = strconv.Atoi(f[2])
	p.cpu, err[2] = strconv.Atoi(f[3])
	if e := errors.Join(err[:]...); e != nil {
		return peerSpec{}, e
	}
	if p.size < 1 || p.size > MaxSize || (p.shape != RoundTrip && p.shape != Stream) {
		return peerSpec{}, fmt.Errorf("bad peer spec %q", s)
	}
	return p, nil
}

// childPeer runs in the child process, on its main thread (init runs
// there, locked).
func childPeer(spec string) error {
	p, err := parsePeerSpec(spec)
	if err != nil {
		return err
	}
	if p.cpu >= 0 {
		// Only this thread: the runtime's own threads stay free, as they
		// would be for the C peer (which has none).
		var one unix.CPUSet
		one.Set(p.cpu)
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			return fmt.Errorf("sched_setaffinity(cpu %d): %w", p.cpu, err)
		}
	}
	const fd = 3
	buf := make([]byte, p.size)
	if p.shape == RoundTrip {
		for {
			if _, err := readFull(fd, buf); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := writeFull(fd, buf); err != nil {
				return err
			}
		}
	}
	return streamPeer(p.size, p.warm, func(b []byte) (int, error) { return readFull(fd, b) },
		func(b []byte) error { return writeFull(fd, b) })
}

// streamPeer reads messages until EOF, acknowledging with one byte once the
// warm-up messages are in and once more at EOF.
func streamPeer(size, warm int, read func([]byte) (int, error), write func([]byte) error) error {
	buf := make([]byte, size)
	ack := []byte{'!'}
	warmBytes := int64(warm) * int64(size)
	var got int64
	acked := warm <= 0
	for {
		n, err := read(buf)
		got += int64(n)
		if !acked && got >= warmBytes {
			if err := write(ack); err != nil {
				return err
			}
			acked = true
		}
		if err == io.EOF {
			return write(ack)
		}
		if err != nil {
			return err
		}
	}
}

// connPeer is the netconn path's peer: a goroutine of this process.
func connPeer(c net.Conn, p peerSpec) error {
	defer c.Close()
	if p.shape == RoundTrip {
		buf := make([]byte, p.size)
		for {
			if _, err := io.ReadFull(c, buf); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if _, err := c.Write(buf); err != nil {
				return err
			}
		}
	}
	return streamPeer(p.size, p.warm, func(b []byte) (int, error) {
		n, err := io.ReadFull(c, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return n, err
	}, func(b []byte) error { _, err := c.Write(b); return err })
}

// startChildPeer starts the raw path's peer on the server end fd (which it
// closes in this process).
func startChildPeer(server int, p peerSpec) (*exec.Cmd, error) {
	f := os.NewFile(uintptr(server), "bench-peer")
	defer f.Close()
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this executable to run the peer: %w", err)
	}
	cmd := exec.Command(exe)
	// GOGC=off: the peer allocates nothing in its loop; no collector wakes.
	cmd.Env = append(os.Environ(), peerEnv+"="+p.String(), "GOGC=off")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the peer process: %w", err)
	}
	return cmd, nil
}

// Raw I/O. The calls go straight to the kernel without telling the Go
// scheduler (RawSyscall): on the client's locked thread and in the peer's
// single busy thread there is nothing to hand the P to, and skipping
// entersyscall/exitsyscall removes the harness's main per-call cost (see
// the package doc for how that was measured). A blocked call always ends
// because the other peer is a separate, running process.
var rawSyscalls = os.Getenv("NETNOTES_BENCH_SYSCALL") != "go"

func sysRead(fd int, p []byte) (int, error) {
	if !rawSyscalls {
		return unix.Read(fd, p)
	}
	r, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

func sysWrite(fd int, p []byte) (int, error) {
	if !rawSyscalls {
		return unix.Write(fd, p)
	}
	r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// readFull reads len(buf) bytes; io.EOF when the connection ends (even
// mid-message), with the count read so far.
func readFull(fd int, buf []byte) (int, error) {
	got := 0
	for got < len(buf) {
		n, err := sysRead(fd, buf[got:])
		switch {
		case err == unix.EINTR, err == unix.EAGAIN:
			// EAGAIN on these blocking descriptors: a socket in a sockhash
			// (tcp-sockmap) can wake from its wait with nothing to read
			// (tcp_bpf_recvmsg); the next read blocks again.
			continue
		case err != nil:
			return got, fmt.Errorf("read: %w", err)
		case n == 0:
			return got, io.EOF
		}
		got += n
	}
	return got, nil
}

func writeFull(fd int, buf []byte) error {
	for len(buf) > 0 {
		n, err := sysWrite(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		buf = buf[n:]
	}
	return nil
}
