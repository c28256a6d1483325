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

	"netnotes/internal/bench/affinity"
	"netnotes/internal/role"
)

// The raw path's peer is a child process: this same executable, playing
// the role bench-peer (internal/role) with the peer's spec as its argument
// and the server end of the connection as descriptors 3 (to read from)
// and 4 (to write to; the same socket but for Pipe). The role plays while
// packages initialize, before any test (or the bench tool's main) starts,
// so every binary that imports this package can serve as its own peer.
var peerRole = role.Register(role.Role{Name: "bench-peer", Args: []string{"shape,size,cpu"}, Run: func(args []string) int {
	if err := childPeer(args[0]); err != nil {
		fmt.Fprintf(os.Stderr, "bench peer (%s): %v\n", args[0], err)
		return 1
	}
	return 0
}})

// peerSpec is what the child needs to know, passed as its argument.
type peerSpec struct {
	shape Shape
	size  int
	cpu   int // -1: not pinned
}

func (p peerSpec) String() string {
	return fmt.Sprintf("%s,%d,%d", p.shape, p.size, p.cpu)
}

// syncMark, as a stream message's first byte, asks the peer to answer
// with one byte once it has read that message: the client then knows that
// everything it sent so far has been read (after the warm-up, and at the
// end of each chunk of a paired measurement, MeasurePair). Other
// messages start with 0 (the buffer holds byte(i) at i). The peer reads
// whole messages, so their first bytes are where it looks.
const syncMark byte = 1

func parsePeerSpec(s string) (peerSpec, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return peerSpec{}, fmt.Errorf("want shape,size,cpu; got %q", s)
	}
	var p peerSpec
	var err [2]error
	p.shape = Shape(f[0])
	p.size, err[0] = strconv.Atoi(f[1])
	p.cpu, err[1] = strconv.Atoi(f[2])
	if e := errors.Join(err[:]...); e != nil {
		return peerSpec{}, e
	}
	if p.size < 1 || p.size > MaxSize || (p.shape != RoundTrip && p.shape != Stream) {
		return peerSpec{}, fmt.Errorf("bad peer spec %q", s)
	}
	return p, nil
}

// childPeer runs in the child process, on its main thread (roles play
// there, locked).
func childPeer(spec string) error {
	p, err := parsePeerSpec(spec)
	if err != nil {
		return err
	}
	if p.cpu >= 0 {
		// Only this thread on the measured CPU.
		var one unix.CPUSet
		one.Set(p.cpu)
		// The runtime's other threads (sysmon above all) go to the other
		// CPUs, as the client's do, even when this process was started on
		// the one CPU: under `taskset -c N go test -bench` (the process
		// placement) the peer inherits that mask, and its runtime's
		// threads there (sysmon wakes ~100 times a second) cost a 100 B
		// TCP stream 6-8% more CPU time per message than C's threadless
		// peer, with more data segments (45-53 per 1000 messages against
		// 32-51); moved, 4-6% more. The client's own threads stay where
		// the reader put them: moving them alone changed nothing.
		if _, err := affinity.MoveOtherThreads(p.cpu, true); err != nil {
			return err
		}
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			return fmt.Errorf("sched_setaffinity(cpu %d): %w", p.cpu, err)
		}
	}
	// A descriptor table of this thread's own (see privateFiles): this
	// thread only reads, writes and exits.
	// A seccomp filter may refuse it (EPERM): the shared table then stays.
	if err := unix.Unshare(unix.CLONE_FILES); err != nil && err != unix.EPERM && err != unix.ENOSYS {
		return fmt.Errorf("unshare(CLONE_FILES): %w", err)
	}
	const rfd, wfd = 3, 4
	buf := pageAligned(p.size)
	// The loop is written as C's are (and as session.Op's): the call that
	// moves a whole message is made here, with no function between the
	// loop and the system call's stub (readOnce and writeOnce are too big
	// to inline); readAfter and writeAfter finish a short one. A round
	// trip's peer writes each message back; a stream's reads messages
	// until EOF, acknowledging with one byte each message marked syncMark
	// and once more at EOF.
	roundTrip := p.shape == RoundTrip
	ack := []byte{'!'}
	for {
		var n int
		if rawSyscalls {
			n = sysRead(rfd, buf)
		} else {
			n = goRead(rfd, buf)
		}
		if n != len(buf) {
			if _, err := readAfter(rfd, buf, n); err == io.EOF {
				if roundTrip {
					return nil
				}
				return writeFull(wfd, ack)
			} else if err != nil {
				return err
			}
		}
		switch {
		case roundTrip:
			if rawSyscalls {
				n = sysWrite(wfd, buf)
			} else {
				n = goWrite(wfd, buf)
			}
			if n != len(buf) {
				if err := writeAfter(wfd, buf, n); err != nil {
					return err
				}
			}
		case buf[0] == syncMark:
			if err := writeFull(wfd, ack); err != nil {
				return err
			}
		}
	}
}

