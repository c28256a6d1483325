package veth

import (
	"fmt"
	"net"
	"net/netip"
)

// LinkLocal returns the IPv6 link-local address the kernel derives from an
// Ethernet MAC address when it brings a device up (addr_gen_mode eui64, the
// default): fe80::/64 followed by the modified EUI-64 interface identifier of
// RFC 4291, appendix A. The MAC is split in half, ff:fe goes in between, and
// the universal/local bit (0x02 of the first byte) is flipped.
//
// The notes' veth5 had MAC 9a:2e:ed:06:0c:56 and, after `ip link set up`,
// the address fe80::982e:edff:fe06:c56: 0x9a with 0x02 flipped is 0x98.
func LinkLocal(mac net.HardwareAddr) (netip.Addr, error) {
	if len(mac) != 6 {
		return netip.Addr{}, fmt.Errorf("veth.LinkLocal: %q is %d bytes, want a 6-byte Ethernet MAC", mac.String(), len(mac))
	}
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	a[8] = mac[0] ^ 0x02 // the universal/local bit, inverted
	a[9], a[10] = mac[1], mac[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(a), nil
}
