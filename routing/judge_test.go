package routing

import (
	"testing"

	"netnotes/internal/claims"
)

// The judges' tables. Each starts from the facts a root run recorded on
// the project machine (Linux 6.18.44, x86_64: testdata/facts/linux-6.18),
// loaded when the test runs and replayed by TestJudge as a case of its
// own, then changes what a kernel that disagrees with the notes would
// show. Where a drill recorded a namespace set up so that the claim is
// false (testdata/drills), its recording is a row too.

func TestJudgeR1LoopbackTable(t *testing.T) {
	seen := claims.RecordedFacts[LoopbackTableFacts](t, "R1")
	local8, local1 := seen.Table[0], seen.Table[1]
	claims.TestJudge(t, "R1", judgeLoopbackTable, []claims.Case[LoopbackTableFacts]{
		{Name: "seen on 6.18: the notes' three entries", Facts: seen, Want: claims.Confirmed},
		{Name: "a pre-5.14 kernel's extra broadcast 127.0.0.0 does not contradict",
			Facts: claims.With(seen, func(f *LoopbackTableFacts) {
				f.Table = append([]Entry{{"broadcast", "127.0.0.0", "lo", "kernel", "link", "127.0.0.1"}}, f.Table...)
			}),
			Want: claims.Confirmed},
		{Name: "constructed: lo's routes as boot scripts would add them by hand (proto boot, no source), which the test's fresh namespace never runs (the R1 drill refutes on a real kernel)",
			Facts: claims.With(seen, func(f *LoopbackTableFacts) { f.Table = []Entry{{"local", "127.0.0.0/8", "lo", "boot", "host", "-"}} }),
			Want:  claims.Refuted},
		{Name: "no broadcast entry with lo up",
			Facts: claims.With(seen, func(f *LoopbackTableFacts) { f.Table = []Entry{local8, local1} }),
			Want:  claims.Refined},
		{Name: "the entries outlive the address",
			Facts: claims.With(seen, func(f *LoopbackTableFacts) { f.WithoutLoAddr = []Entry{local1} }),
			Want:  claims.Refined},
	})
}

// The refuting case is the R2 drill's (testdata/drills/R2.json): the
// interface in a VRF, whose table takes the address's entries. This
// machine has no vrf module; make matrix -scenarios vrf ran it on Debian's
// 6.12, and its facts line is that run's.
func TestJudgeR2AddressEntries(t *testing.T) {
	seen := claims.RecordedFacts[AddressEntriesFacts](t, "R2")
	local, brd := seen.AtUp[0], seen.AtUp[1]
	brdNet := Entry{"broadcast", "198.18.0.0", seen.Dev, "kernel", "link", "198.18.0.1"}
	entries := func(atAdd, atUp, afterDel []Entry) AddressEntriesFacts {
		return claims.With(seen, func(f *AddressEntriesFacts) { f.AtAdd, f.AtUp, f.AfterDel = atAdd, atUp, afterDel })
	}
	claims.TestJudge(t, "R2", judgeAddressEntries, []claims.Case[AddressEntriesFacts]{
		{Name: "seen on 6.18: local at add, broadcast at link up, both gone at del", Facts: seen,
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"local": claims.Confirmed, "broadcast": claims.Confirmed}},
		{Name: "a pre-5.14 kernel's network-address broadcast as well",
			Facts: entries([]Entry{local}, []Entry{brdNet, local, brd}, []Entry{}),
			Want:  claims.Confirmed},
		{Name: "the local entry, but no broadcast entry at link up",
			Facts: entries([]Entry{local}, []Entry{local}, []Entry{}),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"local": claims.Confirmed, "broadcast": claims.Refuted}},
		{Name: "both entries already with the link down",
			Facts: entries([]Entry{local, brd}, []Entry{local, brd}, []Entry{}),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"local": claims.Confirmed, "broadcast": claims.Refined}},
		{Name: "the local entry only at link up",
			Facts: entries([]Entry{}, []Entry{local, brd}, []Entry{}),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"local": claims.Refined, "broadcast": claims.Confirmed}},
		{Name: "the entries outlive the address",
			Facts: entries([]Entry{local}, []Entry{local, brd}, []Entry{local, brd}),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"local": claims.Refined, "broadcast": claims.Refined}},
		claims.RecordedDrill[AddressEntriesFacts](t, "R2"),
	})
}

