//go:build linux && sudo

package veth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
)

// Refutation drills: each runs a claim's own observation on namespaces set
// up so that (part of) the claim is false, and checks that the judge says
// so. A drill logs "drill ID: ..." lines, never a verdict.

// V4 with the peer's end down: the cable is cut, the ping cannot cross,
// and the judge must refute "a veth pair carries packets between two
// namespaces".
// equiv: ip -n B link set b down; ip netns exec A ping -c 5 198.18.0.2
func TestDrillV4PeerEndDown(t *testing.T) {
	t.Parallel()
	p := sandbox.NewPair(t)
	require.NoError(t, p.B.Netlink().LinkSetDown(p.LinkB))
	facts := observeCrossPing(t, p)
	claims.Drill(t, "V4", facts, judgeCrossPing, claims.Refuted)
}

// V2 with one end kept down: the observation's last step ("both ends up")
// leaves the peer down, so the ends cannot show UP,LOWER_UP. That part is
// refuted; the other two (a new pair is down, addresses go on before up)
// still hold, so the claim as a whole is refined, by Combine's rule.
func TestDrillV2OneEndKeptDown(t *testing.T) {
	here, there := sandbox.New(t), sandbox.New(t)
	facts := StateFacts{Placements: []StatePlacement{observeStates(t, "peer in another netns, kept down", here, there, false)}}
	f := claims.Drill(t, "V2", facts, judgeStates, claims.Refined)
	both, _ := f.Part("both-up")
	assert.Equal(t, claims.Refuted, both.Verdict, "part both-up: %s", both.Evidence)
}

// V8 with the containers' ports taken out of the bridge (nomaster) before
// the observation: the host ends are no bridge's ports and the bridge
// carries nothing, so those two parts are refuted. Each host end still
// names its peer in the container's namespace (that part of the claim is
// still true), so the claim is refined, not refuted.
// equiv: ip link set H1 nomaster; ip link set H2 nomaster
//
// (then V8's observation)
func TestDrillV8PortsOutOfTheBridge(t *testing.T) {
	t.Parallel()
	br, ctrs := containerNetwork(t)
	for _, c := range ctrs {
		require.NoError(t, br.Host.Netlink().LinkSetNoMaster(c.HostEnd))
	}
	facts := observeContainers(t, br, ctrs)
	f := claims.Drill(t, "V8", facts, judgeContainer, claims.Refined)
	for _, name := range []string{"bridge-port", "bridge-carries"} {
		p, _ := f.Part(name)
		assert.Equal(t, claims.Refuted, p.Verdict, "part %s: %s", name, p.Evidence)
	}
}
