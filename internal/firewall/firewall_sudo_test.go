//go:build linux && sudo

package firewall_test

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/firewall"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// A rule made through the package reads back in nft's words, with its
// counter, and the namespace's ruleset lists it; a fresh namespace has
// none.
func TestRulesReadBackInNftsWords(t *testing.T) {
	ns := sandbox.New(t)
	nft := firewall.Open(t, ns)
	rs, err := nft.Ruleset()
	require.NoError(t, err)
	assert.Empty(t, rs, "a fresh namespace's ruleset")

	post := nft.Chain(t, "nat", "postrouting", firewall.Postrouting)
	masq := post.Add(t, firewall.SrcNet(netip.MustParsePrefix("198.18.13.7/24")), firewall.OifNot("br0"), firewall.Masquerade())
	pre := nft.Chain(t, "nat", "prerouting", firewall.Prerouting)
	dnat := pre.Add(t, firewall.DstNet(netip.MustParsePrefix("198.18.14.1/32")), firewall.DstPort("tcp", 8080), firewall.DNAT(netip.MustParseAddrPort("198.18.13.2:80")))

	assert.Equal(t, `ip saddr 198.18.13.0/24 oifname != "br0" counter packets 0 bytes 0 masquerade`, masq.Read(t).Text)
	assert.Equal(t, `ip daddr 198.18.14.1 meta l4proto tcp th dport 8080 counter packets 0 bytes 0 dnat to 198.18.13.2:80`, dnat.Read(t).Text)
	rs, err = nft.Ruleset()
	require.NoError(t, err)
	require.Len(t, rs, 5, "%q", rs)
	assert.Equal(t, "table ip nat", rs[0])
	assert.Contains(t, rs, "chain ip nat postrouting { type nat hook postrouting priority 100; policy accept; }")

	// Another connection to the same namespace sees the same ruleset: the
	// rules are the namespace's, not the connection's.
	other, err := firewall.Dial(ns)
	require.NoError(t, err)
	defer other.Close()
	again, err := other.Ruleset()
	require.NoError(t, err)
	assert.Equal(t, rs, again)
}

// The legacy tables of a fresh namespace: none instantiated. A rule that
// iptables-legacy makes there reads back, and its table's policies with it.
func TestLegacyReadsOnlyListedTables(t *testing.T) {
	ns := sandbox.New(t)
	got, err := firewall.ReadLegacy(ns)
	require.NoError(t, err)
	for _, l := range got {
		if l.Absent != "" {
			gate.Skip(t, "needs legacy %s x_tables: %s", l.Family, l.Absent)
		}
		assert.Empty(t, l.Tables, "%s: a new namespace's instantiated tables", l.Family)
	}

	bin, err := exec.LookPath("iptables-legacy")
	if err != nil {
		gate.Skip(t, "needs iptables-legacy (Debian: apt-get install iptables) to make a rule to read")
	}
	// equiv: ip netns exec NS iptables-legacy -P FORWARD DROP; ip netns exec NS iptables-legacy -A INPUT -j ACCEPT
	for _, args := range [][]string{{"-P", "FORWARD", "DROP"}, {"-A", "INPUT", "-j", "ACCEPT"}} {
		cmd := exec.Command("nsenter", append([]string{"--net=" + ns.Path(), bin, "-w"}, args...)...)
		// Its lock file, /run/xtables.lock by default, is the host's (and
		// not writable in the rootless mode): one of the test's own.
		cmd.Env = append(os.Environ(), "XTABLES_LOCKFILE="+filepath.Join(t.TempDir(), "xtables.lock"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "iptables-legacy %v: %s", args, out)
	}
	got, err = firewall.ReadLegacy(ns)
	require.NoError(t, err)
	require.Len(t, got[0].Tables, 1, "%+v", got[0])
	assert.Equal(t, "ip filter: INPUT ACCEPT, FORWARD DROP, OUTPUT ACCEPT, 1 rules", got[0].Tables[0].String())
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
