package veth

import (
	"strings"
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/firewall"
)

// The judges' tables. Each starts from the facts a root run recorded on
// the project machine (Linux 6.18.44, x86_64: testdata/facts/linux-6.18),
// loaded when the test runs and replayed by TestJudge as a case of its
// own, then changes what a kernel that disagrees with the notes would
// show. Where a drill recorded a namespace set up so that the claim is
// false (testdata/drills), its recording is a row too. V8 recorded a row
// per test (V8.TEST.json): the bridge test's and each runtime's.

func TestJudgeV1Pair(t *testing.T) {
	seenV1 := claims.RecordedFacts[PairFacts](t, "V1")
	claims.TestJudge(t, "V1", judgePair, []claims.Case[PairFacts]{
		{Name: "refutable only by a kernel whose veth add makes one device (no Linux kernel does)", Facts: claims.With(seenV1, func(f *PairFacts) {
			f.LinksAfter = f.LinksBefore + 1
			f.Same[0].Peer, f.Cross[0].Peer = 0, 0
			f.OtherGoneSame, f.OtherGoneCross = false, false
		}), Want: claims.Refuted},
		{Name: "the cross pair's link-netnsid names another namespace", Facts: claims.With(seenV1, func(f *PairFacts) { f.Cross[0].NetnsID = 7 }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"each-names-other": claims.Refined}},
		{Name: "deleting across namespaces leaves the far end", Facts: claims.With(seenV1, func(f *PairFacts) { f.OtherGoneCross = false }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"delete-removes-both": claims.Refined}},
		{Name: "the cross pair's ends not seen: nothing to confirm on", Facts: claims.With(seenV1, func(f *PairFacts) { f.Cross = [2]End{} }),
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"each-names-other": claims.Skipped}},
	})
}

func TestJudgeV2States(t *testing.T) {
	seenV2 := claims.RecordedFacts[StateFacts](t, "V2")
	claims.TestJudge(t, "V2", judgeStates, []claims.Case[StateFacts]{
		{Name: "refutable only by a kernel whose new veth is born up and refuses addresses while down (no Linux kernel does; the V2 drill refutes one part)", Facts: claims.With(seenV2, func(f *StateFacts) {
			f.Placements = append([]StatePlacement(nil), f.Placements...)
			for i := range f.Placements {
				p := &f.Placements[i]
				p.Fresh = StateStep{Flags: "BROADCAST,MULTICAST,UP", Oper: "unknown", Up: true}
				p.AddrsWhileDown = 0
				p.BothUpSettled = false
				p.BothUp = [2]StateStep{p.OneUp, p.OneUp}
			}
		}), Want: claims.Refuted},
		claims.RecordedDrill[StateFacts](t, "V2"),
	})
}

