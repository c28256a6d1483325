package ping_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/ping"
	"netnotes/internal/sandbox"
)

// Bad options are refused before any socket is made (so no namespace is
// needed to see it).
func TestOpenRefusesImpossiblePayloadSizes(t *testing.T) {
	for _, size := range []int{-1, 65500} {
		_, err := ping.Open(&sandbox.NS{}, ping.Options{Size: size})
		assert.ErrorContains(t, err, "payload size", "size %d", size)
	}
}

func TestWireLenOfPingsDefault(t *testing.T) {
	assert.Equal(t, 98, ping.WireLen(ping.DefaultSize)) // what tcpdump shows for `ping` on Ethernet
}

func TestOpenRefusesANilNamespace(t *testing.T) {
	_, err := ping.Open(nil, ping.Options{})
	assert.ErrorContains(t, err, "no namespace")
}