// streamPeer reads messages until EOF, acknowledging with one byte each
// message marked syncMark and once more at EOF.
func streamPeer(size int, read func([]byte) (int, error), write func([]byte) error) error {
	buf := make([]byte, size)
	ack := []byte{'!'}
	for {
		_, err := read(buf)
		if err == io.EOF {
			return write(ack)
		}
		if err != nil {
			return err
		}
		if buf[0] == syncMark {
			if err := write(ack); err != nil {
				return err
			}
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
	return streamPeer(p.size, func(b []byte) (int, error) {
		n, err := io.ReadFull(c, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return n, err
	}, func(b []byte) error { _, err := c.Write(b); return err })
}

// startChildPeer starts the raw path's peer on the server ends (which it
// closes in this process).
func startChildPeer(server rawEnds, p peerSpec) (*exec.Cmd, error) {
	r := os.NewFile(uintptr(server.r), "bench-peer")
	defer r.Close()
	w := r
	if server.w != server.r {
		w = os.NewFile(uintptr(server.w), "bench-peer-w")
		defer w.Close()
	}
	cmd := peerRole.Command(p.String())
	cmd.Env = append(cmd.Env, "GOGC=off", peerGODEBUG())
	cmd.ExtraFiles = []*os.File{r, w}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the peer process: %w", err)
	}
	return cmd, nil
}

// peerGODEBUG quiets the peer's Go runtime (with GOGC=off: the peer
// allocates nothing in its loop, so no collector wakes). asyncpreemptoff=1: the peer's
// only goroutine plays its role for the whole session and would otherwise
// be sent a preemption signal every 10 ms by the runtime's sysmon (seen:
// ~100 signals a second, each waking the blocked peer on the pinned CPU).
func peerGODEBUG() string {
	debug := "asyncpreemptoff=1"
	if old := os.Getenv("GODEBUG"); old != "" {
		debug = old + "," + debug
	}
	return "GODEBUG=" + debug
}

// Raw I/O. The calls go straight to the kernel without telling the Go
// scheduler, through x/sys/unix's RawSyscallNoError (one assembly stub
// around the SYSCALL instruction, the errno decoded here, as libc's
// read and write do): on the client's locked thread and in the peer's
// single busy thread there is nothing to hand the P to, and skipping
// entersyscall/exitsyscall removes the harness's main per-call cost (see
// the package doc for how that was measured). A blocked call always ends
// because the other peer is a separate, running process.
var rawSyscalls = os.Getenv(role.BenchSyscallEnv) != "go"

// sysRead is read(2): the byte count, or -errno.
func sysRead(fd int, p []byte) int {
	r, _ := unix.RawSyscallNoError(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(r)
}

// sysWrite is write(2): the byte count, or -errno.
func sysWrite(fd int, p []byte) int {
	r, _ := unix.RawSyscallNoError(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(r)
}

// goRead and goWrite are the scheduler-aware calls
// (NETNOTES_BENCH_SYSCALL=go), out of line so that readFull and writeFull
// stay small.
//
//go:noinline
func goRead(fd int, p []byte) int { return count(unix.Read(fd, p)) }

//go:noinline
func goWrite(fd int, p []byte) int { return count(unix.Write(fd, p)) }

func count(n int, err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return -int(errno)
	}
	if err != nil {
		return -int(syscall.EIO)
	}
	return n
}

// readFull reads len(buf) bytes; io.EOF when the connection ends (even
// mid-message), with the count read so far.
func readFull(fd int, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	return readAfter(fd, buf, readOnce(fd, buf))
}

// readAfter goes on reading into buf after a first call that returned n
// (a count or -errno).
//
// session.Op and the child peer's loops make that first call themselves
// and call readAfter or writeAfter only when it did not move the whole
// message, so that no function lies between a loop and the system call's
// stub, as in C's loops (libc's read and write). See the package doc for
// what that changed.
func readAfter(fd int, buf []byte, n int) (int, error) {
	got := 0
	for {
		switch {
		case n == -int(unix.EINTR), n == -int(unix.EAGAIN):
			// EAGAIN on these blocking descriptors: a socket in a sockhash
			// (tcp-sockmap) can wake from its wait with nothing to read
			// (tcp_bpf_recvmsg); the next read blocks again.
		case n < 0:
			return got, fmt.Errorf("read: %w", syscall.Errno(-n))
		case n == 0:
			return got, io.EOF
		default:
			got += n
		}
		if got == len(buf) {
			return got, nil
		}
		n = readOnce(fd, buf[got:])
	}
}

func readOnce(fd int, buf []byte) int {
	if rawSyscalls {
		return sysRead(fd, buf)
	}
	return goRead(fd, buf)
}

func writeFull(fd int, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	return writeAfter(fd, buf, writeOnce(fd, buf))
}

// writeAfter goes on writing buf after a first call that returned n.
func writeAfter(fd int, buf []byte, n int) error {
	for {
		switch {
		case n == -int(unix.EINTR):
		case n < 0:
			return fmt.Errorf("write: %w", syscall.Errno(-n))
		default:
			buf = buf[n:]
		}
		if len(buf) == 0 {
			return nil
		}
		n = writeOnce(fd, buf)
	}
}

func writeOnce(fd int, buf []byte) int {
	if rawSyscalls {
		return sysWrite(fd, buf)
	}
	return goWrite(fd, buf)
}