func TestJudgeV3LinkLocal(t *testing.T) {
	seenV3 := claims.RecordedFacts[LinkLocalFacts](t, "V3")
	stablePrivacy := claims.With(seenV3, func(f *LinkLocalFacts) {
		f.AddrGenMode = "2"
		f.Ends = []LinkLocalEnd{
			{Name: "a", MAC: "d2:f3:46:a5:25:ca", LinkLocal: "fe80::5c1e:93a0:2b41:7d02"},
			{Name: "b", MAC: NotesMAC, LinkLocal: "fe80::1d3c:4e5f:6a7b:8c9d"},
		}
	})
	disabled := claims.With(seenV3, func(f *LinkLocalFacts) {
		f.DisableIPv6 = "1"
		f.Ends = []LinkLocalEnd{{Name: "a", MAC: "d2:f3:46:a5:25:ca"}, {Name: "b", MAC: NotesMAC}}
		f.DADTentative, f.DADBindErr, f.DADUsableAfterMs = false, "no address came", 0
	})
	// The last row is the V3 drill's (testdata/drills/V3.json): the
	// test's namespace with addr_gen_mode=1, no link-local address at all,
	// as a reader's new namespaces have it only where
	// net.core.devconf_inherit_init_net=1 hands them the host's setting.
	claims.TestJudge(t, "V3", judgeLinkLocal, []claims.Case[LinkLocalFacts]{
		{Name: "stable-privacy addresses: fe80::, but not the MAC's", Facts: stablePrivacy, Want: claims.Refuted,
			Parts: map[string]claims.Verdict{"each-end": claims.Refined, "notes-pair": claims.Refuted}},
		{Name: "EUI-64 that differs from the notes only in the u/l bit", Facts: claims.With(seenV3, func(f *LinkLocalFacts) {
			f.Ends = []LinkLocalEnd{f.Ends[0], {Name: "b", MAC: NotesMAC, LinkLocal: "fe80::9a2e:edff:fe06:c56"}}
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"notes-pair": claims.Refuted}},
		{Name: "no end carried the notes' MAC", Facts: claims.With(seenV3, func(f *LinkLocalFacts) { f.Ends = []LinkLocalEnd{f.Ends[0], f.Ends[0]} }),
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"notes-pair": claims.Skipped}},
		{Name: "a kernel booted with ipv6.disable=1: no IPv6 sysctls, no fe80:: address", Facts: noIPv6V3,
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"each-end": claims.Refuted, "notes-pair": claims.Refuted}},
		{Name: "constructed: disable_ipv6=1 in the namespace (a reader's new namespaces inherit it only where devconf_inherit_init_net=1, on a host with IPv6 off)", Facts: disabled,
			Want: claims.Refuted},
		claims.RecordedDrill[LinkLocalFacts](t, "V3"),
	})
	// Without IPv6 the evidence says so: the refutation is the host's, not
	// the claim's on a kernel that runs IPv6.
	for _, f := range []LinkLocalFacts{noIPv6V3, disabled} {
		if ev := judgeLinkLocal(f).Evidence; !strings.Contains(ev, "IPv6 is off") {
			t.Errorf("evidence does not say IPv6 is off: %s", ev)
		}
	}
}

// What observeWithoutIPv6 gives on a kernel booted with ipv6.disable=1.
var noIPv6V3 = LinkLocalFacts{NoIPv6: true, Ends: []LinkLocalEnd{{Name: "nn43v-4a", MAC: "ea:6e:39:d0:a0:92"}, {Name: "nn43v-4b", MAC: NotesMAC}}}

func TestJudgeV4CrossPing(t *testing.T) {
	seenV4 := claims.RecordedFacts[CrossPingFacts](t, "V4")
	claims.TestJudge(t, "V4", judgeCrossPing, []claims.Case[CrossPingFacts]{
		{Name: "answered, but the peer's counters short", Facts: claims.With(seenV4, func(f *CrossPingFacts) { f.PeerRx.Packets-- }), Want: claims.Refined},
		{Name: "only some answered", Facts: claims.With(seenV4, func(f *CrossPingFacts) { f.Replies = 2; f.PeerInEchos = 2 }), Want: claims.Refined},
		claims.RecordedDrill[CrossPingFacts](t, "V4"),
	})
}

