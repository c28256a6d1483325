package bench

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Peer makes one connection as a raw-path measurement of c would and
// returns where the client's end is connected, as getpeername(2) says: an
// IP address (without the port) or a socket file's path. A comparison
// shows with it that each side measured what its name says.
func Peer(c Config) (string, error) {
	p, err := probe(c)
	return p.peer, err
}

// probed is what one connection made as a measurement would showed.
type probed struct {
	peer       string // as Peer returns it
	congestion string // TCP_CONGESTION on the client's end; "" if not TCP
}

func probe(c Config) (probed, error) {
	if err := c.Validate(); err != nil {
		return probed{}, err
	}
	c.Path = Raw
	if c.Transport == Pipe {
		p, err := pipePeer()
		return probed{peer: p}, err
	}
	client, server, err := rawPair(c)
	if err != nil {
		return probed{}, fmt.Errorf("connecting %s: %w", c.Transport, err)
	}
	defer unix.Close(client)
	defer unix.Close(server)
	sa, err := unix.Getpeername(client)
	if err != nil {
		return probed{}, fmt.Errorf("getpeername: %w", err)
	}
	p := probed{peer: sockaddrHost(sa)}
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6: // TCP, all of this package's inet transports
		if p.congestion, err = unix.GetsockoptString(client, unix.IPPROTO_TCP, unix.TCP_CONGESTION); err != nil {
			return p, fmt.Errorf("getsockopt(TCP_CONGESTION): %w", err)
		}
	}
	return p, nil
}

// sockaddrHost is the address in sa without its port: "127.0.0.1",
// "/tmp/nn1/bench.sock", or "" for an unnamed Unix socket.
func sockaddrHost(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr).String()
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).String()
	case *unix.SockaddrUnix:
		return a.Name
	}
	return fmt.Sprintf("%T", sa)
}
