//go:build linux && sudo

package veth

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// The notes: "create a veth with `ip link add veth4 type veth peer name
// veth5`; `ip a` shows that veth devices appear in pairs" (veth5@veth4,
// veth4@veth5).
func TestV1VethDevicesComeInPairs(t *testing.T) {
	v := claims.Check(t, "V1")
	facts := observePairs(t, sandbox.New(t), sandbox.New(t))
	claims.Judge(v, facts, judgePair)
}

// observePairs makes a pair in here, a pair from here to there, and a
// bystander pair; reads every end back; then deletes one end of each of
// the first two and sees what is left.
func observePairs(t *testing.T, here, there *sandbox.NS) PairFacts {
	t.Helper()
	var f PairFacts
	// One request, two devices.
	before := linkNames(t, here)
	a, b := here.AddVeth(t, here)
	f.LinksBefore, f.LinksAfter = len(before), len(linkNames(t, here))

	// Each end names the other as its link (IFLA_LINK, the "@veth4" of
	// `ip link`): the peer's ifindex. Across namespaces the index is in the
	// other namespace's numbering, and IFLA_LINK_NETNSID says which
	// namespace that is.
	// equiv: ip link add c type veth peer name d netns THERE; ip link show c
	c, d := here.AddVeth(t, there)
	thereID, err := here.Netlink().GetNetNsIdByFd(there.FD())
	require.NoError(t, err)
	hereID, err := there.Netlink().GetNetNsIdByFd(here.FD())
	require.NoError(t, err)
	f.Same = [2]End{endOf(here.Link(t, a.Attrs().Name), "here", -1), endOf(here.Link(t, b.Attrs().Name), "here", -1)}
	f.Cross = [2]End{endOf(here.Link(t, c.Attrs().Name), "here", thereID), endOf(there.Link(t, d.Attrs().Name), "there", hereID)}

	// Negative control: a third pair that nobody deletes.
	x, y := here.AddVeth(t, here)

	// Deleting either end removes both: the second-made end here...
	// equiv: ip link del veth5
	require.NoError(t, here.Netlink().LinkDel(b))
	f.DeletedSame, f.OtherGoneSame = b.Attrs().Name, goneWithin(here, a.Attrs().Name)
	// ...and, across namespaces, the end in the other namespace.
	require.NoError(t, here.Netlink().LinkDel(c))
	f.DeletedCross, f.OtherGoneCross = c.Attrs().Name, goneWithin(there, d.Attrs().Name)

	left := linkNames(t, here)
	f.BystanderKept = slices.Contains(left, x.Attrs().Name) && slices.Contains(left, y.Attrs().Name)
	f.LeftThere = linkNames(t, there)
	return f
}

// endOf reads a link into an End; peerNSID is the netns id its namespace
// gives the peer's (-1 when both are in one).
func endOf(l netlink.Link, where string, peerNSID int) End {
	a := l.Attrs()
	return End{
		Name: a.Name, Type: l.Type(), Index: a.Index, Peer: a.ParentIndex, NetnsID: a.NetNsID,
		Flags: ipFlags(a), Oper: a.OperState.String(),
		AdminUp: a.RawFlags&unix.IFF_UP != 0, Carrier: a.RawFlags&unix.IFF_LOWER_UP != 0,
		InNetns: where, PeerNSID: peerNSID,
	}
}

// goneWithin polls until no device called name is left in ns, and says
// whether that happened before the deadline.
func goneWithin(ns *sandbox.NS, name string) bool {
	return wait.Until(sandbox.LinkTimeout, func() error {
		_, err := ns.Netlink().LinkByName(name)
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("still there")
	}) == nil
}

// The notes: a new pair is `<BROADCAST,MULTICAST,M-DOWN> ... state DOWN`;
// `ip addr add 192.168.5.1/24 dev veth4` works while it is down; after
// `ip link set veth4 up; ip link set veth5 up` both are
// `<BROADCAST,MULTICAST,UP,LOWER_UP> ... state UP`.
func TestV2ANewPairIsDownAndComesUpWithBothEnds(t *testing.T) {
	v := claims.Check(t, "V2")
	here, there := sandbox.New(t), sandbox.New(t)
	facts := StateFacts{Placements: []StatePlacement{
		observeStates(t, "same netns", here, here, true),
		observeStates(t, "peer in another netns", here, there, true),
	}}
	claims.Judge(v, facts, judgeStates)
}

// observeStates makes a pair from here to peer and reads its state at each
// step: fresh, addresses added, one end up, both ends up. With upPeer
// false (a drill) the peer end is left down at the last step.
func observeStates(t *testing.T, placement string, here, peer *sandbox.NS, upPeer bool) StatePlacement {
	t.Helper()
	a, b := here.AddVeth(t, peer)
	s := StatePlacement{Placement: placement, PeerSetUp: upPeer}
	s.Fresh = stepOf(here.Link(t, a.Attrs().Name))

	// Addresses go on before up.
	here.AddAddr(t, a, "198.18.2.1/24")
	peer.AddAddr(t, b, "198.18.2.2/24")
	addrs, err := here.Netlink().AddrList(a, netlink.FAMILY_V4)
	require.NoError(t, err)
	s.AddrsWhileDown = len(addrs)

	// One end up: UP but no carrier, whatever operstate the kernel settles
	// on. The kernel's link watcher computes operstate in the background,
	// so the test polls rather than reads once.
	here.SetUp(t, a)
	start := time.Now()
	s.OneUpSettled = wait.Until(sandbox.LinkTimeout, func() error {
		s.OneUp = stepOf(here.Link(t, a.Attrs().Name))
		if !s.OneUp.Up || s.OneUp.Carrier || (s.OneUp.Oper != "down" && s.OneUp.Oper != "lower-layer-down") {
			return fmt.Errorf("saw <%s> %s", s.OneUp.Flags, s.OneUp.Oper)
		}
		return nil
	}) == nil
	s.OneUpAfter = time.Since(start).Round(time.Microsecond).String()

	// Both up: carrier on both ends, polled for as long as a link may take,
	// or until the state is final: a veth end has carrier only while its
	// peer is up, so with the peer administratively down (a drill's) no
	// carrier can come, and waiting out the deadline would tell nothing more.
	if upPeer {
		peer.SetUp(t, b)
	}
	final := false
	s.BothUpSettled = wait.Until(sandbox.LinkTimeout, func() error {
		s.BothUp = [2]StateStep{stepOf(here.Link(t, a.Attrs().Name)), stepOf(peer.Link(t, b.Attrs().Name))}
		if s.BothUp[0].UpLower && s.BothUp[1].UpLower && s.BothUp[0].Oper == "up" && s.BothUp[1].Oper == "up" {
			return nil
		}
		if !s.BothUp[1].Up && !s.BothUp[0].Carrier {
			final = true // the peer is down: no carrier can come
			return nil
		}
		return errors.New("not both running")
	}) == nil && !final
	return s
}

func stepOf(l netlink.Link) StateStep {
	a := l.Attrs()
	up, carrier := a.RawFlags&unix.IFF_UP != 0, a.RawFlags&unix.IFF_LOWER_UP != 0
	return StateStep{Flags: ipFlags(a), Oper: a.OperState.String(), Up: up, Carrier: carrier, UpLower: up && carrier}
}
