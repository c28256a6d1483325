package veth

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The notes' own pair: after `ip link set veth4 up; ip link set veth5 up`,
// `ip a` showed these MACs with these link-local addresses.
func ExampleLinkLocal() {
	for _, s := range []string{"9a:2e:ed:06:0c:56", "22:af:86:d7:d3:73"} {
		mac, _ := net.ParseMAC(s)
		addr, _ := LinkLocal(mac)
		fmt.Printf("link/ether %s -> inet6 %s/64 scope link\n", mac, addr)
	}
	// Output:
	// link/ether 9a:2e:ed:06:0c:56 -> inet6 fe80::982e:edff:fe06:c56/64 scope link
	// link/ether 22:af:86:d7:d3:73 -> inet6 fe80::20af:86ff:fed7:d373/64 scope link
}

// The universal/local bit is flipped both ways: a globally unique MAC
// (bit clear) gets it set, a random one (bit set, as veth's are) cleared.
func TestLinkLocalFlipsTheUniversalLocalBit(t *testing.T) {
	for mac, want := range map[string]string{
		"00:00:5e:00:53:01": "fe80::200:5eff:fe00:5301",
		"02:00:5e:00:53:01": "fe80::5eff:fe00:5301",
		"ff:ff:ff:ff:ff:ff": "fe80::fdff:ffff:feff:ffff",
	} {
		hw, err := net.ParseMAC(mac)
		require.NoError(t, err)
		got, err := LinkLocal(hw)
		require.NoError(t, err)
		assert.Equal(t, want, got.String(), "LinkLocal(%s)", mac)
		assert.True(t, got.IsLinkLocalUnicast(), "%v", got)
	}
}

func TestLinkLocalRejectsWhatIsNotAnEthernetMAC(t *testing.T) {
	for _, bad := range []net.HardwareAddr{nil, {1, 2, 3}, make(net.HardwareAddr, 8), make(net.HardwareAddr, 20)} {
		_, err := LinkLocal(bad)
		assert.ErrorContains(t, err, "want a 6-byte Ethernet MAC", "LinkLocal(%v)", bad)
	}
}