func TestJudgeR3LocalEntry(t *testing.T) {
	seen := claims.RecordedFacts[LocalEntryFacts](t, "R3")
	local, viaLo, unicast := seen.Entries[0], seen.Lookup, seen.NeighbourLookup
	onLo := Entry{"local", "198.18.0.1", "lo", "kernel", "host", "198.18.0.1"}
	facts := func(entries []Entry, got, neighbour Lookup) LocalEntryFacts {
		return claims.With(seen, func(f *LocalEntryFacts) { f.Entries, f.Lookup, f.NeighbourLookup = entries, got, neighbour })
	}
	claims.TestJudge(t, "R3", judgeLocalEntry, []claims.Case[LocalEntryFacts]{
		{Name: "seen on 6.18: entry on the veth, lookup via lo", Facts: seen,
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"entry": claims.Confirmed, "lookup": claims.Confirmed}},
		{Name: "refutable only by a kernel that puts an address's local entry on lo and routes the address out of its interface (no Linux kernel does)",
			Facts: facts([]Entry{onLo}, unicast, unicast),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"entry": claims.Refuted, "lookup": claims.Refuted}},
		{Name: "entry on the veth, lookup out of it (local table behind main)",
			Facts: facts([]Entry{local}, unicast, unicast),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"entry": claims.Confirmed, "lookup": claims.Refuted}},
		{Name: "no entry at all",
			Facts: facts([]Entry{}, viaLo, unicast),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"entry": claims.Refuted, "lookup": claims.Confirmed}},
		{Name: "the control's neighbour also via lo",
			Facts: facts([]Entry{local}, viaLo, viaLo),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"entry": claims.Confirmed, "lookup": claims.Refined}},
	})
}

func TestJudgeR4LocalFirst(t *testing.T) {
	seen := claims.RecordedFacts[LocalFirstFacts](t, "R4")
	claims.TestJudge(t, "R4", judgeLocalFirst, []claims.Case[LocalFirstFacts]{
		{Name: "seen on 6.18: local wins, and loses once moved behind main", Facts: seen, Want: claims.Confirmed},
		{Name: "local wins only while merged", Facts: claims.With(seen, func(f *LocalFirstFacts) { f.Split = f.Reordered }),
			Want: claims.Refined},
		{Name: "local wins even from behind main", Facts: claims.With(seen, func(f *LocalFirstFacts) { f.Reordered = f.Merged }),
			Want: claims.Refined},
		claims.RecordedDrill[LocalFirstFacts](t, "R4"),
	})
}

// Part two: R5-R8's facts were recorded by go run ./internal/cmd/notes
// -run 'R[5-8]' -record-facts, as root.

