package sandbox

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// routeTypes are the RTN_* route types under the names `ip route` prints.
var routeTypes = map[int]string{
	unix.RTN_UNICAST: "unicast", unix.RTN_LOCAL: "local", unix.RTN_BROADCAST: "broadcast",
	unix.RTN_ANYCAST: "anycast", unix.RTN_MULTICAST: "multicast", unix.RTN_BLACKHOLE: "blackhole",
	unix.RTN_UNREACHABLE: "unreachable", unix.RTN_PROHIBIT: "prohibit", unix.RTN_THROW: "throw",
	unix.RTN_NAT: "nat", unix.RTN_XRESOLVE: "xresolve",
}

// RouteTypeName names an RTN_* route type as `ip route` does ("local",
// "broadcast"); a type ip has no name for reads "type N".
func RouteTypeName(rt int) string {
	if name, ok := routeTypes[rt]; ok {
		return name
	}
	return fmt.Sprintf("type %d", rt)
}

// MoveLocalBehindMain makes table local the last table the namespace's
// rules consult: a rule for it at priority 40000 (after main's 32766), and
// its priority-0 rule deleted. This is the host the drills of L3 and R4
// build, where main's routes decide before local's. It is idempotent, so a
// test may apply it where a drill already did.
// equiv: ip rule add pref 40000 lookup local; ip rule del pref 0 lookup local
func (ns *NS) MoveLocalBehindMain(t testing.TB) {
	t.Helper()
	h := ns.Netlink()
	rules, err := h.RuleList(netlink.FAMILY_V4)
	require.NoError(t, err, "ip rule in %v", ns)
	has := func(prio int) bool {
		return slices.ContainsFunc(rules, func(r netlink.Rule) bool {
			return r.Priority == prio && r.Table == unix.RT_TABLE_LOCAL
		})
	}
	if !has(40000) {
		late := netlink.NewRule()
		late.Priority, late.Table = 40000, unix.RT_TABLE_LOCAL
		require.NoError(t, h.RuleAdd(late), "ip rule add pref 40000 lookup local in %v", ns)
	}
	if has(0) {
		early := netlink.NewRule()
		early.Priority, early.Table = 0, unix.RT_TABLE_LOCAL
		require.NoError(t, h.RuleDel(early), "ip rule del pref 0 lookup local in %v", ns)
	}
}
