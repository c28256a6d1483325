//go:build linux && sudo

package loopback_test

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// "With 127.0.0.1, data does not pass through the NIC, so even with the NIC
// unplugged, communication over loopback is unaffected."
// equiv: ip link set eth0 down (or pull the cable); nc 127.0.0.1 PORT
func TestLoopbackNeedsNoNIC(t *testing.T) {
	v := claims.Check(t, "L1")

	// No NIC at all: a fresh namespace holds lo and nothing else.
	// equiv: unshare -n; ip link set lo up; ip -br link
	alone := sandbox.New(t)
	links, err := alone.Netlink().LinkList()
	require.NoError(t, err, "ip link in %v", alone)
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = l.Attrs().Name
	}
	require.Equal(t, []string{"lo"}, names, "devices of a fresh namespace")
	deliveredAlone := deliverOverLoopback(t, alone)

	// An unplugged NIC: a veth end, addressed and set up, whose peer (in
	// another namespace) stays down, so it has no carrier, as a NIC whose
	// cable is pulled. IPv6 is off so that nothing else would use it.
	// equiv: ip link add IF type veth peer name PEER netns OTHER; ip addr add 198.18.0.1/24 dev IF; ip link set IF up
	ns, unpluggedEnd := sandbox.New(t), sandbox.New(t)
	ns.DisableIPv6(t)
	nic, _ := ns.AddVeth(t, unpluggedEnd)
	nicName := nic.Attrs().Name
	ns.AddAddr(t, nic, "198.18.0.1/24")
	ns.SetUp(t, nic)
	var state string
	wait.For(t, sandbox.LinkTimeout, nicName+" to be UP without carrier", func() error {
		a := ns.Link(t, nicName).Attrs()
		state = fmt.Sprintf("flags %v, operstate %v", a.Flags, a.OperState)
		if a.Flags&net.FlagUp == 0 || a.RawFlags&0x10000 != 0 || a.OperState == netlink.OperUp { // IFF_LOWER_UP
			return errors.New(state)
		}
		return nil
	})
	nicBefore := ns.Counters(t, nicName)
	deliveredUnplugged := deliverOverLoopback(t, ns)
	nicMoved := ns.Counters(t, nicName).Sub(nicBefore)
	assert.Zero(t, nicMoved.TxPackets, "the unplugged %s sent packets: %v", nicName, nicMoved)

	// Negative control: what loopback does need is lo. Take lo down under
	// sockets that just worked: table local still answers "local" (see the
	// routing chapter's R1), but lo drops every packet, and nothing arrives.
	// equiv: ip link set lo down; nc 127.0.0.1 PORT
	dead := sandbox.New(t)
	tcpLn := dead.Listen(t, "tcp4", "127.0.0.1:0")
	udpSrv := dead.ListenPacket(t, "udp4", "127.0.0.1:0")
	udpCli := dead.Dial(t, "udp4", udpSrv.LocalAddr().String())
	lo := dead.Link(t, "lo")
	require.NoError(t, dead.Netlink().LinkSetDown(lo), "ip link set lo down")
	droppedBefore := dead.Link(t, "lo").Attrs().Statistics.TxDropped

	_, err = udpCli.Write([]byte("into the void"))
	require.NoError(t, err, "UDP write with lo down (the kernel accepts it, then drops it)")
	require.NoError(t, udpSrv.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, _, udpErr := udpSrv.ReadFrom(make([]byte, 64))
	assert.True(t, isTimeout(udpErr), "with lo down, the UDP read: %v (want a timeout)", udpErr)

	const connectWait = 300 * time.Millisecond
	tcpErr := dead.Do(func() error {
		c, err := net.DialTimeout("tcp4", tcpLn.Addr().String(), connectWait)
		if err == nil {
			c.Close()
		}
		return err
	})
	assert.True(t, isTimeout(tcpErr), "with lo down, the TCP connect: %v (want a timeout)", tcpErr)
	// lo's tx_dropped is recorded, not required: 6.12 and later count
	// these drops (one datagram, at least one SYN), 5.10 and 6.1 keep 0.
	// The lost datagram and the timed-out connect are the control.
	dropped := dead.Link(t, "lo").Attrs().Statistics.TxDropped - droppedBefore

	if t.Failed() {
		return
	}
	v.Confirmed("only lo in the netns: %s; %s up with no carrier (%s): %s, %s tx +%d; control, lo down: UDP datagram lost, TCP connect timed out after %v, lo tx_dropped +%d",
		deliveredAlone, nicName, state, deliveredUnplugged, nicName, nicMoved.TxPackets, connectWait, dropped)
}

// isTimeout reports whether err is a deadline or dial timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
