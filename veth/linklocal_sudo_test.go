//go:build linux && sudo

package veth_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
	"netnotes/veth"
)

// notesMAC is veth5's MAC in the notes; its link-local address was
// fe80::982e:edff:fe06:c56.
const notesMAC = "9a:2e:ed:06:0c:56"

// linkLocalOf waits until link has an IPv6 link-scope address and returns
// it with its flags (IFA_F_*).
func linkLocalOf(t testing.TB, ns *sandbox.NS, link netlink.Link) (netip.Addr, int) {
	t.Helper()
	var addr netip.Addr
	var flags int
	wait.For(t, sandbox.LinkTimeout, "an fe80:: address on "+link.Attrs().Name, func() error {
		addrs, err := ns.Netlink().AddrList(link, netlink.FAMILY_V6)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.IsLinkLocalUnicast() {
				addr, flags = ip, a.Flags
				return nil
			}
		}
		return fmt.Errorf("IPv6 addresses: %v", addrs)
	})
	return addr, flags
}

// untilUsable polls until addr on link is no longer tentative and returns
// how long that took.
func untilUsable(t testing.TB, ns *sandbox.NS, link netlink.Link, addr netip.Addr) time.Duration {
	t.Helper()
	start := time.Now()
	wait.For(t, sandbox.LinkTimeout, addr.String()+" to leave the tentative state", func() error {
		addrs, err := ns.Netlink().AddrList(link, netlink.FAMILY_V6)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if ip, _ := netip.AddrFromSlice(a.IP); ip == addr && a.Flags&unix.IFA_F_TENTATIVE == 0 {
				return nil
			}
		}
		return fmt.Errorf("addresses %v", addrs)
	})
	return time.Since(start)
}

// The notes: after `ip link set up`, veth5 (link/ether 9a:2e:ed:06:0c:56)
// shows `inet6 fe80::982e:edff:fe06:c56/64 scope link`.
// equiv: ip link set dev veth5 address 9a:2e:ed:06:0c:56; ip link set veth4 up; ip link set veth5 up; ip -6 addr show
func TestV3EachEndGetsTheEUI64LinkLocalOfItsMAC(t *testing.T) {
	v := claims.Check(t, "V3")
	ns := sandbox.New(t)
	// Devices made from now on generate EUI-64 addresses (not
	// stable-privacy or random) and skip duplicate address detection, so
	// the address is usable as soon as it appears.
	ns.SetSysctl(t, "net.ipv6.conf.default.disable_ipv6", "0")
	ns.SetSysctl(t, "net.ipv6.conf.default.addr_gen_mode", "0")
	ns.SetSysctl(t, "net.ipv6.conf.default.accept_dad", "0")
	a, b := ns.AddVeth(t, ns)
	mac, err := net.ParseMAC(notesMAC)
	require.NoError(t, err)
	// equiv: ip link set dev B address 9a:2e:ed:06:0c:56
	require.NoError(t, ns.Netlink().LinkSetHardwareAddr(b, mac))

	ns.SetUp(t, a)
	ns.SetUp(t, b)
	var evidence []string
	var slowest time.Duration
	for _, l := range []netlink.Link{a, b} {
		l = ns.WaitRunning(t, l.Attrs().Name)
		got, _ := linkLocalOf(t, ns, l)
		want, err := veth.LinkLocal(l.Attrs().HardwareAddr)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%s with MAC %s", l.Attrs().Name, l.Attrs().HardwareAddr)
		// The address is born tentative even so; the kernel's DAD work
		// clears the flag at once instead of probing for a second.
		slowest = max(slowest, untilUsable(t, ns, l, got))
		evidence = append(evidence, fmt.Sprintf("%s %s -> %s", l.Attrs().Name, l.Attrs().HardwareAddr, got))
	}

	// Control: with DAD on (the kernel's default), the address stays
	// tentative, unusable, until the probe has had no answer for a
	// second or so; that is the wait accept_dad=0 avoids.
	ns.SetSysctl(t, "net.ipv6.conf.default.accept_dad", "1")
	c, d := ns.AddVeth(t, ns)
	ns.SetUp(t, c)
	ns.SetUp(t, d)
	ctrl, ctrlFlags := linkLocalOf(t, ns, c)
	assert.NotZero(t, ctrlFlags&unix.IFA_F_TENTATIVE, "%s's %v right after up with accept_dad=1", c.Attrs().Name, ctrl)
	// bind fails while it is tentative.
	bindErr := ns.Do(func() error {
		l, err := net.ListenPacket("udp6", "["+ctrl.String()+"%"+c.Attrs().Name+"]:0")
		if err == nil {
			l.Close()
		}
		return err
	})
	assert.True(t, errors.Is(bindErr, unix.EADDRNOTAVAIL), "bind to tentative %v: %v", ctrl, bindErr)
	withDAD := untilUsable(t, ns, c, ctrl)
	assert.Greater(t, withDAD, slowest, "DAD took no longer than no DAD")

	v.Confirmed("%s and %s (the notes' MAC gives the notes' address); with accept_dad=0 usable (not tentative) within %v; "+
		"control with accept_dad=1: %s %v tentative for %v, bind meanwhile: %v",
		evidence[0], evidence[1], slowest.Round(time.Microsecond), c.Attrs().Name, ctrl, withDAD.Round(time.Millisecond), bindErr)
}
