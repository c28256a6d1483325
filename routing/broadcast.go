package routing

import (
	"errors"
	"fmt"
	"net/netip"
)

// Broadcast returns the all-ones broadcast address of an IPv4 address's
// subnet: the address whose `broadcast` entry the kernel puts into table
// local when the address's interface comes up (192.168.1.150/24 ->
// 192.168.1.255, as in the notes).
//
// A /31 or /32 has no broadcast address (RFC 3021), and IPv6 has no
// broadcast at all; both are errors, as is an invalid prefix.
func Broadcast(addr netip.Prefix) (netip.Addr, error) {
	switch {
	case !addr.IsValid():
		return netip.Addr{}, errors.New("routing.Broadcast: invalid prefix (want an IPv4 address with a length, such as 192.168.1.150/24)")
	case !addr.Addr().Is4():
		return netip.Addr{}, fmt.Errorf("routing.Broadcast: %v is not IPv4; IPv6 has no broadcast addresses", addr)
	case addr.Bits() >= 31:
		return netip.Addr{}, fmt.Errorf("routing.Broadcast: %v has no broadcast address: a /31 or /32 has no host part to fill with ones", addr)
	}
	a := addr.Addr().As4()
	hostBits := uint32(1)<<(32-addr.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= hostBits
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}
