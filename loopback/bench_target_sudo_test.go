//go:build linux && sudo

package loopback

import (
	"net/netip"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/sandbox"
)

// l4Target: a private namespace whose veth device holds 198.18.0.1/24,
// both transports measured inside it (the host's network untouched), as
// root or in the rootless mode's user namespace; with neither, a skip that
// names what refused the namespace. Never a host address.
// equiv: ip netns add X; ip -n X link add A type veth peer name B; ip -n X addr add 198.18.0.1/24 dev A
func l4Target(tb testing.TB) (base bench.Config, where string) {
	tb.Helper()
	ns := sandbox.New(tb)
	here, there := ns.AddVeth(tb, ns)
	ns.AddAddr(tb, here, "198.18.0.1/24")
	ns.SetUp(tb, here)
	ns.SetUp(tb, there)
	return bench.Config{Path: bench.Raw, Addr: netip.MustParseAddr("198.18.0.1"), InNetns: ns.Do},
		"198.18.0.1 (a veth device's address, private namespace)"
}
