//go:build linux && sudo

package routing

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"netnotes/internal/sandbox"
	"netnotes/internal/topo"
)

// The path of part two: a container behind a host, and a namespace
// beyond the host standing for the world outside.
//
//	  container                host                                outside
//	+--------------+   +---------------------------------+   +------------------+
//	| eth          |   | br  198.18.13.1/24 (bridge)     |   |                  |
//	| 198.18.13.2  |===| port (master br)                |   |                  |
//	| default via  |   | up  198.18.14.1/24 [veth]=======|===| 198.18.14.2/24   |
//	| 198.18.13.1  |   | ip_forward, NAT: as a test sets |   | no route to      |
//	+--------------+   +---------------------------------+   | 198.18.13.0/24   |
//	                                                          +------------------+
//
// The outside knows nothing of the container's subnet: an answer reaches
// the container only if the host translated its address.
type path struct {
	Bridge    *topo.Bridge
	Ctr       *topo.Container
	Outside   *sandbox.NS
	Uplink    netlink.Link // the host's end towards the outside
	OutEnd    netlink.Link // the outside's end
	HostOut   netip.Prefix // the host's outgoing address, on Uplink
	OutsideAt netip.Prefix // the outside's address
}

var (
	pathGateway = netip.MustParsePrefix("198.18.13.1/24")
	pathCtr     = netip.MustParsePrefix("198.18.13.2/24")
	pathHostOut = netip.MustParsePrefix("198.18.14.1/24")
	pathOutside = netip.MustParsePrefix("198.18.14.2/24")
)

// newPath builds the path: the bridge and the container (internal/topo),
// then the outside namespace, joined to the host by a veth pair.
// equiv: ip -n host link add up type veth peer name eth netns out; ip -n host addr add 198.18.14.1/24 dev up
func newPath(t *testing.T) *path {
	t.Helper()
	br := topo.NewBridge(t, pathGateway)
	p := &path{Bridge: br, Ctr: br.Plug(t, pathCtr), HostOut: pathHostOut, OutsideAt: pathOutside}
	p.Outside, p.Uplink, p.OutEnd = addOutside(t, br.Host, p.HostOut, p.OutsideAt)
	return p
}

// addOutside joins a new outside namespace to host (the path's, or a
// runtime's) with hostOut on the host's end and outside on the other.
func addOutside(t *testing.T, host *sandbox.NS, hostOut, outside netip.Prefix) (out *sandbox.NS, uplink, outEnd netlink.Link) {
	t.Helper()
	out = sandbox.New(t)
	out.DisableIPv6(t)
	uplink, outEnd = host.AddVeth(t, out)
	host.AddAddr(t, uplink, hostOut.String())
	out.AddAddr(t, outEnd, outside.String())
	host.SetUp(t, uplink)
	out.SetUp(t, outEnd)
	uplink = host.WaitRunning(t, uplink.Attrs().Name)
	outEnd = out.WaitRunning(t, outEnd.Attrs().Name)
	return out, uplink, outEnd
}

// udpExchange sends one datagram from a socket in from to to, where a
// socket in dst reads it, notes its source and answers it; then waits
// for the answer in from. It returns the source dst saw ("" for none),
// how the answer went ("sent" or its error) and the answer's source (""
// for none). The waits are bounded: a datagram that was dropped never
// comes.
func udpExchange(t *testing.T, from, dst *sandbox.NS, to netip.AddrPort) (seenFrom, answer, answerFrom string) {
	t.Helper()
	srv := dst.ListenPacket(t, "udp4", to.String())
	cli := from.ListenPacket(t, "udp4", "0.0.0.0:0")
	if _, err := cli.WriteTo([]byte("R-part-two"), net.UDPAddrFromAddrPort(to)); err != nil {
		return "", "not sent: " + err.Error(), ""
	}
	buf := make([]byte, 64)
	_ = srv.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, peer, err := srv.ReadFrom(buf)
	if err != nil {
		return "", "nothing arrived: " + err.Error(), ""
	}
	seenFrom, answer = peer.String(), "sent"
	if _, err := srv.WriteTo([]byte("answer"), peer); err != nil {
		return seenFrom, err.Error(), ""
	}
	_ = cli.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, back, err := cli.ReadFrom(buf); err == nil {
		answerFrom = back.String()
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		answer += ", then " + err.Error()
	} else {
		answer += ", but it did not come back within 2s"
	}
	return seenFrom, answer, answerFrom
}

// routeTo says how ns routes dst: the device, or the lookup's error.
// equiv: ip route get DST
func routeTo(ns *sandbox.NS, dst netip.Addr) string {
	routes, err := ns.Netlink().RouteGet(dst.AsSlice())
	if err != nil {
		return err.Error()
	}
	if len(routes) == 0 {
		return "no route"
	}
	return fmt.Sprintf("via device %d", routes[0].LinkIndex)
}
