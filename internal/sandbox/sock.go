package sandbox

import (
	"net"
	"testing"
)

// Listen opens a listener inside the namespace (net.Listen). Its socket
// stays in the namespace; use it from any goroutine. Closed at cleanup.
func (ns *NS) Listen(t testing.TB, network, address string) net.Listener {
	t.Helper()
	var l net.Listener
	if err := ns.Do(func() (err error) {
		l, err = net.Listen(network, address)
		return err
	}); err != nil {
		t.Fatalf("listen %s %s in %v: %v", network, address, ns, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// ListenPacket opens a packet socket inside the namespace (net.ListenPacket).
// Closed at cleanup.
func (ns *NS) ListenPacket(t testing.TB, network, address string) net.PacketConn {
	t.Helper()
	var c net.PacketConn
	if err := ns.Do(func() (err error) {
		c, err = net.ListenPacket(network, address)
		return err
	}); err != nil {
		t.Fatalf("listen %s %s in %v: %v", network, address, ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Dial connects from inside the namespace (net.Dial). Closed at cleanup.
func (ns *NS) Dial(t testing.TB, network, address string) net.Conn {
	t.Helper()
	var c net.Conn
	if err := ns.Do(func() (err error) {
		c, err = net.Dial(network, address)
		return err
	}); err != nil {
		t.Fatalf("dial %s %s in %v: %v", network, address, ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
