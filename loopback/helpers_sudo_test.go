//go:build linux && sudo

package loopback_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
// Tracepoints see lo traffic from every namespace on the machine, so the
// filters select the test's own packets by length; a random size in a range
// that little real traffic uses makes a collision with another test unlikely.
func distinctivePayloadSize() int { return 1101 + rand.IntN(300) }

// deliverOverLoopback sends a message over TCP and over UDP to 127.0.0.1
// inside ns and checks that each comes back from an echo server there. It
// returns what it delivered, for the evidence.
func deliverOverLoopback(t *testing.T, ns *sandbox.NS) string {
	t.Helper()
	msg := []byte("hello over loopback")

	// TCP: connect, send, read the echo.
	// equiv: nc 127.0.0.1 PORT
	ln := ns.Listen(t, "tcp4", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		_, err = io.CopyN(c, c, int64(len(msg)))
		served <- err
	}()
	conn := ns.Dial(t, "tcp4", ln.Addr().String())
	require.NoError(t, conn.SetDeadline(time.Now().Add(ioTimeout)))
	_, err := conn.Write(msg)
	require.NoError(t, err, "TCP write to %v", ln.Addr())
	echo := make([]byte, len(msg))
	_, err = io.ReadFull(conn, echo)
	require.NoError(t, err, "TCP echo from %v", ln.Addr())
	require.Equal(t, msg, echo)
	require.NoError(t, <-served, "the TCP echo server")

	// UDP: one datagram there, one back.
	// equiv: nc -u 127.0.0.1 PORT
	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	cli := ns.Dial(t, "udp4", srv.LocalAddr().String())
	require.NoError(t, srv.SetDeadline(time.Now().Add(ioTimeout)))
	require.NoError(t, cli.SetDeadline(time.Now().Add(ioTimeout)))
	_, err = cli.Write(msg)
	require.NoError(t, err, "UDP write to %v", srv.LocalAddr())
	buf := make([]byte, 64)
	n, from, err := srv.ReadFrom(buf)
	require.NoError(t, err, "UDP read on %v", srv.LocalAddr())
	require.True(t, bytes.Equal(msg, buf[:n]), "UDP got %q, want %q", buf[:n], msg)
	_, err = srv.WriteTo(buf[:n], from)
	require.NoError(t, err, "UDP echo to %v", from)
	n, err = cli.Read(buf)
	require.NoError(t, err, "UDP echo from %v", srv.LocalAddr())
	require.Equal(t, msg, buf[:n])

	return fmt.Sprintf("TCP and UDP echoed %d B each over 127.0.0.1", len(msg))
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