func TestJudgeR5Forwarding(t *testing.T) {
	seenR5 := claims.RecordedFacts[ForwardingFacts](t, "R5")
	claims.TestJudge(t, "R5", judgeForwarding, []claims.Case[ForwardingFacts]{
		{Name: "seen on 6.18: dropped with 0 (InAddrErrors), forwarded with 1", Facts: seenR5, Want: claims.Confirmed},
		{Name: "a host whose bridge forwards on its own (conf.BRIDGE.forwarding=1) with ip_forward=0",
			Facts: claims.With(seenR5, func(f *ForwardingFacts) {
				f.Off = f.On
				f.Off.IPForward = "0"
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"off-drops": claims.Refuted, "on-forwards": claims.Confirmed}},
		{Name: "a host whose FORWARD chain drops everything (policy drop): nothing leaves with ip_forward=1 either",
			Facts: claims.With(seenR5, func(f *ForwardingFacts) {
				f.On.Received, f.On.OutsideRx, f.On.SeenFrom = 0, 0, ""
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"off-drops": claims.Confirmed, "on-forwards": claims.Refuted}},
		{Name: "both ways wrong: forwarded with 0, dropped with 1",
			Facts: claims.With(seenR5, func(f *ForwardingFacts) {
				f.Off, f.On = f.On, f.Off
				f.Off.IPForward, f.On.IPForward = "0", "1"
			}),
			Want: claims.Refuted},
		{Name: "only some forwarded with 1",
			Facts: claims.With(seenR5, func(f *ForwardingFacts) { f.On.Received = 2 }),
			Want:  claims.Refined, Parts: map[string]claims.Verdict{"on-forwards": claims.Refined}},
	})
}

func TestJudgeR6Masquerade(t *testing.T) {
	seenR6 := claims.RecordedFacts[MasqueradeFacts](t, "R6")
	claims.TestJudge(t, "R6", judgeMasquerade, []claims.Case[MasqueradeFacts]{
		{Name: "seen on 6.18: rewritten, mapped, answered", Facts: seenR6, Want: claims.Confirmed},
		{Name: "a host that tracks nothing (notrack): the container's own address goes out and no answer comes back",
			Facts: claims.With(seenR6, func(f *MasqueradeFacts) {
				f.SeenFrom, f.Flows, f.ReplyFrom, f.ReplySent = "198.18.13.2:51908", nil, "", "network is unreachable"
			}),
			Want: claims.Refuted},
		{Name: "an SNAT to another address than the outgoing one",
			Facts: claims.With(seenR6, func(f *MasqueradeFacts) {
				f.SeenFrom = "198.18.14.9:51908"
				f.Flows[0].ReplyDst = "198.18.14.9"
				f.ReplyFrom = ""
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"rewrite": claims.Refined, "conntrack": claims.Refuted, "reply": claims.Refuted}},
		{Name: "tracked but not translated (no NAT rule matched)",
			Facts: claims.With(seenR6, func(f *MasqueradeFacts) {
				f.SeenFrom = "198.18.13.2:51908"
				f.Flows[0].ReplyDst = "198.18.13.2"
				f.ReplyFrom = ""
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"conntrack": claims.Refuted}},
	})
}

func TestJudgeR7Publish(t *testing.T) {
	seenR7Kernel := claims.RecordedFacts[PublishFacts](t, "R7.TestR7APublishedPortIsDNATedInPreroutingFromOutsideOnly")
	seenR7Docker := claims.RecordedFacts[PublishFacts](t, "R7.TestR7DockerPublishesAPortWithDNATAndDockerProxy")
	seenR7Podman := claims.RecordedFacts[PublishFacts](t, "R7.TestR7PodmanPublishesAPortWithDNAT")
	claims.TestJudge(t, "R7", judgePublish, []claims.Case[PublishFacts]{
		{Name: "seen on 6.18, the test's own rules", Facts: seenR7Kernel, Want: claims.Confirmed},
		{Name: "seen on 6.18, docker 20.10 (OUTPUT's DNAT, docker-proxy for 127.0.0.1)", Facts: seenR7Docker, Want: claims.Confirmed},
		{Name: "seen on 6.18, podman 4.3 with netavark (OUTPUT's DNAT for both)", Facts: seenR7Podman, Want: claims.Confirmed},
		{Name: "a userland proxy alone, no DNAT rule (docker --iptables=false, rootless podman's rootlessport)",
			Facts: claims.With(seenR7Docker, func(f *PublishFacts) {
				f.Rules = nil
				f.Conns[0].Landed, f.Conns[0].Prerouting = "198.18.11.1:60070", 0
				f.Conns[1].Landed, f.Conns[1].Output = "198.18.11.1:60068", 0
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"docker-dnat-rule": claims.Refuted, "docker-from-outside": claims.Refuted, "docker-from-host": claims.Confirmed}},
		{Name: "a port published for others only: the host's own connections find nothing",
			Facts: claims.With(seenR7Docker, func(f *PublishFacts) {
				for i := range f.Conns[1:] {
					c := &f.Conns[i+1]
					c.Client, c.Landed, c.Output, c.Err = "", "", 0, "connection refused"
				}
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"docker-from-host": claims.Refuted}},
		{Name: "a kernel whose PREROUTING saw the host's own connection",
			Facts: claims.With(seenR7Kernel, func(f *PublishFacts) {
				f.Conns[1].Client, f.Conns[1].Landed, f.Conns[1].Prerouting, f.Conns[1].Err = "198.18.14.1:41294", "198.18.14.1:41294", 1, ""
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"kernel-from-host": claims.Refuted}},
		{Name: "a port published by nothing (no NAT rule, no proxy): nothing reaches the container",
			Facts: claims.With(seenR7Kernel, func(f *PublishFacts) {
				f.Rules = nil
				for i := range f.Conns {
					c := &f.Conns[i]
					c.Client, c.Landed, c.Prerouting, c.Output, c.Err = "", "", 0, 0, "connection refused"
				}
			}),
			Want: claims.Refuted},
		{Name: "nothing reaches the container from outside",
			Facts: claims.With(seenR7Kernel, func(f *PublishFacts) {
				f.Conns[0].Landed, f.Conns[0].Err = "", "connected, but nothing reached the container's listener within 3s"
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"kernel-from-outside": claims.Refuted}},
	})
}

func TestJudgeR8ByHand(t *testing.T) {
	seenR8 := claims.RecordedFacts[ByHandFacts](t, "R8")
	claims.TestJudge(t, "R8", judgeByHand, []claims.Case[ByHandFacts]{
		{Name: "seen on 6.18: the same trips and state; docker also publishes to the host itself", Facts: seenR8, Want: claims.Refined,
			Parts: map[string]claims.Verdict{"by-hand": claims.Confirmed, "like-docker": claims.Refined}},
		{Name: "steps that also publish to the host itself (an OUTPUT rule): like docker's in every way",
			Facts: claims.With(seenR8, func(f *ByHandFacts) { f.ByHand.FromHost = f.Docker.FromHost }),
			Want:  claims.Confirmed},
		{Name: "where docker is not installed: the hand-built network alone",
			Facts: claims.With(seenR8, func(f *ByHandFacts) { f.Docker, f.NoDocker = nil, "no dockerd on PATH" }),
			Want:  claims.Confirmed},
		{Name: "the steps without MASQUERADE and DNAT",
			Facts: claims.With(seenR8, func(f *ByHandFacts) {
				f.ByHand.Out = Trip{Dialed: "OUTSIDE:7007", Seen: "CTR", Err: "network is unreachable"}
				f.ByHand.In = Trip{Dialed: "HOSTOUT:8080", Err: "connection refused"}
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"by-hand": claims.Refuted, "like-docker": claims.Refuted}},
		{Name: "a docker whose network has another shape (its container on the host's network)",
			Facts: claims.With(seenR8, func(f *ByHandFacts) {
				f.ByHand.FromHost = f.Docker.FromHost
				f.Docker.CtrLinks = f.Docker.HostLinks
			}),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"like-docker": claims.Refined}},
	})
}
