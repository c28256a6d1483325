//go:build linux && sudo

package firewall_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/firewall"
	"netnotes/internal/sandbox"
)

// A rule made through the package reads back in nft's words, with its
// counter, and the namespace's ruleset lists it; a fresh namespace has
// none.
func TestRulesReadBackInNftsWords(t *testing.T) {
	ns := sandbox.New(t)
	nft := firewall.Open(t, ns)
	assert.Empty(t, nft.Ruleset(t), "a fresh namespace's ruleset")

	post := nft.Chain(t, "nat", "postrouting", firewall.Postrouting)
	masq := post.Add(t, firewall.SrcNet(netip.MustParsePrefix("198.18.13.7/24")), firewall.OifNot("br0"), firewall.Masquerade())
	pre := nft.Chain(t, "nat", "prerouting", firewall.Prerouting)
	dnat := pre.Add(t, firewall.DstNet(netip.MustParsePrefix("198.18.14.1/32")), firewall.DstPort("tcp", 8080), firewall.DNAT(netip.MustParseAddrPort("198.18.13.2:80")))

	assert.Equal(t, `ip saddr 198.18.13.0/24 oifname != "br0" counter packets 0 bytes 0 masquerade`, masq.Read(t).Text)
	assert.Equal(t, `ip daddr 198.18.14.1 meta l4proto tcp th dport 8080 counter packets 0 bytes 0 dnat to 198.18.13.2:80`, dnat.Read(t).Text)
	rs := nft.Ruleset(t)
	require.Len(t, rs, 5, "%q", rs)
	assert.Equal(t, "table ip nat", rs[0])
	assert.Contains(t, rs, "chain ip nat postrouting { type nat hook postrouting priority 100; policy accept; }")
}

// iptables-save in a fresh namespace: no table, no rule; its mode is named.
func TestIPTablesOfAFreshNamespace(t *testing.T) {
	ns := sandbox.New(t)
	s := firewall.IPTables(t, ns)
	assert.Contains(t, []string{"nf_tables", "legacy"}, s.Mode)
	assert.Empty(t, s.Tables)
	assert.Empty(t, s.Rules)
}

// A fresh namespace's conntrack table is empty.
func TestConntrackOfAFreshNamespace(t *testing.T) {
	ns := sandbox.New(t)
	assert.Empty(t, firewall.Conntrack(t, ns))
}
