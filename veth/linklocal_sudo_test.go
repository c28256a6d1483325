//go:build linux && sudo

package veth

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// observeWithoutIPv6 is observeLinkLocal on a kernel that has no IPv6 in
// ns: the same pair, the notes' MAC on one end, both up; then one look at
// their addresses, of any family, since no IPv6 one can come.
// equiv: ip link set veth4 up; ip link set veth5 up; ip addr show
func observeWithoutIPv6(t *testing.T, ns *sandbox.NS) LinkLocalFacts {
	t.Helper()
	f := LinkLocalFacts{NoIPv6: true}
	a, b := ns.AddVeth(t, ns)
	mac, err := net.ParseMAC(NotesMAC)
	require.NoError(t, err)
	require.NoError(t, ns.Netlink().LinkSetHardwareAddr(b, mac))
	ns.SetUp(t, a)
	ns.SetUp(t, b)
	for _, l := range []netlink.Link{a, b} {
		l = ns.WaitRunning(t, l.Attrs().Name)
		end := LinkLocalEnd{Name: l.Attrs().Name, MAC: l.Attrs().HardwareAddr.String()}
		addrs, err := ns.Netlink().AddrList(l, netlink.FAMILY_ALL)
		require.NoError(t, err, "ip addr show %s", end.Name)
		for _, ad := range addrs {
			if ip, ok := netip.AddrFromSlice(ad.IP); ok && ip.IsLinkLocalUnicast() && ip.Is6() {
				end.LinkLocal, end.Tentative = ip.String(), ad.Flags&unix.IFA_F_TENTATIVE != 0
			}
		}
		f.Ends = append(f.Ends, end)
	}
	return f
}

// linkLocalOf polls until link has an IPv6 link-scope address and returns
// it with its flags (IFA_F_*); the zero address if none came in time.
func linkLocalOf(ns *sandbox.NS, link netlink.Link) (netip.Addr, int) {
	var addr netip.Addr
	var flags int
	_ = wait.Until(sandbox.LinkTimeout, func() error {
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
func TestV3EachEndGetsTheEUI64LinkLocalOfItsMAC(t *testing.T) {
	v := claims.Check(t, "V3")
	facts := observeLinkLocal(t, sandbox.New(t))
	claims.Judge(v, facts, judgeLinkLocal)
}

// observeLinkLocal reads the IPv6 settings devices inherit in ns (it sets
// none of those the claim rests on), makes a pair, gives one end the
// notes' MAC, brings both up and reads their link-local addresses. Then,
// as a control, it turns DAD on and times how long a new address stays
// tentative. On a kernel without IPv6 it reads the addresses once after up
// (none can come) and runs no control.
func observeLinkLocal(t *testing.T, ns *sandbox.NS) LinkLocalFacts {
	t.Helper()
	if !ns.HasIPv6(t) {
		return observeWithoutIPv6(t, ns)
	}
	f := LinkLocalFacts{
		AddrGenMode: ns.Sysctl(t, "net.ipv6.conf.default.addr_gen_mode"),
		DisableIPv6: ns.Sysctl(t, "net.ipv6.conf.default.disable_ipv6"),
		AcceptDAD:   ns.Sysctl(t, "net.ipv6.conf.default.accept_dad"),
	}
	// Only DAD is switched off, so that the address is usable as soon as
	// it appears; how the address is made is left as the namespace has it.
	ns.SetSysctl(t, "net.ipv6.conf.default.accept_dad", "0")
	a, b := ns.AddVeth(t, ns)
	mac, err := net.ParseMAC(NotesMAC)
	require.NoError(t, err)
	// equiv: ip link set dev B address 9a:2e:ed:06:0c:56
	require.NoError(t, ns.Netlink().LinkSetHardwareAddr(b, mac))

	ns.SetUp(t, a)
	ns.SetUp(t, b)
	var slowest time.Duration
	for _, l := range []netlink.Link{a, b} {
		l = ns.WaitRunning(t, l.Attrs().Name)
		got, flags := linkLocalOf(ns, l)
		end := LinkLocalEnd{Name: l.Attrs().Name, MAC: l.Attrs().HardwareAddr.String(), Tentative: flags&unix.IFA_F_TENTATIVE != 0}
		if got.IsValid() {
			end.LinkLocal = got.String()
			// The address is born tentative even so; the kernel's DAD work
			// clears the flag at once instead of probing for a second.
			slowest = max(slowest, untilUsable(t, ns, l, got))
		}
		f.Ends = append(f.Ends, end)
	}
	f.UsableWithinMs = slowest.Milliseconds()

	// Control: with DAD on (the kernel's default), the address stays
	// tentative, unusable, until the probe has had no answer for a
	// second or so; that is the wait accept_dad=0 avoids.
	ns.SetSysctl(t, "net.ipv6.conf.default.accept_dad", "1")
	c, d := ns.AddVeth(t, ns)
	ns.SetUp(t, c)
	ns.SetUp(t, d)
	ctrl, ctrlFlags := linkLocalOf(ns, c)
	if !ctrl.IsValid() {
		f.DADBindErr = "no address came"
		return f
	}
	f.DADTentative = ctrlFlags&unix.IFA_F_TENTATIVE != 0
	// bind fails while it is tentative.
	bindErr := ns.Do(func() error {
		l, err := net.ListenPacket("udp6", "["+ctrl.String()+"%"+c.Attrs().Name+"]:0")
		if err == nil {
			l.Close()
		}
		return err
	})
	f.DADBindErr = "0"
	if errors.Is(bindErr, unix.EADDRNOTAVAIL) {
		f.DADBindErr = "EADDRNOTAVAIL"
	} else if bindErr != nil {
		f.DADBindErr = bindErr.Error()
	}
	f.DADUsableAfterMs = untilUsable(t, ns, c, ctrl).Milliseconds()
	return f
}
