//go:build linux && sudo

package veth_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/ping"
	"netnotes/internal/topo"
)

// The notes, on a host running a podman container: `ip link show` lists
// `5: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> ... master podman0 state
// UP ... link-netns netns-1836f023-...`: the container's veth has its other
// end inside the container's namespace, and this end is a bridge port.
// equiv: ip link add br type bridge; ip link add H type veth peer name C netns CTR; ip link set H master br up; ...
// equiv: ip -n CTR1 ping 198.18.8.3; ip -n CTR1 ping 198.18.8.1; ip link show master br; bridge fdb show br br
func TestV8AContainersVethIsABridgePortWithItsPeerInTheContainer(t *testing.T) {
	v := claims.Check(t, "V8")
	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.8.1/24"))
	ctrs := []*topo.Container{
		br.Plug(t, netip.MustParsePrefix("198.18.8.2/24")),
		br.Plug(t, netip.MustParsePrefix("198.18.8.3/24")),
	}
	host, brName := br.Host, br.Link.Attrs().Name

	// Each host end is a port of the bridge ("master br") and names its
	// peer by index in a namespace the host knows by a netns id
	// ("veth0@if2 ... link-netnsid N"; iproute2 prints link-netns NAME
	// only for named namespaces).
	var ports []string
	for _, c := range ctrs {
		end := host.Link(t, c.HostEnd.Attrs().Name)
		id, err := host.Netlink().GetNetNsIdByFd(c.NS.FD())
		require.NoError(t, err)
		assert.Equal(t, br.Link.Attrs().Index, end.Attrs().MasterIndex, "%s's master", end.Attrs().Name)
		assert.Equal(t, c.Eth.Attrs().Index, end.Attrs().ParentIndex, "%s's peer index", end.Attrs().Name)
		assert.Equal(t, id, end.Attrs().NetNsID, "%s's link-netnsid", end.Attrs().Name)
		ports = append(ports, fmt.Sprintf("%s@if%d master %s link-netnsid %d", end.Attrs().Name, end.Attrs().ParentIndex, brName, end.Attrs().NetNsID))
	}

	// The containers reach each other across the bridge, and the gateway.
	var replies []string
	for i, c := range ctrs {
		other := ctrs[1-i]
		pinger := ping.New(t, c.NS, ping.Options{})
		for _, dst := range []netip.Addr{other.Addr.Addr(), br.Gateway.Addr()} {
			r, err := pinger.Echo(dst, replyTimeout)
			require.NoError(t, err, "from %v", c.Addr.Addr())
			replies = append(replies, fmt.Sprintf("%v->%v", c.Addr.Addr(), r.From))
		}
	}

	// The bridge did the forwarding: it learnt each container's MAC on
	// that container's port.
	// equiv: bridge fdb show br BR
	for _, c := range ctrs {
		fdb, err := host.Netlink().NeighList(c.HostEnd.Attrs().Index, unix.AF_BRIDGE)
		require.NoError(t, err)
		learnt := false
		for _, e := range fdb {
			learnt = learnt || bytes.Equal(e.HardwareAddr, c.Eth.Attrs().HardwareAddr)
		}
		assert.True(t, learnt, "bridge fdb of port %s lacks %s: %v", c.HostEnd.Attrs().Name, c.Eth.Attrs().HardwareAddr, fdb)
	}

	// Control: a destination outside the subnet would leave by the default
	// route, through the gateway on the bridge.
	// equiv: ip -n CTR1 route get 198.19.0.1
	routes, err := ctrs[0].NS.Netlink().RouteGet(netip.MustParseAddr("198.19.0.1").AsSlice())
	require.NoError(t, err)
	require.Len(t, routes, 1)
	gw, _ := netip.AddrFromSlice(routes[0].Gw)
	assert.Equal(t, br.Gateway.Addr(), gw, "route from a container to 198.19.0.1")

	v.Confirmed("bridge %s with gateway %v in a private host netns; ports %s and %s; echo replies %v; "+
		"bridge fdb learnt each container's MAC on its port; 198.19.0.1 routes via %v",
		brName, br.Gateway, ports[0], ports[1], replies, gw)
}
