package routing_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/routing"
)

// The broadcast entries of the notes' local table: 127.255.255.255 for lo's
// 127.0.0.1/8 and 192.168.1.255 for enp4s0's 192.168.1.150/24. A /31 gets
// none (RFC 3021), and the kernel adds no broadcast entry for it either.
func ExampleBroadcast() {
	for _, s := range []string{"127.0.0.1/8", "192.168.1.150/24", "198.18.0.1/15", "198.18.0.1/31"} {
		brd, err := routing.Broadcast(netip.MustParsePrefix(s))
		if err != nil {
			fmt.Printf("%-16s no broadcast\n", s)
			continue
		}
		fmt.Printf("%-16s broadcast %v\n", s, brd)
	}
	// Output:
	// 127.0.0.1/8      broadcast 127.255.255.255
	// 192.168.1.150/24 broadcast 192.168.1.255
	// 198.18.0.1/15    broadcast 198.19.255.255
	// 198.18.0.1/31    no broadcast
}

func TestBroadcastRejectsWhatHasNone(t *testing.T) {
	for _, bad := range []netip.Prefix{
		{},                                     // zero value
		netip.MustParsePrefix("fe80::1/64"),    // IPv6
		netip.MustParsePrefix("198.18.0.1/32"), // a single host
	} {
		_, err := routing.Broadcast(bad)
		assert.Error(t, err, "%v", bad)
	}
	brd, err := routing.Broadcast(netip.MustParsePrefix("198.18.0.1/0"))
	assert.NoError(t, err)
	assert.Equal(t, "255.255.255.255", brd.String())
}
