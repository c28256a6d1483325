// Package ping sends ICMP echo requests from inside a sandbox namespace, as
// ping(8) does, for machines that have no ping binary.
//
// A Pinger owns raw ICMP sockets made inside one namespace, so it needs
// CAP_NET_RAW there (root has it). Messages are built and parsed with
// golang.org/x/net/icmp:
//
//	p := ping.New(t, ns, ping.Options{})
//	reply, err := p.Echo(netip.MustParseAddr("198.18.0.2"), time.Second)
//
// With Options.Device the requests leave through that device whatever the
// routing table says (SO_BINDTODEVICE, as `ping -I DEV`). The replies are
// then read on a second, unbound socket: the kernel may route a reply in
// through another device (lo, when the destination is local) and a socket
// bound to DEV would never see it.
package ping

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"netnotes/internal/sandbox"
)

// DefaultSize is ping's default payload: 56 bytes, 64 with the ICMP header.
const DefaultSize = 56

const protocolICMP = 1 // IANA protocol number, for icmp.ParseMessage

// Options shape a Pinger.
type Options struct {
	// Device, if set, binds the sending socket to this device.
	// equiv: ping -I DEV
	Device string
	// Size is the payload in bytes (DefaultSize when 0).
	// equiv: ping -s SIZE
	Size int
}

// Reply is one echo reply.
type Reply struct {
	From netip.Addr    // who answered
	Seq  int           // the request's sequence number
	Len  int           // bytes of ICMP message (header and payload)
	RTT  time.Duration // from sending the request to reading the reply
}

func (r Reply) String() string {
	return fmt.Sprintf("%d bytes from %v: icmp_seq=%d time=%v", r.Len, r.From, r.Seq, r.RTT)
}

// Pinger sends echo requests from one namespace. Use it from one goroutine.
type Pinger struct {
	send, recv net.PacketConn
	id, seq    int
	size       int
	ns         *sandbox.NS
}

var ids atomic.Uint32

// Open makes a Pinger in ns. Close it when done.
func Open(ns *sandbox.NS, opts Options) (*Pinger, error) {
	if ns == nil {
		return nil, errors.New("ping: no namespace given")
	}
	size := opts.Size
	if size == 0 {
		size = DefaultSize
	}
	if size < 0 || size > 65507-8 {
		return nil, fmt.Errorf("ping: payload size %d out of range [0, %d]", size, 65507-8)
	}
	// The kernel does not pick an ICMP id for raw sockets; make one that
	// differs between Pingers of this process and between processes.
	p := &Pinger{size: size, ns: ns, id: int(uint16(os.Getpid()) ^ uint16(ids.Add(1)<<10))}
	err := ns.Do(func() (err error) {
		if p.send, err = listen(opts.Device); err != nil {
			return err
		}
		if opts.Device == "" {
			p.recv = p.send
			return nil
		}
		p.recv, err = listen("")
		return err
	})
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("ping: opening raw ICMP sockets in %v: %w", ns, err)
	}
	return p, nil
}

// New is Open for a test: it fails the test on error and closes the Pinger
// at cleanup.
func New(t testing.TB, ns *sandbox.NS, opts Options) *Pinger {
	t.Helper()
	p, err := Open(ns, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// listen opens a raw ICMP socket in the calling thread's namespace,
// bound to device if one is named.
func listen(device string) (net.PacketConn, error) {
	lc := net.ListenConfig{}
	if device != "" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, device)
			}); err != nil {
				return err
			}
			if serr != nil {
				return fmt.Errorf("SO_BINDTODEVICE %q: %w", device, serr)
			}
			return nil
		}
	}
	return lc.ListenPacket(context.Background(), "ip4:icmp", "0.0.0.0")
}

// Close closes the Pinger's sockets.
func (p *Pinger) Close() {
	if p.send != nil {
		p.send.Close()
	}
	if p.recv != nil && p.recv != p.send {
		p.recv.Close()
	}
}

// ErrTimeout is returned (wrapped) by Echo when no reply came in time.
var ErrTimeout = errors.New("no echo reply")

// Echo sends one echo request to dst and waits up to timeout for its reply.
// Other ICMP messages the raw socket sees (other Pingers' replies, echo
// requests arriving in the namespace) are skipped.
// equiv: ping -c 1 -W TIMEOUT DST
func (p *Pinger) Echo(dst netip.Addr, timeout time.Duration) (Reply, error) {
	if !dst.Is4() {
		return Reply{}, fmt.Errorf("ping: %v is not an IPv4 address", dst)
	}
	p.seq = (p.seq + 1) & 0xffff
	payload := make([]byte, p.size)
	for i := range payload {
		payload[i] = byte(i)
	}
	req := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: p.id, Seq: p.seq, Data: payload}}
	wire, err := req.Marshal(nil)
	if err != nil {
		return Reply{}, fmt.Errorf("ping: building the request: %w", err)
	}

	deadline := time.Now().Add(timeout)
	if err := p.recv.SetReadDeadline(deadline); err != nil {
		return Reply{}, err
	}
	start := time.Now()
	if _, err := p.send.WriteTo(wire, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		return Reply{}, fmt.Errorf("ping: sending to %v from %v: %w", dst, p.ns, err)
	}
	buf := make([]byte, 65536)
	for {
		n, from, err := p.recv.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return Reply{}, fmt.Errorf("%w from %v for icmp_seq=%d within %v (from %v)", ErrTimeout, dst, p.seq, timeout, p.ns)
		}
		if err != nil {
			return Reply{}, fmt.Errorf("ping: reading in %v: %w", p.ns, err)
		}
		msg, err := icmp.ParseMessage(protocolICMP, buf[:n])
		if err != nil || msg.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		echo, ok := msg.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if !ok || echo.ID != p.id || echo.Seq != p.seq || src.Unmap() != dst {
			continue
		}
		return Reply{From: src.Unmap(), Seq: echo.Seq, Len: n, RTT: time.Since(start)}, nil
	}
}

// WireLen is the length of one echo request as a tracepoint on an Ethernet
// device reports it (net_dev_xmit's len): Ethernet, IPv4 and ICMP headers
// plus the payload. A distinctive size narrows a trace of lo, which every
// namespace shares by name; ktrace.CausedBy then keeps the test's own.
func WireLen(size int) int { return 14 + 20 + 8 + size }
