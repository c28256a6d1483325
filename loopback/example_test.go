package loopback_test

import (
	"fmt"
	"net/netip"
)

// Which addresses are loopback: all of 127.0.0.0/8 (table local's `local
// 127.0.0.0/8 dev lo`) and IPv6's single ::1. The host's own LAN address is
// not a loopback address, even though packets to it also go through lo
// (claim L3).
func Example_loopbackAddresses() {
	for _, s := range []string{"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "::ffff:127.0.0.1", "192.168.1.150", "0.0.0.0"} {
		fmt.Printf("%-16s loopback: %v\n", s, netip.MustParseAddr(s).Unmap().IsLoopback())
	}
	// Output:
	// 127.0.0.1        loopback: true
	// 127.1.2.3        loopback: true
	// 127.255.255.254  loopback: true
	// ::1              loopback: true
	// ::ffff:127.0.0.1 loopback: true
	// 192.168.1.150    loopback: false
	// 0.0.0.0          loopback: false
}