func TestJudgeV5SameNetnsPing(t *testing.T) {
	seenV5 := claims.RecordedFacts[SameNetnsPingFacts](t, "V5")
	claims.TestJudge(t, "V5", judgeSameNetnsPing, []claims.Case[SameNetnsPingFacts]{
		{Name: "seen on 6.18: via lo, forced only with accept_local and loose rp_filter", Facts: seenV5, Want: claims.Refined,
			Parts: map[string]claims.Verdict{"answered": claims.Confirmed, "path": claims.Refined, "forced": claims.Refined}},
		{Name: "no ping sent: 0/0 is not answered", Facts: claims.With(seenV5, func(f *SameNetnsPingFacts) { f.Sent, f.Answered = 0, 0 }), Want: claims.Refined,
			Parts: map[string]claims.Verdict{"answered": claims.Skipped}},
		{Name: "a reader's BPF cgroup program that drops ICMP (cgroup/skb egress): nothing answered, nothing moved", Facts: claims.With(seenV5, func(f *SameNetnsPingFacts) {
			f.Answered, f.LoTx, f.LoEvents = 0, 0, 0
			f.Forced = append([]ForcedPing(nil), f.Forced...)
			for i := range f.Forced {
				f.Forced[i].Answered = false
			}
		}), Want: claims.Refuted},
		{Name: "as the notes took it: over the veth, and ping -I always answered", Facts: claims.With(seenV5, func(f *SameNetnsPingFacts) {
			f.LoTx, f.LoEvents, f.VethTx, f.VethEvents = 0, 0, 12, 12
			f.Forced = append([]ForcedPing(nil), f.Forced...)
			for i := range f.Forced {
				f.Forced[i].Answered = true
			}
		}), Want: claims.Confirmed},
		{Name: "rootless, seen on 6.18: no tracepoints, the counters alone say lo", Facts: claims.With(seenV5, func(f *SameNetnsPingFacts) {
			f.LoEvents, f.VethEvents = 0, 0
			f.TraceNotObserved = "needs real root (tracefs cannot be mounted in a user namespace): run `sudo make notes`"
		}), Want: claims.Refined,
			Parts: map[string]claims.Verdict{"answered": claims.Confirmed, "path": claims.Refined, "forced": claims.Refined, "tracepoints": claims.Skipped}},
		{Name: "the same BPF cgroup program, as an ordinary user (counters only): nothing answered, no counter moved", Facts: claims.With(seenV5, func(f *SameNetnsPingFacts) {
			f.Answered, f.LoTx, f.LoEvents, f.VethEvents = 0, 0, 0, 0
			f.TraceNotObserved = "needs real root"
			f.Forced = append([]ForcedPing(nil), f.Forced...)
			for i := range f.Forced {
				f.Forced[i].Answered = false
			}
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"path": claims.Refuted, "tracepoints": claims.Skipped}},
	})
}

func TestJudgeV6FirstPacket(t *testing.T) {
	seenV6 := claims.RecordedFacts[FirstPacketFacts](t, "V6")
	// The refuting case is the V6 drill's (testdata/drills/V6.json): a
	// permanent neighbour entry for the peer before one ping, no ARP.
	claims.TestJudge(t, "V6", judgeFirstPacket, []claims.Case[FirstPacketFacts]{
		{Name: "seen on 6.18 (tracepoints): the notes' stack is the ARP request's", Facts: seenV6, Want: claims.Refined,
			Parts: map[string]claims.Verdict{"arp-first": claims.Confirmed, "later-direct": claims.Confirmed, "whose-stack": claims.Refined}},
		{Name: "seen on Debian 6.1 (make matrix): the kprobe's first stack at veth_xmit is the ARP request's", Facts: claims.With(seenV6, func(f *FirstPacketFacts) {
			f.Mechanism, f.XmitHits = MechanismKprobe, 8
			f.XmitStack = []string{"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "arp_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"arp-first": claims.Confirmed, "whose-stack": claims.Refined}},
		{Name: "seen on Debian arm64 6.12 (make matrix): the kprobe's stack at veth_xmit's entry lacks its caller, the tracepoint's has it", Facts: claims.With(seenV6, func(f *FirstPacketFacts) {
			f.Mechanism, f.XmitHits = MechanismKprobe, 8
			f.XmitStack = []string{"veth_xmit", "__dev_queue_xmit", "arp_xmit", "arp_send_dst", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"arp-first": claims.Confirmed, "whose-stack": claims.Refined}},
		{Name: "the kprobe's stack lacks veth_xmit's caller and so does the stack inside veth_xmit", Facts: claims.With(seenV6, func(f *FirstPacketFacts) {
			f.Mechanism, f.XmitHits = MechanismKprobe, 8
			f.XmitStack = []string{"veth_xmit", "__dev_queue_xmit", "arp_xmit", "arp_send_dst", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}
			f.ARPIntoPeerStack = []string{"netif_rx_internal", "__netif_rx", "veth_xmit", "__dev_queue_xmit", "arp_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"arp-first": claims.Refined}},
		{Name: "a kprobe's stack at veth_xmit entered from somewhere else than dev_hard_start_xmit's caller", Facts: claims.With(seenV6, func(f *FirstPacketFacts) {
			f.Mechanism, f.XmitHits = MechanismKprobe, 8
			f.XmitStack = []string{"veth_xmit", "ip_finish_output2", "__dev_queue_xmit", "arp_solicit", "neigh_probe", "__neigh_event_send", "neigh_resolve_output", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"arp-first": claims.Refined}},
		{Name: "a kprobe's first stack at veth_xmit that is not the notes'", Facts: claims.With(seenV6, func(f *FirstPacketFacts) {
			f.Mechanism, f.XmitHits = MechanismKprobe, 8
			f.XmitStack = []string{"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"arp-first": claims.Refined}},
		claims.RecordedDrill[FirstPacketFacts](t, "V6"),
	})
}

func TestJudgeV7Handoff(t *testing.T) {
	seenV7 := claims.RecordedFacts[HandoffFacts](t, "V7")
	// The refuting case is the V7 drill's (testdata/drills/V7.json): an
	// XDP program on the peer, which takes its packets through veth's NAPI.
	claims.TestJudge(t, "V7", judgeHandoff, []claims.Case[HandoffFacts]{
		{Name: "constructed: some packets through veth's NAPI (the test's own veth has neither GRO nor XDP)", Facts: claims.With(seenV7, func(f *HandoffFacts) { f.ReceivedBacklog, f.ReceivedVethNAPI = 1, 2 }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"forward": claims.Confirmed, "backlog": claims.Refined}},
		// 5.10's own stack (recorded under testdata/facts/linux-5.10 too):
		// the hand-off is netif_rx, renamed __netif_rx in 5.18.
		{Name: "a kernel that calls it netif_rx (5.10)", Facts: claims.With(seenV7, func(f *HandoffFacts) {
			f.ForwardStack = []string{"netif_rx_internal", "netif_rx", "veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2"}
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"forward": claims.Refined, "backlog": claims.Confirmed}},
		{Name: "a stack that does not show veth_xmit's callee", Facts: claims.With(seenV7, func(f *HandoffFacts) { f.ForwardStack = []string{"veth_xmit", "dev_hard_start_xmit"} }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"forward": claims.Refined}},
		claims.RecordedDrill[HandoffFacts](t, "V7"),
	})
}

func TestJudgeV9Lo(t *testing.T) {
	seenV9 := claims.RecordedFacts[LoFacts](t, "V9")
	claims.TestJudge(t, "V9", judgeLo, []claims.Case[LoFacts]{
		{Name: "refutable only by a kernel whose lo is a driver's device on a bus (no Linux kernel has one)",
			Facts: claims.With(seenV9, func(f *LoFacts) { f.Lo.ParentDev = "0000:00:03.0" }), Want: claims.Refuted},
		{Name: "lo with a queue", Facts: claims.With(seenV9, func(f *LoFacts) { f.Lo.Qdisc = "pfifo_fast" }), Want: claims.Refined},
		{Name: "ipip and sit loaded: tunl0 and sit0 in every new namespace beside lo", Facts: claims.With(seenV9, func(f *LoFacts) {
			f.NewNetnsDevices = [][]string{{"lo", "tunl0", "sit0"}, {"lo", "tunl0", "sit0"}}
		}), Want: claims.Confirmed},
	})
}

// recordedRuntime is the runtime part of the V8 row that test recorded on
// the project machine (veth/testdata/facts/linux-6.18/V8.TEST.json).
func recordedRuntime(t testing.TB, test string) RuntimeFacts {
	t.Helper()
	return *claims.RecordedFacts[ContainerFacts](t, "V8."+test).Runtime
}

// onRuntime is claims.With for a runtime's facts, in the ContainerFacts that V8's
// judge takes.
func onRuntime(f RuntimeFacts, edit func(*RuntimeFacts)) ContainerFacts {
	f = claims.With(f, edit)
	return ContainerFacts{Runtime: &f}
}

func TestJudgeV8Container(t *testing.T) {
	seenV8 := claims.RecordedFacts[ContainerFacts](t, "V8.TestV8AContainersVethIsABridgePortWithItsPeerInTheContainer")

	// seenV8CNI is what the CNI bridge plugin (containernetworking-plugins
	// 1.1.1, Debian 12) did on the project machine, as root (the "facts V8:"
	// line of TestV8BCNIBridgePluginGivesEachContainerAVethOnCNI0).
	seenV8CNI := recordedRuntime(t, "TestV8BCNIBridgePluginGivesEachContainerAVethOnCNI0")

	// seenV8Podman is rootful podman 4.3.1 with netavark on the project
	// machine (TestV8CPodmanGivesEachContainerAVethOnPodman0): the seed's
	// podman0 and veth0@if2, master podman0.
	seenV8Podman := recordedRuntime(t, "TestV8CPodmanGivesEachContainerAVethOnPodman0")

	// seenV8Docker is dockerd 20.10 (Debian's docker.io) with its own
	// containerd on the project machine (TestV8EDockerGivesEachContainerAVethOnDocker0):
	// each container's eth0 is a veth whose peer, vethXXXXXXX, is a port of
	// docker0.
	seenV8Docker := recordedRuntime(t, "TestV8EDockerGivesEachContainerAVethOnDocker0")

	// rootlessTap is what rootless podman with slirp4netns gave each container
	// on the project machine (TestV8DRootlessPodmanWiresItsContainers): a tap
	// device (netlink kind tuntap, no peer), 10.0.2.100/24, and no device of
	// the runtime's namespace behind it; each container has a network of its
	// own, so a ping to the other's address is a ping to its own.
	rootlessTap := recordedRuntime(t, "TestV8DRootlessPodmanWiresItsContainers")
	unplugged := claims.With(seenV8CNI, func(f *RuntimeFacts) {
		f.Containers = append([]RuntimeContainer(nil), f.Containers...)
		for i := range f.Containers {
			p := *f.Containers[i].Peer
			p.Master, p.MasterKind, p.MasterAddrs = "", "", nil
			f.Containers[i].Peer = &p
		}
		f.Pings = []PingSeen{{From: "198.18.9.2", To: "198.18.9.3", Reply: "no echo reply from 198.18.9.3 for icmp_seq=1 within 2s"}}
	})
	claims.TestJudge(t, "V8", judgeContainer, []claims.Case[ContainerFacts]{
		{Name: "seen on 6.18", Facts: seenV8, Want: claims.Confirmed},
		{Name: "still reachable with a port out of the bridge", Facts: claims.With(seenV8, func(f *ContainerFacts) { f.ControlPing.Answered = true }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"bridge-carries": claims.Refined}},
		{Name: "no host end seen: no port to confirm on", Facts: claims.With(seenV8, func(f *ContainerFacts) { f.Ports = nil }), Want: claims.Confirmed,
			Parts: map[string]claims.Verdict{"peer-in-container": claims.Skipped, "bridge-port": claims.Skipped}},
		{Name: "no ping tried", Facts: claims.With(seenV8, func(f *ContainerFacts) { f.Pings = nil }), Want: claims.Confirmed,
			Parts: map[string]claims.Verdict{"bridge-carries": claims.Skipped}},
		{Name: "CNI bridge plugin seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8CNI}, Want: claims.Confirmed, Parts: map[string]claims.Verdict{PartCNIBridge: claims.Confirmed}},
		{Name: "rootful podman seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8Podman}, Want: claims.Confirmed, Parts: map[string]claims.Verdict{PartPodman: claims.Confirmed}},
		{Name: "docker seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8Docker}, Want: claims.Confirmed, Parts: map[string]claims.Verdict{PartDocker: claims.Confirmed}},
		{Name: "rootless podman seen on 6.18: a tap, no veth", Facts: ContainerFacts{Runtime: &rootlessTap}, Want: claims.Refuted, Parts: map[string]claims.Verdict{PartPodmanRootless: claims.Refuted}},
		{Name: "veths with no bridge behind them (a routed plugin, ptp)", Facts: ContainerFacts{Runtime: &unplugged}, Want: claims.Refined},
		{Name: "on a bridge, but the containers do not reach each other", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) {
			f.Pings = []PingSeen{{From: "198.18.9.2", To: "198.18.9.3", Reply: "no echo reply"}, f.Pings[1]}
		}), Want: claims.Refined},
		{Name: "the peers are in a namespace other than the runtime's", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) {
			f.Containers = append([]RuntimeContainer(nil), f.Containers...)
			for i := range f.Containers {
				f.Containers[i].RuntimeNSID, f.Containers[i].Peer = 3, nil
			}
		}), Want: claims.Refuted},
		{Name: "no container started", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) { f.Containers = nil }), Want: claims.Skipped},
		claims.RecordedDrill[ContainerFacts](t, "V8"),
	})
}

// V10-V12 go beyond the notes; their first rows too are what a root run
// on the project machine recorded.

func TestJudgeV10Fresh(t *testing.T) {
	seenV10 := claims.RecordedFacts[FreshFacts](t, "V10")
	all := map[string]claims.Verdict{"links": claims.Confirmed, "routes": claims.Confirmed, "rules": claims.Confirmed, "firewall": claims.Confirmed}
	with := func(part string, verdict claims.Verdict) map[string]claims.Verdict {
		m := map[string]claims.Verdict{}
		for k, v := range all {
			m[k] = v
		}
		m[part] = verdict
		return m
	}
	filter := func(forward string, rules int) []firewall.Legacy {
		return []firewall.Legacy{{Family: "ip", Listing: []string{"filter"}, Tables: []firewall.XTable{{Family: "ip", Name: "filter",
			Policies: []string{"INPUT ACCEPT", "FORWARD " + forward, "OUTPUT ACCEPT"}, Rules: rules}}}, {Family: "ip6", Listing: []string{}}}
	}
	claims.TestJudge(t, "V10", judgeFresh, []claims.Case[FreshFacts]{
		{Name: "seen on 6.18: only lo, down; no route, the default rules, no firewall", Facts: seenV10, Want: claims.Confirmed, Parts: all},
		{Name: "tunnel modules loaded (the matrix's calico-host on Debian's 6.12): their fallback devices beside lo, down", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Links = append(f.Links, LinkSeen{Name: "tunl0", Kind: "ipip", Flags: "NOARP", OperState: "down"},
				LinkSeen{Name: "sit0", Kind: "sit", Flags: "NOARP", OperState: "down"}, LinkSeen{Name: "gre0", Kind: "gre", Flags: "NOARP", OperState: "down"},
				LinkSeen{Name: "gretap0", Kind: "gretap", Flags: "BROADCAST,MULTICAST", OperState: "down"},
				LinkSeen{Name: "erspan0", Kind: "erspan", Flags: "BROADCAST,MULTICAST", OperState: "down"})
			f.NftAbsent = "nftables: opening nfnetlink: not in this kernel (nfnetlink: socket: protocol not supported)"
			f.Legacy = []firewall.Legacy{{Family: "ip", Absent: "no /proc/net/ip_tables_names (not in this kernel)"}, {Family: "ip6", Absent: "no /proc/net/ip6_tables_names (not in this kernel)"}}
		}), Want: claims.Refined, Parts: with("links", claims.Refined)},
		{Name: "a tunnel's fallback device up", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Links = append(f.Links, LinkSeen{Name: "tunl0", Kind: "ipip", Flags: "NOARP,UP", Up: true, OperState: "unknown"})
		}), Want: claims.Refuted, Parts: with("links", claims.Refuted)},
		{Name: "lo born up, with its addresses and routes", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Links[0] = LinkSeen{Name: "lo", Kind: "device", Flags: "LOOPBACK,UP,LOWER_UP", Up: true, OperState: "unknown", Addrs: []string{"127.0.0.1/8"}}
			f.Routes = f.ControlRoutes
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"links": claims.Refuted, "routes": claims.Refuted, "rules": claims.Confirmed}},
		{Name: "another device in the new namespace", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Links = append(f.Links, LinkSeen{Name: "eth0", Kind: "veth", Flags: "BROADCAST,MULTICAST", OperState: "down"})
		}), Want: claims.Refuted, Parts: with("links", claims.Refuted)},
		{Name: "a route, lo down", Facts: claims.With(seenV10, func(f *FreshFacts) { f.Routes = []string{"ipv4 table 254 blackhole 198.18.0.0/15"} }),
			Want: claims.Refuted, Parts: with("routes", claims.Refuted)},
		{Name: "the control shows no route either: the reading is blind", Facts: claims.With(seenV10, func(f *FreshFacts) { f.ControlRoutes = nil }),
			Want: claims.Refined, Parts: with("routes", claims.Refined)},
		{Name: "a rule beyond the defaults", Facts: claims.With(seenV10, func(f *FreshFacts) { f.Rules = append(f.Rules, "ipv4 pref 100 lookup 100") }),
			Want: claims.Refuted, Parts: with("rules", claims.Refuted)},
		{Name: "nftables already holds a table", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Nft = []string{"table ip filter", "chain ip filter forward { type filter hook forward priority 0; policy accept; }", "  counter packets 0 bytes 0 accept"}
		}), Want: claims.Refuted, Parts: with("firewall", claims.Refuted)},
		{Name: "legacy filter made in every namespace with FORWARD DROP (iptable_filter forward=0)", Facts: claims.With(seenV10, func(f *FreshFacts) { f.Legacy = filter("DROP", 0) }),
			Want: claims.Refuted, Parts: with("firewall", claims.Refuted)},
		{Name: "legacy filter made in every namespace, empty, ACCEPT (older kernels)", Facts: claims.With(seenV10, func(f *FreshFacts) { f.Legacy = filter("ACCEPT", 0) }),
			Want: claims.Confirmed, Parts: all},
		{Name: "a kernel with neither firewall (a VM without the modules)", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.NftAbsent = "nftables: opening nfnetlink: not in this kernel (nfnetlink: protocol not supported)"
			f.Legacy = []firewall.Legacy{{Family: "ip", Absent: "no /proc/net/ip_tables_names (not in this kernel)"}, {Family: "ip6", Absent: "no /proc/net/ip6_tables_names (not in this kernel)"}}
		}), Want: claims.Confirmed, Parts: all},
		{Name: "nftables refused the reading (no CAP_NET_ADMIN)", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.NftError = "nftables: listing tables: operation not permitted"
		}), Want: claims.Confirmed, Parts: with("firewall", claims.Skipped)},
		{Name: "a namespace somebody set up: lo up, a rule, a firewall", Facts: claims.With(seenV10, func(f *FreshFacts) {
			f.Links[0] = LinkSeen{Name: "lo", Kind: "device", Flags: "LOOPBACK,UP,LOWER_UP", Up: true, OperState: "unknown", Addrs: []string{"127.0.0.1/8"}}
			f.Routes = f.ControlRoutes
			f.Rules = append(f.Rules, "ipv4 pref 100 lookup 100")
			f.Legacy = filter("ACCEPT", 2)
		}), Want: claims.Refuted},
		claims.RecordedDrill[FreshFacts](t, "V10"),
	})
}

