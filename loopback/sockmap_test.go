package loopback

import (
	"testing"

	"netnotes/internal/claims"
)

// seenL5 is what the L5 test saw on the project's machine (Linux 6.18.44,
// 2 vCPUs shared with other work), ratios rounded.
var seenL5 = SockmapFacts{
	App: "127.0.0.1:36252 -> 127.0.0.1:36051", Sidecar: "127.0.0.1:47714 -> 127.0.0.1:45535",
	Payload: 1781, Writes: 8,
	TargetBytes: 14248, TargetInOrder: true, PeerBytes: 0, LoTxPackets: 0, LoXmit: 0,
	ControlPeerBytes: 14248, ControlPeerInOrder: true, ControlTargetBytes: 0, ControlLoTxPackets: 16, ControlLoXmit: 8,
	Ratios: []SockmapRatio{
		{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 1.75, Min: 1.58, Max: 1.84, Pairs: 5},
		{Versus: "tcp", Shape: "roundtrip", Size: 65536, Median: 2.36, Min: 2.12, Max: 2.51, Pairs: 5},
		{Versus: "tcp", Shape: "stream", Size: 100, Median: 0.51, Min: 0.50, Max: 0.61, Pairs: 5},
		{Versus: "tcp", Shape: "stream", Size: 65536, Median: 2.56, Min: 2.33, Max: 2.82, Pairs: 5},
		{Versus: "uds", Shape: "roundtrip", Size: 100, Median: 1.09, Min: 0.96, Max: 1.58, Pairs: 5},
		{Versus: "uds", Shape: "roundtrip", Size: 65536, Median: 1.77, Min: 1.64, Max: 1.94, Pairs: 5},
		{Versus: "uds", Shape: "stream", Size: 100, Median: 0.65, Min: 0.64, Max: 0.71, Pairs: 5},
		{Versus: "uds", Shape: "stream", Size: 65536, Median: 1.10, Min: 1.04, Max: 1.55, Pairs: 5},
	},
}

func with(f SockmapFacts, change func(*SockmapFacts)) SockmapFacts {
	change(&f)
	return f
}

func TestJudgeSockmap(t *testing.T) {
	claims.TestJudge(t, "L5", judgeSockmap, []claims.Case[SockmapFacts]{
		{Name: "seen on 6.18: off lo; faster than TCP but for a stream of 100 B messages", Facts: seenL5, Want: claims.Refined,
			Parts: map[string]string{"redirect": claims.Confirmed, "lo": claims.Confirmed, "speed": claims.Refined}},
		{Name: "off lo and faster than TCP in every cell", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = f.Ratios[:2]
		}), Want: claims.Confirmed},
		{Name: "no redirect: the bytes go to the TCP peer over lo, and TCP is as fast", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetBytes, f.TargetInOrder, f.PeerBytes = 0, false, 8*1787
			f.LoTxPackets, f.LoXmit = 16, 8
			f.Ratios = []SockmapRatio{{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 0.95, Min: 0.9, Max: 0.98, Pairs: 5}}
		}), Want: claims.Refuted, Parts: map[string]string{"redirect": claims.Refuted, "lo": claims.Refuted, "speed": claims.Refuted}},
		{Name: "redirected, but the target's bytes are out of order", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetInOrder, f.Ratios = false, f.Ratios[:2]
		}), Want: claims.Refined, Parts: map[string]string{"redirect": claims.Refined, "lo": claims.Confirmed}},
		{Name: "the control did not cross lo either: lo's stillness tells nothing", Facts: with(seenL5, func(f *SockmapFacts) {
			f.ControlLoXmit, f.ControlLoTxPackets = 0, 0
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Undecided}},
		{Name: "some other packet on lo, none of the writes' length", Facts: with(seenL5, func(f *SockmapFacts) {
			f.LoTxPackets = 1
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Refined}},

		{Name: "spread straddles 1 in every cell", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = []SockmapRatio{{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 1.02, Min: 0.9, Max: 1.1, Pairs: 5}}
		}), Want: claims.Refined, Parts: map[string]string{"speed": claims.Undecided}},
		{Name: "not measured: the speed part does not vote", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = nil
		}), Want: claims.Confirmed, Parts: map[string]string{"speed": claims.Skipped}},
	})
}
