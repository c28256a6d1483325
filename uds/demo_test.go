package uds

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes' demo (uds_server.c and uds_client.c) in one program: the
// server listens on uds_demo.sock, the client connects and says hello, the
// server answers. Only the server's goroutine prints while the client waits
// for its answer, so the output is always in this order.
func Example_demo() {
	dir, err := os.MkdirTemp("", "nn")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "uds_demo.sock")

	// Server: socket(AF_UNIX), bind, listen. Go's listener unlinks the
	// file again on Close.
	l, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Server listening on ./%s...\n", filepath.Base(path))
	served := make(chan error, 1)
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil {
			served <- err
			return
		}
		fmt.Printf("Received from client: %s\n", buf[:n])
		_, err = c.Write([]byte(ServerHello))
		served <- err
	}()

	// Client: socket(AF_UNIX), connect, send, receive.
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Connected to server.")
	if _, err := c.Write([]byte("Hello from client!")); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Received from server: %s\n", buf[:n])
	c.Close()
	fmt.Println("Client closed.")
	if err := <-served; err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Server closed.")
	// Output:
	// Server listening on ./uds_demo.sock...
	// Connected to server.
	// Received from client: Hello from client!
	// Received from server: Hello from server!
	// Client closed.
	// Server closed.
}

// The notes run the demo as two programs: ./server, then ./client, which
// prints "Received from server: Hello from server!" while the server prints
// "Received from client: Hello from client!".
func TestU2TheNotesDemoExchange(t *testing.T) {
	v := claims.Check(t, "U2")
	dir := socketDir(t)
	path := filepath.Join(dir, "uds_demo.sock")
	l, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })

	type served struct {
		got     string
		cred    *unix.Ucred
		credErr error
	}
	done := make(chan served, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return // l closed at cleanup: nobody came
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		var s served
		s.cred, s.credErr = peerCred(c.(*net.UnixConn))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err == nil {
			_, _ = c.Write([]byte(ServerHello))
		}
		s.got = string(buf[:n])
		done <- s
	}()

	// The client is another process, the test binary run as uds_client.c.
	client := runClient(t, path, nil)
	var s served
	select {
	case s = <-done:
		require.NoError(t, s.credErr, "SO_PEERCRED")
	case <-time.After(10 * time.Second): // the client never got through: the facts say so
		s.cred = &unix.Ucred{}
	}

	claims.Judge(v, DemoFacts{
		ServerReceived: s.got, ClientLines: client.Lines,
		ServerPID: os.Getpid(), ClientPID: client.PID, PeerPID: s.cred.Pid,
	}, judgeDemo)
}