func TestJudgeV11Move(t *testing.T) {
	seenV11 := claims.RecordedFacts[MoveFacts](t, "V11")
	up := DeviceState{Index: 2, Name: "nn6fx-aa", Flags: "BROADCAST,MULTICAST,UP,LOWER_UP", Up: true, OperState: "up"}
	claims.TestJudge(t, "V11", judgeMove, []claims.Case[MoveFacts]{
		{Name: "seen on 6.18: no address, down, same ifindex and name", Facts: seenV11,
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"addresses": claims.Confirmed, "down": claims.Confirmed}},
		{Name: "the addresses came along", Facts: claims.With(seenV11, func(f *MoveFacts) { f.After.Addrs = f.Before.Addrs }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"addresses": claims.Refuted, "down": claims.Confirmed}},
		{Name: "still up on the other side", Facts: claims.With(seenV11, func(f *MoveFacts) { f.After = up }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"addresses": claims.Confirmed, "down": claims.Refuted}},
		{Name: "moved with its configuration, as if nothing happened", Facts: claims.With(seenV11, func(f *MoveFacts) {
			f.After = up
			f.After.Addrs = f.Before.Addrs
			f.RoutesAfter = f.RoutesBefore
		}), Want: claims.Refuted},
		{Name: "the control's address does not show: the reading is blind", Facts: claims.With(seenV11, func(f *MoveFacts) { f.ControlAddrs = nil }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"addresses": claims.Refined}},
		{Name: "nothing to lose: down and bare before the move", Facts: claims.With(seenV11, func(f *MoveFacts) { f.Before = f.After }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"addresses": claims.Refined, "down": claims.Refined}},
		claims.RecordedDrill[MoveFacts](t, "V11"),
	})
}

