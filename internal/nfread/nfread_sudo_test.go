//go:build linux && sudo

package nfread_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/gate"
	"netnotes/internal/nfread"
	"netnotes/internal/sandbox"
)

func TestNftReadsWhatWasAdded(t *testing.T) {
	ns := sandbox.New(t)
	var tables []nfread.Table
	err := ns.Do(func() (err error) { tables, err = nfread.NftHere(); return err })
	if errors.Is(err, nfread.ErrNotInKernel) {
		gate.Skip(t, "needs nf_tables: %v", err)
	}
	require.NoError(t, err)
	assert.Empty(t, tables, "a new namespace's ruleset")

	// equiv: nft add table inet t; nft add chain inet t in '{ type filter hook input priority 0; policy drop; }'; nft add rule inet t in accept
	var c *nftables.Conn
	require.NoError(t, ns.Do(func() (err error) { c, err = nftables.New(nftables.AsLasting()); return err }))
	defer c.CloseLasting()
	tab := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: "t"})
	drop := nftables.ChainPolicyDrop
	in := c.AddChain(&nftables.Chain{Name: "in", Table: tab, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter, Policy: &drop})
	c.AddRule(&nftables.Rule{Table: tab, Chain: in, Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}})
	require.NoError(t, c.Flush())

	require.NoError(t, ns.Do(func() (err error) { tables, err = nfread.NftHere(); return err }))
	require.Len(t, tables, 1)
	assert.Equal(t, "table inet t {in (hook input, policy drop) 1 rules}", tables[0].String())
}

func TestLegacyReadsOnlyListedTables(t *testing.T) {
	ns := sandbox.New(t)
	var got []nfread.Legacy
	require.NoError(t, ns.Do(func() (err error) { got, err = nfread.LegacyHere(); return err }))
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
	// equiv: ip netns exec NS iptables-legacy -P FORWARD DROP; ... -A INPUT -j ACCEPT
	for _, args := range [][]string{{"-P", "FORWARD", "DROP"}, {"-A", "INPUT", "-j", "ACCEPT"}} {
		cmd := exec.Command("nsenter", append([]string{"--net=" + ns.Path(), bin, "-w"}, args...)...)
		// Its lock file, /run/xtables.lock by default, is the host's (and
		// not writable in the rootless mode): one of the test's own.
		cmd.Env = append(os.Environ(), "XTABLES_LOCKFILE="+filepath.Join(t.TempDir(), "xtables.lock"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "iptables-legacy %v: %s", args, out)
	}
	require.NoError(t, ns.Do(func() (err error) { got, err = nfread.LegacyHere(); return err }))
	require.Len(t, got[0].Tables, 1, "%+v", got[0])
	assert.Equal(t, "ip filter: INPUT ACCEPT, FORWARD DROP, OUTPUT ACCEPT, 1 rules", got[0].Tables[0].String())
}
