//go:build linux && sudo

package loopback

import (
	"net/netip"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// l4Target: as root, a private namespace whose veth device holds
// 198.18.0.1/24, both transports measured inside it (the host's network
// untouched); without root, the host's own address.
// equiv: ip netns add X; ip -n X link add A type veth peer name B; ip -n X addr add 198.18.0.1/24 dev A
func l4Target(tb testing.TB) (base bench.Config, where string) {
	tb.Helper()
	if !gate.IsRoot() {
		return hostAddrTarget(tb)
	}
	ns := sandbox.New(tb)
	here, there := ns.AddVeth(tb, ns)
	ns.AddAddr(tb, here, "198.18.0.1/24")
	ns.SetUp(tb, here)
	ns.SetUp(tb, there)
	return bench.Config{Path: bench.Raw, Addr: netip.MustParseAddr("198.18.0.1"), InNetns: ns.Do},
		"198.18.0.1 (a veth device's address, private namespace)"
}
