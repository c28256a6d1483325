//go:build linux && sudo

package loopback

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
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

// Drill: L4's measurement with a firewall in its namespace that accepts
// 127.0.0.0/8 at once and walks a long chain for the other address, as a
// host's nftables ruleset can (input and output each hold hostAddrRules
// rules that look at packets to 198.18.0.1, match none and let them
// through). Every packet to 198.18.0.1 pays for the chain, so 127.0.0.1 is
// faster there and the judge must refute "no difference". The notes' own
// test runs in a namespace of its own, where a reader's firewall never
// applies; this drill puts one there.
// equiv: ip netns exec NS nft -f RULESET  # then L4's measurement in NS
func TestDrillL4AFirewallChainForTheHostAddress(t *testing.T) {
	gate.SkipEmulated(t, "L4's measurement, which this drill takes,")
	gate.SkipShort(t, "L4's measurement, which this drill takes")
	nft, err := exec.LookPath("nft")
	if err != nil {
		gate.SkipDrillWithout(t, "the nft program (nftables)", "install nftables and run it again")
	}
	base, _ := l4Target(t)
	var rules strings.Builder
	rules.WriteString("table ip netnotes_l4 {\n")
	for _, hook := range []string{"input", "output"} {
		fmt.Fprintf(&rules, "chain %s {\ntype filter hook %s priority 0; policy accept;\nip daddr 127.0.0.0/8 accept\n", hook, hook)
		for i := range hostAddrRules {
			fmt.Fprintf(&rules, "ip daddr %s meta mark 0x%x drop\n", base.Addr, i+1) // no packet of the test carries a mark
		}
		rules.WriteString("}\n")
	}
	rules.WriteString("}\n")
	var out bytes.Buffer
	require.NoError(t, base.InNetns(func() error {
		cmd := exec.Command(nft, "-f", "-")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(rules.String()), &out, &out
		return cmd.Run() // the child starts on this thread, in the namespace
	}), "nft -f - (in the measurement's namespace): %s", out.String())

	// On a busy machine (make test runs packages side by side on few
	// CPUs) the cells are measured under load and decide nothing
	// (bench.MaxOtherCPU): where that leaves it undecided, measure again;
	// where every try was, the drill shows both halves of the rule
	// instead: the load gate held the verdict back, and beneath it the
	// rule refutes.
	var loaded []bench.Facts
	for range l4DrillTries {
		facts, _, err := bench.SameCPU(base, bench.TCP, bench.TCPHostAddr, bench.L4Windows)
		require.NoError(t, err, "measuring")
		// A cell measured under load decides nothing, the others still
		// do: a quiet cell that refutes is enough.
		if f := judgeL4(facts); !facts.Loaded() || f.Verdict != claims.Undecided {
			claims.Drill(t, "L4", facts, judgeL4, claims.Refuted)
			return
		}
		loaded = append(loaded, facts)
	}
	for i, facts := range loaded {
		f := judgeL4(facts.AsIfQuiet())
		t.Logf("drill L4: try %d measured under load (undecided); beneath the load gate: %s — %s", i+1, f.Verdict, f.Evidence)
		if f.Verdict == claims.Refuted {
			return // not recorded: recorded drills are quiet measurements
		}
	}
	gate.Skip(t, "drill L4: the machine was busy in all %d tries (other work on the measured CPU, more than %g%%), and beneath the load gate no try refuted; run it on a quiet machine", l4DrillTries, bench.MaxOtherCPU)
}

// l4DrillTries is how many times the L4 drill measures before it judges
// a measurement taken under load.
const l4DrillTries = 2

// hostAddrRules is how many rules the L4 drill's chains hold for the host
// address.
const hostAddrRules = 300
