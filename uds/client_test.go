package uds

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"netnotes/internal/role"
)

// clientRole turns the test binary into the notes' client (uds_client.c)
// dialling the socket its argument names: the tests start it as a
// separate process, as another user where a note needs one.
var clientRole = role.Register(role.Role{Name: "uds-client", Args: []string{"the socket to dial"},
	Run: func(args []string) int { return clientProcess(args[0]) }})

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
// ordinary user's process has none), and waits for it (role.Command: any
// user can run the binary).
func runClient(t *testing.T, path string, cred *syscall.Credential, caps ...uintptr) clientRun {
	t.Helper()
	return runClientIn(t, nil, path, cred, caps...)
}

// runClientIn is runClient with the process started inside in (a
// namespace's Do: the child inherits the starting thread's namespace);
// nil starts it here.
func runClientIn(t *testing.T, in func(func() error) error, target string, cred *syscall.Credential, caps ...uintptr) clientRun {
	t.Helper()
	cmd := clientRole.Command(target)
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
