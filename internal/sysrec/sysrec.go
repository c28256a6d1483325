//go:build linux

// Package sysrec records the system calls of one program, the way strace
// does, from Go: it starts the program under ptrace, stops it at every
// system call's entry and exit, and returns each call with its name, its
// path arguments (read from the program's memory at entry), its flags and
// its return value.
//
//	rec, err := sysrec.Run(ctx, sysrec.Command{Path: "rm", Args: []string{"-f", "111"}, Dir: dir})
//	for _, c := range rec.Named("unlink", "unlinkat") {
//		fmt.Println(c) // unlinkat(AT_FDCWD, "111", 0) = 0
//	}
//
// It follows exactly one process: the one it execs. Children the program
// forks run untraced. Calls are recorded from the first instruction after
// the exec, so the execve that started the program is not among them.
//
// Every ptrace request comes from one locked OS thread, the tracer, as the
// kernel requires. The tracee is started with PTRACE_O_EXITKILL (and a parent
// death signal before that is set), so if the recording process dies, the
// kernel kills the program too: a failing test leaves no stopped process.
// Run returns only after the program is reaped.
//
// Names come from a table of the running architecture's numbers (amd64 and
// arm64; elsewhere calls are named syscall_N), arguments from
// PTRACE_GET_SYSCALL_INFO (Linux 5.3).
package sysrec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Command is the program to record.
type Command struct {
	Path string   // the program: a path, or a name looked up on PATH
	Args []string // its arguments, without argv[0]
	Dir  string   // its working directory; "" for the caller's
	Env  []string // its environment; nil for the caller's
}

// Call is one system call the program made.
type Call struct {
	Nr       uint64         // the number, on the running architecture
	Name     string         // its name, or syscall_<Nr> when unknown
	Args     [6]uint64      // the raw arguments
	Paths    map[int]string // path arguments by index, read at entry
	Ret      int64          // the raw return value
	Errno    unix.Errno     // the error, when the call failed
	Returned bool           // false for a call that never returned (exit_group)
}

// Recording is what Run saw.
type Recording struct {
	Path     string // the program that ran
	Calls    []Call // every system call after the exec, in order
	ExitCode int    // its exit status, or -1 when a signal ended it
	Signal   syscall.Signal
	Output   []byte // what it wrote to stdout and stderr (first 64 KiB)
}

// Named returns the calls with one of the given names, in order.
func (r *Recording) Named(names ...string) []Call {
	var out []Call
	for _, c := range r.Calls {
		for _, n := range names {
			if c.Name == n {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Path returns the call's first path argument, and false when it has none.
func (c Call) Path() (string, bool) {
	for _, i := range pathArgs(c.Name) {
		if p, ok := c.Paths[i]; ok {
			return p, true
		}
	}
	return "", false
}

// Flags returns the call's decoded flags argument ("AT_REMOVEDIR", "0",
// "O_RDONLY|O_CLOEXEC"), or "" for a call without one this package decodes.
func (c Call) Flags() string {
	for i, k := range signatures[c.Name] {
		switch k {
		case kAtFlags, kUnlinkAt, kAccessAt, kOpen:
			return c.arg(i, k)
		}
	}
	return ""
}

// String shows the call as strace does: unlinkat(AT_FDCWD, "111", 0) = 0.
func (c Call) String() string {
	var args []string
	if sig, ok := signatures[c.Name]; ok {
		for i, k := range sig {
			if k == kOctal && (c.Name == "open" || c.Name == "openat") && !creates(c.Args[i-1]) {
				break // the mode means something only when a file is created
			}
			args = append(args, c.arg(i, k))
		}
	} else {
		for i := range c.Args {
			args = append(args, c.arg(i, kHex))
		}
	}
	s := c.Name + "(" + strings.Join(args, ", ") + ")"
	switch {
	case !c.Returned:
		return s + " = ?"
	case c.Errno != 0:
		return fmt.Sprintf("%s = -1 %s (%s)", s, unix.ErrnoName(c.Errno), c.Errno.Error())
	}
	return fmt.Sprintf("%s = %d", s, c.Ret)
}

// Run starts cmd under ptrace, records its system calls until it exits and
// returns them. When ctx ends first, the program is killed and Run returns
// what it recorded with ctx's error. Errors name the step that failed: a
// missing program, a refused ptrace (EPERM under a restrictive Yama or
// seccomp policy), a kernel without PTRACE_GET_SYSCALL_INFO.
func Run(ctx context.Context, cmd Command) (*Recording, error) {
	if cmd.Path == "" {
		return nil, errors.New("sysrec: no program given")
	}
	path, err := exec.LookPath(cmd.Path)
	if err != nil {
		return nil, fmt.Errorf("sysrec: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sysrec: %s not started: %w", path, err)
	}
	type result struct {
		rec *Recording
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec, err := trace(ctx, path, cmd)
		done <- result{rec, err}
	}()
	r := <-done
	return r.rec, r.err
}

// trace runs on its own goroutine, locked to one OS thread for good: the
// thread that forks the program is its tracer, and only that thread may
// send it ptrace requests. The thread is released only once the program is
// reaped; otherwise it exits with the goroutine, and PTRACE_O_EXITKILL (or
// the parent death signal) takes the program with it.
func trace(ctx context.Context, path string, cmd Command) (*Recording, error) {
	runtime.LockOSThread()
	out, err := newCapture()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		out.abandon()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("sysrec: %w", err)
	}
	pid, err := syscall.ForkExec(path, append([]string{path}, cmd.Args...), &syscall.ProcAttr{
		Dir:   cmd.Dir,
		Env:   env,
		Files: []uintptr{devnull.Fd(), out.w.Fd(), out.w.Fd()},
		Sys:   &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	})
	devnull.Close()
	out.w.Close()
	if err != nil {
		out.abandon()
		runtime.UnlockOSThread()
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("sysrec: ptrace of %s refused (Yama ptrace_scope or seccomp?): %w", path, err)
		}
		return nil, fmt.Errorf("sysrec: starting %s: %w", path, err)
	}
	t := &tracee{pid: pid, rec: &Recording{Path: path}}
	stopWatch := t.killOnDone(ctx)
	err = t.follow()
	stopWatch()
	t.rec.Output = out.collect()
	if t.reaped {
		runtime.UnlockOSThread()
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("sysrec: %s killed: %w", path, ctx.Err())
	}
	return t.rec, err
}

type tracee struct {
	pid     int
	rec     *Recording
	mu      sync.Mutex // guards reaped against the ctx watcher's kill
	reaped  bool
	pending *Call
}

// killOnDone kills the program when ctx ends; the returned func stops the
// watcher. The pid is killed only while it is still ours (not yet reaped).
func (t *tracee) killOnDone(ctx context.Context) func() {
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
			t.mu.Lock()
			if !t.reaped {
				_ = unix.Kill(t.pid, unix.SIGKILL)
			}
			t.mu.Unlock()
		case <-stop:
		}
	}()
	return func() { close(stop); <-finished }
}

