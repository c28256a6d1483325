package loopback

import (
	"testing"

	"netnotes/internal/claims"
)

// seenL5 is what the L5 test saw on the project's machine (Linux 6.18).
var seenL5 = SockmapFacts{
	App: "127.0.0.1:40112 -> 127.0.0.1:35711", Sidecar: "127.0.0.1:46390 -> 127.0.0.1:41229",
	Payload: 1787, Writes: 8,
	TargetBytes: 8 * 1787, TargetInOrder: true, PeerBytes: 0, LoTxPackets: 0, LoXmit: 0,
	ControlPeerBytes: 8 * 1787, ControlPeerInOrder: true, ControlTargetBytes: 0, ControlLoTxPackets: 16, ControlLoXmit: 8,
	Ratios: []SockmapRatio{
		{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 1.6, Min: 1.4, Max: 1.8, Pairs: 5},
		{Versus: "tcp", Shape: "stream", Size: 100, Median: 2.1, Min: 1.9, Max: 2.3, Pairs: 5},
		{Versus: "uds", Shape: "roundtrip", Size: 100, Median: 1.0, Min: 0.9, Max: 1.1, Pairs: 5},
	},
}

func with(f SockmapFacts, change func(*SockmapFacts)) SockmapFacts {
	change(&f)
	return f
}

func TestJudgeSockmap(t *testing.T) {
	claims.TestJudge(t, "L5", judgeSockmap, []claims.Case[SockmapFacts]{
		{Name: "seen on 6.18: redirected off lo, faster than TCP", Facts: seenL5, Want: claims.Confirmed},
		{Name: "no redirect: the bytes go to the TCP peer over lo, and TCP is as fast", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetBytes, f.TargetInOrder, f.PeerBytes = 0, false, 8*1787
			f.LoTxPackets, f.LoXmit = 16, 8
			f.Ratios = []SockmapRatio{{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 0.95, Min: 0.9, Max: 0.98, Pairs: 5}}
		}), Want: claims.Refuted, Parts: map[string]string{"redirect": claims.Refuted, "lo": claims.Refuted, "speed": claims.Refuted}},
		{Name: "redirected, but the target's bytes are out of order", Facts: with(seenL5, func(f *SockmapFacts) {
			f.TargetInOrder = false
		}), Want: claims.Refined, Parts: map[string]string{"redirect": claims.Refined, "lo": claims.Confirmed}},
		{Name: "the control did not cross lo either: lo's stillness tells nothing", Facts: with(seenL5, func(f *SockmapFacts) {
			f.ControlLoXmit, f.ControlLoTxPackets = 0, 0
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Undecided}},
		{Name: "some other packet on lo, none of the writes' length", Facts: with(seenL5, func(f *SockmapFacts) {
			f.LoTxPackets = 1
		}), Want: claims.Refined, Parts: map[string]string{"lo": claims.Refined}},
		{Name: "slower than TCP for large messages", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = append(f.Ratios, SockmapRatio{Versus: "tcp", Shape: "stream", Size: 65536, Median: 0.7, Min: 0.6, Max: 0.8, Pairs: 5})
		}), Want: claims.Refined, Parts: map[string]string{"speed": claims.Refined}},
		{Name: "spread straddles 1 in every cell", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = []SockmapRatio{{Versus: "tcp", Shape: "roundtrip", Size: 100, Median: 1.02, Min: 0.9, Max: 1.1, Pairs: 5}}
		}), Want: claims.Refined, Parts: map[string]string{"speed": claims.Undecided}},
		{Name: "not measured (-short): the speed part does not vote", Facts: with(seenL5, func(f *SockmapFacts) {
			f.Ratios = nil
		}), Want: claims.Confirmed, Parts: map[string]string{"speed": claims.Skipped}},
	})
}
