package uds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// clientEnv, when set, turns the test binary into the notes' client
// (uds_client.c) dialling the socket it names: the tests start it as a
// separate process, as another user where a note needs one.
const clientEnv = "NETNOTES_UDS_CLIENT"

func TestMain(m *testing.M) {
	if path, ok := os.LookupEnv(clientEnv); ok {
		os.Exit(clientProcess(path))
	}
	// After a full run, fail when a claim of the chapter has no registered
	// judge, or no refuting case of that judge ran.
	os.Exit(claims.Main(m, "uds"))
}

// clientProcess connects, sends "Hello from client!" and prints the answer.
// Its first line says who it is, its other lines what happened; an error is
// printed by errno name ("connect: EACCES") for the parent to read. target
// is a socket file's path, or "tcp:" and an address (U9's TCP control).
func clientProcess(target string) int {
	fmt.Printf("pid=%d uid=%d gid=%d capeff=%s\n", os.Getpid(), os.Getuid(), os.Getgid(), capEff())
	network, addr := "unix", target
	if a, ok := strings.CutPrefix(target, "tcp:"); ok {
		network, addr = "tcp", a
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		fmt.Printf("connect: %s\n", errnoName(err))
		return 0
	}
	defer c.Close()
	fmt.Println("Connected to server.")
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("Hello from client!")); err != nil {
		fmt.Printf("write: %s\n", errnoName(err))
		return 0
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		fmt.Printf("read: %s\n", errnoName(err))
		return 0
	}
	fmt.Printf("Received from server: %s\n", buf[:n])
	return 0
}

// capEff is this process's effective capability set, as /proc shows it
// (hex), or "unknown".
func capEff() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// clientRun is one run of the client process.
type clientRun struct {
	PID    int      // the child's pid, as it printed it
	UID    int      // its uid
	GID    int      // its gid
	CapEff string   // its effective capabilities (hex, as /proc/PID/status)
	Lines  []string // what it printed after that
}

// runClient starts the client process against path, as the user cred names
// (nil: as this process), with caps as its ambient capabilities (none: an
// ordinary user's process has none), and waits for it. The binary is
// /proc/self/exe: the kernel follows that link straight to the file, so
// another user can run it even when `go test` built it in a directory
// only root may enter.
func runClient(t *testing.T, path string, cred *syscall.Credential, caps ...uintptr) clientRun {
	t.Helper()
	return runClientIn(t, nil, path, cred, caps...)
}

// runClientIn is runClient with the process started inside in (a
// namespace's Do: the child inherits the starting thread's namespace);
// nil starts it here.
func runClientIn(t *testing.T, in func(func() error) error, target string, cred *syscall.Credential, caps ...uintptr) clientRun {
	t.Helper()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), clientEnv+"="+target)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, AmbientCaps: caps, Pdeathsig: syscall.SIGKILL}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	done := make(chan error, 1)
	if in == nil {
		in = func(fn func() error) error { return fn() }
	}
	if err := in(cmd.Start); err != nil {
		t.Fatalf("starting the client process: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("client process: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("client process did not finish in 20s; output: %s", out.String())
	}
	var run clientRun
	sc := bufio.NewScanner(&out)
	if !sc.Scan() {
		t.Fatalf("client process printed nothing; stderr: %s", stderr.String())
	}
	if _, err := fmt.Sscanf(sc.Text(), "pid=%d uid=%d gid=%d capeff=%s", &run.PID, &run.UID, &run.GID, &run.CapEff); err != nil {
		t.Fatalf("client process's first line %q: %v", sc.Text(), err)
	}
	for sc.Scan() {
		run.Lines = append(run.Lines, sc.Text())
	}
	return run
}

// socketDir makes a short directory for socket files, removed at cleanup.
// (t.TempDir's path embeds the test name and can overflow sun_path.)
func socketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nn")
	if err != nil {
		t.Fatalf("making a socket directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var abstractSeq atomic.Uint64

// abstractName returns an abstract socket name no other process uses.
func abstractName(role string) string {
	return "netnotes-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(abstractSeq.Add(1), 10) + "-" + role
}

// errnoName names the errno inside err ("EACCES"), or returns err's text.
func errnoName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// fdOf runs fn with the file descriptor of a net socket.
func fdOf(t testing.TB, c syscall.Conn, fn func(fd int)) {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatalf("SyscallConn: %v", err)
	}
	if err := raw.Control(func(fd uintptr) { fn(int(fd)) }); err != nil {
		t.Fatalf("Control: %v", err)
	}
}

// rawSocket makes an AF_UNIX stream socket with plain system calls, closed
// at cleanup. Do not close it before: its number may be reused by then.
func rawSocket(t testing.TB, flags int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|flags, 0)
	if err != nil {
		t.Fatalf("socket(AF_UNIX, SOCK_STREAM): %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// rawListen binds path and listens with backlog, as uds_server.c does.
// socket(AF_UNIX), bind(path), listen(backlog), as the notes' C server does.
func rawListen(t testing.TB, path string, backlog int) int {
	t.Helper()
	fd := rawSocket(t, 0)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatalf("bind(%s): %v", path, err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		t.Fatalf("listen(%d): %v", backlog, err)
	}
	return fd
}

// procNetUnix returns the inodes /proc/thread-self/net/unix lists for a
// name (a path, or "@name"), the file netstat reads. Read it on the thread
// whose namespace matters (inside NS.Do, say).
func procNetUnix(name string) ([]uint64, error) {
	b, err := os.ReadFile("/proc/thread-self/net/unix")
	if err != nil {
		return nil, err
	}
	var inodes []uint64
	// Num RefCount Protocol Flags Type St Inode Path
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 8 && f[7] == name {
			ino, err := strconv.ParseUint(f[6], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("inode column of %q: %w", line, err)
			}
			inodes = append(inodes, ino)
		}
	}
	return inodes, nil
}

// peerCred reads SO_PEERCRED: the pid, uid and gid the kernel recorded for
// the peer when it called connect (a TCP socket answers too, with what it
// knows). Safe off the test goroutine.
func peerCred(c syscall.Conn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, credErr
}