func TestJudgeV12Flood(t *testing.T) {
	seenV12 := claims.RecordedFacts[FloodFacts](t, "V12")
	claims.TestJudge(t, "V12", judgeFlood, []claims.Case[FloodFacts]{
		{Name: "seen on 6.18: flooded to c2 and c3, learnt, then to c2 only", Facts: seenV12, Want: claims.Confirmed},
		{Name: "ageing_time 0: the bridge learns nothing, a hub (seen on 6.18)", Facts: claims.SeenFacts[FloodFacts](t, `{"Bridge":"nn7cj-1br","AgeingTime":0,
			"Ports":["nn7cj-2a","nn7cj-3a","nn7cj-4a"],"Learning":[true,true,true],"MACs":["32:31:89:47:d1:6d","36:6e:aa:5e:f7:a1","2e:45:0d:9a:b1:71"],
			"First":{"From":"c1","To":"c2","DstMAC":"36:6e:aa:5e:f7:a1","Known":false,"SeenBy":["c2","c3"],"PortsTx":[0,1,1]},
			"Answer":{"From":"c2","To":"c1","DstMAC":"32:31:89:47:d1:6d","Known":false,"SeenBy":["c1","c3"],"PortsTx":[1,0,1]},"Fdb":null,
			"Second":{"From":"c1","To":"c2","DstMAC":"36:6e:aa:5e:f7:a1","Known":false,"SeenBy":["c2","c3"],"PortsTx":[0,1,1]}}`),
			Want: claims.Refuted},
		{Name: "the unknown destination not flooded to the third port", Facts: claims.With(seenV12, func(f *FloodFacts) {
			f.First.SeenBy, f.First.PortsTx = []string{"c2"}, []int64{0, 1, 0}
		}), Want: claims.Refuted},
		{Name: "the frame never reached its destination", Facts: claims.With(seenV12, func(f *FloodFacts) {
			f.Second.SeenBy, f.Second.PortsTx = nil, []int64{0, 0, 0}
		}), Want: claims.Refuted},
		{Name: "forwarded to one port, but the fdb shows no entry for c2", Facts: claims.With(seenV12, func(f *FloodFacts) { f.Fdb = f.Fdb[:1] }),
			Want: claims.Refined},
		{Name: "c2's MAC known before the first frame: flooding not shown", Facts: claims.With(seenV12, func(f *FloodFacts) { f.First.Known = true }),
			Want: claims.Refined},
		{Name: "two ports only: nothing to tell flooding from forwarding by", Facts: claims.With(seenV12, func(f *FloodFacts) {
			f.Ports, f.MACs = f.Ports[:2], f.MACs[:2]
		}), Want: claims.Skipped},
		claims.RecordedDrill[FloodFacts](t, "V12"),
	})
}
