package bench

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// tcpAddr is the address a TCP transport listens on and connects to:
// 127.0.0.1 for tcp, always, and Addr for tcp-hostaddr. Addr is set for
// every L4 comparison, so it must not leak into tcp's default: both sides
// would measure the same address.
func (c Config) tcpAddr() netip.Addr {
	if c.Transport == TCPHostAddr {
		return c.Addr
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// inNetns runs fn where the configuration's sockets belong.
func (c Config) inNetns(fn func() error) error {
	if c.InNetns == nil {
		return fn()
	}
	return c.InNetns(fn)
}

// rawPair returns the two ends of one connection as blocking descriptors
// (close-on-exec): client and server. Nothing is left on disk.
func rawPair(c Config) (client, server int, err error) {
	err = c.inNetns(func() error {
		var e error
		client, server, e = rawPairHere(c)
		return e
	})
	return client, server, err
}

func rawPairHere(c Config) (client, server int, err error) {
	var family, typ int
	var sa unix.Sockaddr
	switch c.Transport {
	case UDS, UDSSeqpacket:
		family, typ = unix.AF_UNIX, unix.SOCK_STREAM
		if c.Transport == UDSSeqpacket {
			typ = unix.SOCK_SEQPACKET
		}
		// os.MkdirTemp, not t.TempDir: a long test name would overflow sun_path.
		dir, err := os.MkdirTemp("", "nn")
		if err != nil {
			return -1, -1, err
		}
		defer os.RemoveAll(dir)
		sa = &unix.SockaddrUnix{Name: filepath.Join(dir, "bench.sock")}
	default:
		family, typ = unix.AF_INET, unix.SOCK_STREAM
		sa = &unix.SockaddrInet4{Addr: c.tcpAddr().As4()}
	}
	ln, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, sa); err != nil {
		return -1, -1, fmt.Errorf("bind %v: %w", sa, err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return -1, -1, fmt.Errorf("listen: %w", err)
	}
	if family == unix.AF_INET {
		if sa, err = unix.Getsockname(ln); err != nil {
			return -1, -1, fmt.Errorf("getsockname: %w", err)
		}
	}
	client, err = unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, fmt.Errorf("socket: %w", err)
	}
	// A blocking connect to a listener on this host completes at once
	// (the handshake runs through lo inside the call).
	if err := unix.Connect(client, sa); err != nil {
		unix.Close(client)
		return -1, -1, fmt.Errorf("connect %v: %w", sa, err)
	}
	server, _, err = unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		unix.Close(client)
		return -1, -1, fmt.Errorf("accept: %w", err)
	}
	if family == unix.AF_INET {
		for _, fd := range []int{client, server} {
			// Without TCP_NODELAY, Nagle holds a small segment back while
			// an earlier one is unacknowledged: streams of small messages
			// would measure the delayed-ACK timer, not the stack.
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
				unix.Close(client)
				unix.Close(server)
				return -1, -1, fmt.Errorf("TCP_NODELAY: %w", err)
			}
			if err := setCongestion(fd, c.Congestion); err != nil {
				unix.Close(client)
				unix.Close(server)
				return -1, -1, err
			}
		}
	}
	return client, server, nil
}

// setCongestion sets a TCP socket's congestion control, if cc is set.
func setCongestion(fd int, cc string) error {
	if cc == "" {
		return nil
	}
	if err := unix.SetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc); err != nil {
		return fmt.Errorf("setsockopt(TCP_CONGESTION, %s): %w", cc, err)
	}
	return nil
}

// connPair returns the two ends of one connection as net.Conns.
func connPair(c Config) (client, server net.Conn, err error) {
	err = c.inNetns(func() error {
		var e error
		client, server, e = connPairHere(c)
		return e
	})
	return client, server, err
}

func connPairHere(c Config) (client, server net.Conn, err error) {
	var ln net.Listener
	switch c.Transport {
	case UDS:
		dir, err := os.MkdirTemp("", "nn")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		ln, err = net.Listen("unix", filepath.Join(dir, "bench.sock"))
		if err != nil {
			return nil, nil, err
		}
	default:
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(c.tcpAddr(), 0).String())
		if err != nil {
			return nil, nil, err
		}
	}
	defer ln.Close()
	// net.Dial and net.Conn turn TCP_NODELAY on by default (SetNoDelay(true)).
	client, err = net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	if c.Congestion != "" && c.isTCP() {
		for _, conn := range []net.Conn{client, server} {
			raw, err := conn.(*net.TCPConn).SyscallConn()
			if err == nil {
				cerr := raw.Control(func(fd uintptr) { err = setCongestion(int(fd), c.Congestion) })
				err = errors.Join(err, cerr)
			}
			if err != nil {
				client.Close()
				server.Close()
				return nil, nil, err
			}
		}
	}
	return client, server, nil
}
