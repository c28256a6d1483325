//go:build linux && sudo

package topo_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/topo"
)

func TestPluggedContainerIsABridgePortWithADefaultRoute(t *testing.T) {
	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.9.1/24"))
	c := br.Plug(t, netip.MustParsePrefix("198.18.9.2/24"))

	assert.Equal(t, br.Link.Attrs().Index, c.HostEnd.Attrs().MasterIndex)
	assert.Equal(t, "veth", c.Eth.Type())
	routes, err := c.NS.Netlink().RouteGet(netip.MustParseAddr("198.19.1.1").AsSlice())
	require.NoError(t, err)
	require.Len(t, routes, 1)
	assert.Equal(t, br.Gateway.Addr().AsSlice(), []byte(routes[0].Gw.To4()))
	assert.Equal(t, c.Eth.Attrs().Index, routes[0].LinkIndex)
}
