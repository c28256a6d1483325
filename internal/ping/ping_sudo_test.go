//go:build linux && sudo

package ping_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/ping"
	"netnotes/internal/sandbox"
)

func TestEchoIsAnsweredOnLoopback(t *testing.T) {
	ns := sandbox.New(t)
	p := ping.New(t, ns, ping.Options{Size: 100})
	for seq := 1; seq <= 3; seq++ {
		r, err := p.Echo(netip.MustParseAddr("127.0.0.1"), 5*time.Second)
		require.NoError(t, err)
		assert.Equal(t, netip.MustParseAddr("127.0.0.1"), r.From)
		assert.Equal(t, seq, r.Seq)
		assert.Equal(t, 108, r.Len)
	}
}

// Nobody answers for an address no device has: a clear timeout error.
func TestEchoTimesOutWithoutAReply(t *testing.T) {
	p := sandbox.NewPair(t)
	pinger := ping.New(t, p.A, ping.Options{})
	_, err := pinger.Echo(netip.MustParseAddr("198.18.0.99"), 200*time.Millisecond)
	assert.ErrorIs(t, err, ping.ErrTimeout)
}

func TestEchoRefusesIPv6(t *testing.T) {
	pinger := ping.New(t, sandbox.New(t), ping.Options{})
	_, err := pinger.Echo(netip.MustParseAddr("::1"), time.Second)
	assert.ErrorContains(t, err, "not an IPv4 address")
}

func TestDeviceThatDoesNotExistIsAnError(t *testing.T) {
	_, err := ping.Open(sandbox.New(t), ping.Options{Device: "nn-nosuchdev"})
	assert.ErrorContains(t, err, "SO_BINDTODEVICE")
}