// follow drives the program from its first stop (the SIGTRAP after exec) to
// its end. On any error it kills and reaps the program before returning.
func (t *tracee) follow() error {
	status, err := t.wait()
	if err != nil {
		return t.abort(err)
	}
	if !status.Stopped() || status.StopSignal() != unix.SIGTRAP {
		if t.reaped {
			return fmt.Errorf("sysrec: %s ended before its first stop (%s)", t.rec.Path, describe(status))
		}
		return t.abort(fmt.Errorf("unexpected first stop: %s", describe(status)))
	}
	opts := unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC
	if err := unix.PtraceSetOptions(t.pid, opts); err != nil {
		return t.abort(fmt.Errorf("PTRACE_SETOPTIONS: %w", err))
	}
	inject := 0
	for {
		if err := unix.PtraceSyscall(t.pid, inject); err != nil && !errors.Is(err, unix.ESRCH) {
			return t.abort(fmt.Errorf("PTRACE_SYSCALL: %w", err))
		}
		inject = 0
		status, err := t.wait()
		if err != nil {
			return t.abort(err)
		}
		switch {
		case t.reaped:
			t.flush()
			return nil
		case status.StopSignal() == unix.SIGTRAP|0x80:
			if err := t.syscallStop(); err != nil {
				return t.abort(err)
			}
		case status.StopSignal() == unix.SIGTRAP && status.TrapCause() == unix.PTRACE_EVENT_EXEC:
			// a second exec: same process, same recording
		default:
			inject = int(status.StopSignal()) // a signal for the program: deliver it
		}
	}
}

// wait waits for the next stop or the end of the program.
func (t *tracee) wait() (unix.WaitStatus, error) {
	var status unix.WaitStatus
	for {
		_, err := unix.Wait4(t.pid, &status, unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return status, fmt.Errorf("wait4(%d): %w", t.pid, err)
		}
		break
	}
	if status.Exited() || status.Signaled() {
		t.mu.Lock()
		t.reaped = true
		t.mu.Unlock()
		t.rec.ExitCode = status.ExitStatus()
		if status.Signaled() {
			t.rec.ExitCode, t.rec.Signal = -1, status.Signal()
		}
	}
	return status, nil
}

