//go:build linux && sudo

package veth

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"

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
//
//	          "host" namespace
//	+-------------------------------------+
//	|          br 198.18.8.1/24           |
//	|          /              \           |
//	|   H1 (master br)    H2 (master br)  |
//	+-----[H1]--------------[H2]----------+
//	       ||  veth          ||  veth
//	+-----[C1]------+  +-----[C2]------+
//	| 198.18.8.2/24 |  | 198.18.8.3/24 |
//	|  container 1  |  |  container 2  |
//	+---------------+  +---------------+
//	C1 pings C2 and the gateway; then H1 leaves the bridge
//	(nomaster) and C1 pings C2 again.
func TestV8AContainersVethIsABridgePortWithItsPeerInTheContainer(t *testing.T) {
	v := claims.Check(t, "V8")
	br, ctrs := containerNetwork(t)
	facts := observeContainers(t, br, ctrs)
	claims.Judge(v, facts, judgeContainer)
}

// containerNetwork builds a podman-like network in private namespaces: a
// bridge with the gateway address, and two containers plugged into it.
func containerNetwork(t *testing.T) (*topo.Bridge, []*topo.Container) {
	t.Helper()
	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.8.1/24"))
	return br, []*topo.Container{
		br.Plug(t, netip.MustParsePrefix("198.18.8.2/24")),
		br.Plug(t, netip.MustParsePrefix("198.18.8.3/24")),
	}
}

// crossTimeout bounds a ping between containers: answered in well under a
// millisecond on a bridge, or never.
const crossTimeout = 2 * time.Second

// observeContainers reads each container's host-side end (master, peer,
// link-netnsid), pings from each container to the other and to the
// gateway, reads what the bridge learnt, and then, as the control, takes
// the first container's port out of the bridge and pings across again.
func observeContainers(t *testing.T, br *topo.Bridge, ctrs []*topo.Container) ContainerFacts {
	t.Helper()
	host, brName := br.Host, br.Link.Attrs().Name
	f := ContainerFacts{Bridge: brName, Gateway: br.Gateway.String()}

	// Each host end should be a port of the bridge ("master br") and name
	// its peer by index in a namespace the host knows by a netns id
	// ("veth0@if2 ... link-netnsid N"; iproute2 prints link-netns NAME
	// only for named namespaces).
	for _, c := range ctrs {
		end := host.Link(t, c.HostEnd.Attrs().Name)
		id, err := host.Netlink().GetNetNsIdByFd(c.NS.FD())
		require.NoError(t, err)
		f.Ports = append(f.Ports, PortSeen{
			Name: end.Attrs().Name, MasterIsBridge: end.Attrs().MasterIndex == br.Link.Attrs().Index,
			PeerIndex: end.Attrs().ParentIndex, ContainerEth: c.Eth.Attrs().Index,
			NetnsID: end.Attrs().NetNsID, ContainerNSID: id,
		})
	}

	// The containers should reach each other across the bridge, and the
	// gateway. The four pings go out at once, each from a pinger of its
	// own: one that is never answered (a drill's) then costs crossTimeout
	// once, not four times.
	pingers := make([]*ping.Pinger, len(ctrs))
	type job struct {
		p        *ping.Pinger
		from, to netip.Addr
	}
	var jobs []job
	for i, c := range ctrs {
		pingers[i] = ping.New(t, c.NS, ping.Options{})
		for k, dst := range []netip.Addr{ctrs[1-i].Addr.Addr(), br.Gateway.Addr()} {
			p := pingers[i]
			if k > 0 {
				p = ping.New(t, c.NS, ping.Options{})
			}
			jobs = append(jobs, job{p, c.Addr.Addr(), dst})
		}
	}
	f.Pings = make([]PingSeen, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { f.Pings[i] = echo(j.p, j.from, j.to) })
	}
	wg.Wait()

	// The bridge did the forwarding if it learnt each container's MAC on
	// that container's port.
	// equiv: bridge fdb show br BR
	for i, c := range ctrs {
		fdb, err := host.Netlink().NeighList(c.HostEnd.Attrs().Index, unix.AF_BRIDGE)
		require.NoError(t, err)
		for _, e := range fdb {
			f.Ports[i].FdbLearnt = f.Ports[i].FdbLearnt || bytes.Equal(e.HardwareAddr, c.Eth.Attrs().HardwareAddr)
		}
	}

	// A destination outside the subnet leaves by the default route, through
	// the gateway on the bridge.
	// equiv: ip -n CTR1 route get 198.19.0.1
	routes, err := ctrs[0].NS.Netlink().RouteGet(netip.MustParseAddr("198.19.0.1").AsSlice())
	require.NoError(t, err)
	require.Len(t, routes, 1)
	gw, _ := netip.AddrFromSlice(routes[0].Gw)
	f.OutsideVia = gw.String()

	// Control: with the first container's port out of the bridge, the
	// containers lose each other: the bridge is what joined them.
	// equiv: ip link set H1 nomaster; ip -n CTR1 ping 198.18.8.3
	port := host.Link(t, ctrs[0].HostEnd.Attrs().Name)
	require.NoError(t, host.Netlink().LinkSetNoMaster(port))
	f.ControlPort = port.Attrs().Name
	f.ControlMaster = host.Link(t, port.Attrs().Name).Attrs().MasterIndex != 0
	f.ControlPing = echo(pingers[0], ctrs[0].Addr.Addr(), ctrs[1].Addr.Addr())
	return f
}

// echo sends one echo request and says what came of it.
func echo(p *ping.Pinger, from, to netip.Addr) PingSeen {
	s := PingSeen{From: from.String(), To: to.String()}
	r, err := p.Echo(to, crossTimeout)
	if err != nil {
		s.Reply = err.Error()
		return s
	}
	s.Answered, s.Reply = true, "reply from "+r.From.String()
	return s
}
