//go:build linux && sudo

package loopback

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"netnotes/internal/sandbox"
)

// ioTimeout bounds every read and write of these notes: a lost packet fails
// the test instead of hanging it.
const ioTimeout = 5 * time.Second

// Header bytes around a UDP payload as the tracepoints count them: lo's
// transmit side sees the Ethernet header (14), its receive side only IPv4
// (20) and UDP (8).
const (
	udpIPHeaders  = 8 + 20
	ethernetBytes = 14
)

// distinctivePayloadSize returns a UDP payload size for one test's packets.
// Tracepoints see lo traffic from every namespace on the machine; a filter
// on a random length in a range that little traffic uses keeps the record
// small, and ktrace.CausedBy then keeps the test's own packets (other
// tests' TCP streams over lo do send frames of these lengths).
func distinctivePayloadSize() int { return 1101 + rand.IntN(300) }

// deliveryWait bounds each step of a delivery over loopback, where an echo
// takes well under a millisecond: what has not come by then is lost.
const deliveryWait = 2 * time.Second

// tryLoopback echoes a message over TCP and over UDP to 127.0.0.1 inside
// ns, waiting at most wait for each step, and says what happened: an error
// on the way (a connect that timed out, a datagram that never came) is
// what the kernel did, kept as a fact. Only the harness's own steps
// (making the listening sockets) fail the test.
// equiv: socat - TCP:127.0.0.1:PORT; socat - UDP:127.0.0.1:PORT
func tryLoopback(t *testing.T, ns *sandbox.NS, wait time.Duration) Delivery {
	t.Helper()
	msg := []byte("hello over loopback")
	d := Delivery{Bytes: len(msg)}

	// TCP: connect, send, read the echo.
	ln := ns.Listen(t, "tcp4", "127.0.0.1:0")
	go func() {
		c, err := ln.Accept() // ends when the listener closes at cleanup
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(wait))
		_, _ = io.CopyN(c, c, int64(len(msg)))
	}()
	d.TCP = describeErr(func() error {
		conn, err := dialIn(t, ns, "tcp4", ln.Addr().String(), wait)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(wait))
		if _, err := conn.Write(msg); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		echo := make([]byte, len(msg))
		if _, err := io.ReadFull(conn, echo); err != nil {
			return fmt.Errorf("echo: %w", err)
		}
		if !bytes.Equal(echo, msg) {
			return fmt.Errorf("echo %q, sent %q", echo, msg)
		}
		return nil
	})

	// UDP: one datagram there, one back.
	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	d.UDP = describeErr(func() error {
		cli, err := dialIn(t, ns, "udp4", srv.LocalAddr().String(), wait)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer cli.Close()
		_ = srv.SetDeadline(time.Now().Add(wait))
		_ = cli.SetDeadline(time.Now().Add(wait))
		if _, err := cli.Write(msg); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		buf := make([]byte, 64)
		n, from, err := srv.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("datagram: %w", err)
		}
		if _, err := srv.WriteTo(buf[:n], from); err != nil {
			return fmt.Errorf("echo write: %w", err)
		}
		n, err = cli.Read(buf)
		if err != nil {
			return fmt.Errorf("echo: %w", err)
		}
		if !bytes.Equal(buf[:n], msg) {
			return fmt.Errorf("echo %q, sent %q", buf[:n], msg)
		}
		return nil
	})
	return d
}

// dialIn connects from inside ns. The connect's own error is returned, a
// failure to enter the namespace fails the test.
func dialIn(t *testing.T, ns *sandbox.NS, network, address string, wait time.Duration) (net.Conn, error) {
	t.Helper()
	var c net.Conn
	var dialErr error
	require.NoError(t, ns.Do(func() error {
		c, dialErr = net.DialTimeout(network, address, wait)
		return nil
	}), "entering %v to dial", ns)
	return c, dialErr
}

// describeErr runs step and says what went wrong, "" when nothing did. A
// timeout reads "timed out", whatever layer reported it; a refusal by the
// kernel, its errno.
func describeErr(step func() error) string {
	err := step()
	if err == nil {
		return ""
	}
	prefix, _, _ := strings.Cut(err.Error(), ":")
	var ne net.Error
	var errno syscall.Errno
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return prefix + ": timed out"
	case errors.As(err, &errno):
		return prefix + ": " + errno.Error() // without the run's port numbers
	}
	return err.Error()
}

// sendDatagrams sends count datagrams of size bytes from cli and reads them
// all on srv, so that every one has crossed the stack when it returns.
func sendDatagrams(t *testing.T, cli net.Conn, srv net.PacketConn, count, size int) {
	t.Helper()
	require.NoError(t, srv.SetReadDeadline(time.Now().Add(ioTimeout)))
	for range count {
		_, err := cli.Write(make([]byte, size))
		require.NoError(t, err, "UDP write to %v", cli.RemoteAddr())
	}
	buf := make([]byte, size+1)
	for i := range count {
		n, _, err := srv.ReadFrom(buf)
		require.NoError(t, err, "datagram %d of %d on %v", i+1, count, srv.LocalAddr())
		require.Equal(t, size, n, "datagram %d", i+1)
	}
}

// countDatagrams sends count datagrams of size bytes from cli and counts
// those that arrive on srv within wait: a datagram lost is a fact for the
// judge, a write the kernel refuses fails the test.
func countDatagrams(t *testing.T, cli net.Conn, srv net.PacketConn, count, size int, wait time.Duration) int {
	t.Helper()
	for range count {
		_, err := cli.Write(make([]byte, size))
		require.NoError(t, err, "UDP write to %v", cli.RemoteAddr())
	}
	require.NoError(t, srv.SetReadDeadline(time.Now().Add(wait)))
	buf := make([]byte, size+1)
	received := 0
	for range count {
		n, _, err := srv.ReadFrom(buf)
		if err != nil {
			break
		}
		if n == size {
			received++
		}
	}
	return received
}