// abort kills the program, reaps it and returns err.
func (t *tracee) abort(err error) error {
	t.mu.Lock()
	if !t.reaped {
		_ = unix.Kill(t.pid, unix.SIGKILL)
	}
	t.mu.Unlock()
	for !t.reaped {
		if _, werr := t.wait(); werr != nil {
			return fmt.Errorf("sysrec: %s: %w (and reaping it failed: %v)", t.rec.Path, err, werr)
		}
	}
	t.flush()
	return fmt.Errorf("sysrec: %s: %w", t.rec.Path, err)
}

func (t *tracee) flush() {
	if t.pending != nil {
		t.rec.Calls = append(t.rec.Calls, *t.pending)
		t.pending = nil
	}
}

// Layout of struct ptrace_syscall_info (linux/ptrace.h).
const (
	infoSize     = 88
	opOffset     = 0
	nrOffset     = 24 // entry.nr
	argsOffset   = 32 // entry.args[6]
	rvalOffset   = 24 // exit.rval
	isErrOffset  = 32 // exit.is_error
	maxPathBytes = 4096
)

// syscallStop records an entry (name, arguments, paths) or completes the
// pending call with its return value.
func (t *tracee) syscallStop() error {
	var info [infoSize]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO,
		uintptr(t.pid), uintptr(len(info)), uintptr(unsafe.Pointer(&info[0])), 0, 0)
	if errno != 0 {
		return fmt.Errorf("PTRACE_GET_SYSCALL_INFO (Linux 5.3+): %w", errno)
	}
	le := binary.NativeEndian
	switch info[opOffset] {
	case unix.PTRACE_SYSCALL_INFO_ENTRY:
		t.flush() // a call that never returned (exit_group, a replaced execve)
		c := Call{Nr: le.Uint64(info[nrOffset:])}
		c.Name = Name(c.Nr)
		for i := range c.Args {
			c.Args[i] = le.Uint64(info[argsOffset+8*i:])
		}
		for _, i := range pathArgs(c.Name) {
			if p, err := t.readString(uintptr(c.Args[i])); err == nil {
				if c.Paths == nil {
					c.Paths = map[int]string{}
				}
				c.Paths[i] = p
			}
		}
		t.pending = &c
	case unix.PTRACE_SYSCALL_INFO_EXIT:
		if t.pending == nil {
			return nil // the exit of the execve that started the program
		}
		c := t.pending
		c.Ret, c.Returned = int64(le.Uint64(info[rvalOffset:])), true
		if info[isErrOffset] != 0 {
			c.Errno = unix.Errno(-c.Ret)
		}
		t.flush()
	}
	return nil
}

// readString reads a NUL-terminated string from the program's memory, in
// word-aligned chunks so that it never reads far past the NUL into a page
// that may not be mapped.
func (t *tracee) readString(addr uintptr) (string, error) {
	var s []byte
	chunk := make([]byte, 64)
	for len(s) < maxPathBytes {
		n, err := unix.PtracePeekData(t.pid, addr, chunk)
		if i := bytes.IndexByte(chunk[:n], 0); i >= 0 {
			return string(append(s, chunk[:i]...)), nil
		}
		if err != nil {
			return "", fmt.Errorf("reading %#x: %w", addr, err)
		}
		s = append(s, chunk[:n]...)
		addr += uintptr(n)
	}
	return "", fmt.Errorf("string at %#x longer than %d bytes", addr, maxPathBytes)
}

// creates reports whether open flags may create a file (O_TMPFILE includes
// O_DIRECTORY, so test all its bits).
func creates(flags uint64) bool {
	return flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE
}

func describe(s unix.WaitStatus) string {
	switch {
	case s.Exited():
		return fmt.Sprintf("exited with %d", s.ExitStatus())
	case s.Signaled():
		return "killed by " + s.Signal().String()
	case s.Stopped():
		return "stopped by " + s.StopSignal().String()
	}
	return fmt.Sprintf("wait status %#x", uint32(s))
}

// capture collects the program's stdout and stderr through a pipe.
type capture struct {
	r, w *os.File
	buf  bytes.Buffer
	done chan struct{}
}

const maxOutput = 64 << 10

func newCapture() (*capture, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sysrec: %w", err)
	}
	c := &capture{r: r, w: w, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		chunk := make([]byte, 4096)
		for {
			n, err := r.Read(chunk)
			if c.buf.Len() < maxOutput {
				c.buf.Write(chunk[:min(n, maxOutput-c.buf.Len())])
			}
			if err != nil {
				return
			}
		}
	}()
	return c, nil
}

// collect returns the output once every writer is gone, or after a second
// when a child the program left behind still holds the pipe.
func (c *capture) collect() []byte {
	_ = c.r.SetReadDeadline(time.Now().Add(time.Second))
	<-c.done
	c.r.Close()
	return c.buf.Bytes()
}

func (c *capture) abandon() {
	c.w.Close()
	c.collect()
}
