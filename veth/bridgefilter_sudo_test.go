//go:build linux && sudo

package veth

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/firewall"
	"netnotes/internal/gate"
	"netnotes/internal/topo"
	"netnotes/internal/wait"
)

// Beyond the notes (the series' next part, the bridge): "Bridged IPv4
// traffic passes the iptables FORWARD chain only with br_netfilter loaded
// and net.bridge.bridge-nf-call-iptables=1." A bridge forwards frames at
// layer 2; br_netfilter hands its IPv4 frames to the IP hooks as well, so
// that a host's iptables rules (docker's, Kubernetes') see containers
// talking to each other across docker0 or cni0. The rule here is a base
// chain on the forward hook, as iptables-nft makes FORWARD.
//
//	           the bridge's namespace
//	+---------------------------------------------+
//	|  br 198.18.15.1/24                          |
//	|  nft: ip filter FORWARD                     |
//	|       ip daddr 198.18.15.3 counter accept   |
//	|     /                       \               |
//	+--[port]--------------------[port]-----------+
//	    ||                         ||
//	 [eth] c1 198.18.15.2       [eth] c2 198.18.15.3
//
// equiv: ls /proc/sys/net/bridge; sysctl -w net.bridge.bridge-nf-call-iptables=0  # then 1
// equiv: ip netns exec c1 bash -c 'echo hi > /dev/udp/198.18.15.3/7007'; iptables -vL FORWARD
func TestV13BridgedTrafficPassesForwardOnlyWithBrNetfilter(t *testing.T) {
	v := claims.Check(t, "V13")
	br, c1, c2 := filterBridge(t)
	claims.Judge(v, observeBridgeFilter(t, br, c1, c2, false), judgeBridgeFilter)
}

// Drill: the bridge's own nf_call_iptables option (ip link set BR type
// bridge nf_call_iptables 1), which br_netfilter obeys whatever the
// namespace's sysctl says: with the sysctl 0, bridged traffic passes
// FORWARD all the same.
// equiv: ip link set BR type bridge nf_call_iptables 1; sysctl -w net.bridge.bridge-nf-call-iptables=0
func TestDrillV13TheBridgesOwnNfCallIptables(t *testing.T) {
	br, c1, c2 := filterBridge(t)
	if !hasBrNetfilter(t, br) {
		gate.Skip(t, "the drill needs br_netfilter, which is not loaded here (no /proc/sys/net/bridge): modprobe br_netfilter and run again")
	}
	f := claims.Drill(t, "V13", observeBridgeFilter(t, br, c1, c2, true), judgeBridgeFilter, claims.Refuted) // in part: "partly refuted: without"
	without, _ := f.Part("without")
	assert.Equal(t, claims.Refuted, without.Verdict, "part without: %s", without.Evidence)
}

func filterBridge(t *testing.T) (*topo.Bridge, *topo.Container, *topo.Container) {
	t.Helper()
	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.15.1/24"))
	return br, br.Plug(t, netip.MustParsePrefix("198.18.15.2/24")), br.Plug(t, netip.MustParsePrefix("198.18.15.3/24"))
}

// hasBrNetfilter reports whether br_netfilter's sysctls exist in the
// bridge's namespace: it is loaded (or built in). A note never loads it.
func hasBrNetfilter(t *testing.T, br *topo.Bridge) bool {
	t.Helper()
	var has bool
	if err := br.Host.Do(func() error {
		_, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables")
		has = err == nil
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}); err != nil {
		t.Fatalf("looking for br_netfilter's sysctls: %v", err)
	}
	return has
}

// observeBridgeFilter counts bridged datagrams from c1 to c2 in a FORWARD
// rule of the bridge's namespace, with bridge-nf-call-iptables 0 and then
// 1 (once, where br_netfilter is not loaded). option sets the bridge's own
// nf_call_iptables first (the drill).
func observeBridgeFilter(t *testing.T, br *topo.Bridge, c1, c2 *topo.Container, option bool) BridgeFilterFacts {
	t.Helper()
	f := BridgeFilterFacts{Bridge: br.Link.Attrs().Name, From: c1.Addr.Addr().String(), To: c2.Addr.Addr().String(),
		BrNetfilter: hasBrNetfilter(t, br), BridgeOption: option}
	nft := firewall.Open(t, br.Host)
	// equiv: nft add chain ip filter FORWARD '{ type filter hook forward priority 0; }'; nft add rule ip filter FORWARD ip daddr C2 counter accept
	rule := nft.Chain(t, "filter", "FORWARD", firewall.Forward).Add(t, firewall.DstNet(netip.PrefixFrom(c2.Addr.Addr(), 32)), firewall.Accept())
	if option {
		setBridgeNfCallIptables(t, br)
	}
	to := netip.AddrPortFrom(c2.Addr.Addr(), 7007)
	srv := c2.NS.ListenPacket(t, "udp4", to.String())
	cli := c1.NS.ListenPacket(t, "udp4", "0.0.0.0:0")
	round := func(setting string) FilterRun {
		r := FilterRun{Setting: setting, Sent: 3}
		before := rule.Read(t).Packets
		for i := range r.Sent {
			if _, err := cli.WriteTo(fmt.Appendf(nil, "V13 %s #%d", setting, i), net.UDPAddrFromAddrPort(to)); err != nil {
				t.Fatalf("sending across the bridge: %v", err)
			}
		}
		buf := make([]byte, 64)
		_ = wait.Until(3*time.Second, func() error {
			_ = srv.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			if _, _, err := srv.ReadFrom(buf); err == nil {
				r.Received++
			}
			if r.Received < r.Sent {
				return fmt.Errorf("%d of %d", r.Received, r.Sent)
			}
			return nil
		})
		r.Counted = rule.Read(t).Packets - before
		return r
	}
	if !f.BrNetfilter {
		f.Runs = append(f.Runs, round("no br_netfilter"))
	} else {
		for _, value := range []string{"0", "1"} {
			// equiv: sysctl -w net.bridge.bridge-nf-call-iptables=VALUE
			br.Host.SetSysctl(t, "net.bridge.bridge-nf-call-iptables", value)
			f.Runs = append(f.Runs, round("net.bridge.bridge-nf-call-iptables="+br.Host.Sysctl(t, "net.bridge.bridge-nf-call-iptables")))
		}
	}
	f.Rule = rule.Read(t).Text
	return f
}

// setBridgeNfCallIptables sets the bridge's own nf_call_iptables option,
// which netlink's Bridge type does not carry: an RTM_NEWLINK with
// IFLA_BR_NF_CALL_IPTABLES in the bridge's link info.
// equiv: ip link set BR type bridge nf_call_iptables 1
func setBridgeNfCallIptables(t *testing.T, br *topo.Bridge) {
	t.Helper()
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(br.Link.Attrs().Index)
	req.AddData(msg)
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
	data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
	data.AddRtAttr(unix.IFLA_BR_NF_CALL_IPTABLES, []byte{1})
	req.AddData(info)
	if err := br.Host.Do(func() error {
		_, err := req.Execute(unix.NETLINK_ROUTE, 0)
		return err
	}); err != nil {
		t.Fatalf("ip link set %s type bridge nf_call_iptables 1: %v", br.Link.Attrs().Name, err)
	}
}
