package bench

import (
	"net"
	"net/netip"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// ends is what getsockname and getpeername say about both ends of one
// connection.
type ends struct {
	clientSock, clientPeer, serverSock, serverPeer unix.Sockaddr
}

func endsOf(t *testing.T, client, server int) ends {
	t.Helper()
	var e ends
	var err error
	for _, step := range []struct {
		sa *unix.Sockaddr
		fn func(int) (unix.Sockaddr, error)
		fd int
	}{
		{&e.clientSock, unix.Getsockname, client}, {&e.clientPeer, unix.Getpeername, client},
		{&e.serverSock, unix.Getsockname, server}, {&e.serverPeer, unix.Getpeername, server},
	} {
		if *step.sa, err = step.fn(step.fd); err != nil {
			t.Fatalf("getsockname/getpeername on fd %d: %v", step.fd, err)
		}
	}
	return e
}

func connFD(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	return fd
}

// Each transport connects where its name says, on both paths, whatever
// Addr holds: transport=tcp reaches 127.0.0.1 even when Addr is set (every
// L4 comparison sets it), transport=tcp-hostaddr reaches Addr, uds a
// socket file. Both ends agree: the client's peer is the server's own
// address and the server's peer the client's. 127.0.0.2 stands for the
// other address: lo holds all of 127.0.0.0/8, so no privilege is needed.
func TestEachTransportConnectsWhereItsNameSays(t *testing.T) {
	other := netip.MustParseAddr("127.0.0.2")
	want := map[Transport]string{TCP: "127.0.0.1", TCPHostAddr: "127.0.0.2", UDS: "bench.sock", UDSSeqpacket: "bench.sock", TCPSockmap: "127.0.0.1"}
	for _, path := range []Path{Raw, NetConn} {
		for _, tr := range []Transport{UDS, UDSSeqpacket, TCP, TCPHostAddr, TCPSockmap} {
			c := Config{Shape: RoundTrip, Path: path, Placement: Free, Transport: tr, Size: 100, Addr: other}
			if c.Validate() != nil {
				continue // uds-seqpacket and tcp-sockmap have no netconn path
			}
			t.Run(string(path)+"/"+string(tr), func(t *testing.T) {
				var e ends
				if path == Raw {
					client, server, err := rawPair(c)
					if err != nil {
						t.Fatal(err)
					}
					defer unix.Close(client)
					defer unix.Close(server)
					e = endsOf(t, client, server)
				} else {
					client, server, err := connPair(c)
					if err != nil {
						t.Fatal(err)
					}
					defer client.Close()
					defer server.Close()
					e = endsOf(t, connFD(t, client), connFD(t, server))
				}
				got := sockaddrHost(e.clientPeer)
				if tr == UDS || tr == UDSSeqpacket {
					got = filepath.Base(got)
				}
				if got != want[tr] {
					t.Errorf("the client's peer is %s (%+v); want %s", got, e.clientPeer, want[tr])
				}
				if !sameSockaddr(e.clientPeer, e.serverSock) {
					t.Errorf("the client's peer %+v is not the server's own address %+v", e.clientPeer, e.serverSock)
				}
				if !sameSockaddr(e.serverPeer, e.clientSock) {
					t.Errorf("the server's peer %+v is not the client's own address %+v", e.serverPeer, e.clientSock)
				}
			})
		}
	}
}

func sameSockaddr(a, b unix.Sockaddr) bool {
	switch a := a.(type) {
	case *unix.SockaddrInet4:
		b, ok := b.(*unix.SockaddrInet4)
		return ok && a.Addr == b.Addr && a.Port == b.Port
	case *unix.SockaddrUnix:
		b, ok := b.(*unix.SockaddrUnix)
		return ok && a.Name == b.Name
	}
	return false
}

func TestPeerNamesTheAddressMeasured(t *testing.T) {
	c := Config{Shape: Stream, Path: NetConn, Placement: OneCPU, Transport: TCP, Size: 1, Addr: netip.MustParseAddr("127.0.0.2")}
	for tr, want := range map[Transport]string{TCP: "127.0.0.1", TCPHostAddr: "127.0.0.2"} {
		c.Transport = tr
		got, err := Peer(c)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Peer(%s) = %s; want %s", tr, got, want)
		}
	}
}
