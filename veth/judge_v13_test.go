package veth

import (
	"testing"

	"netnotes/internal/claims"
)

// V13's table (beyond the notes): its first row is what a root run on the
// project machine recorded (Linux 6.18.44, x86_64, br_netfilter built in).

func TestJudgeV13BridgeFilter(t *testing.T) {
	seenV13 := claims.RecordedFacts[BridgeFilterFacts](t, "V13")
	claims.TestJudge(t, "V13", judgeBridgeFilter, []claims.Case[BridgeFilterFacts]{
		{Name: "seen on 6.18: counted with the sysctl 1 only", Facts: seenV13, Want: claims.Confirmed},
		{Name: "a kernel without br_netfilter loaded: nothing counted, the other half not observed",
			Facts: claims.With(seenV13, func(f *BridgeFilterFacts) {
				f.BrNetfilter = false
				f.Runs = []FilterRun{{Setting: "no br_netfilter", Sent: 3, Received: 3}}
			}),
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"without": claims.Confirmed, "with": claims.Skipped}},
		{Name: "a bridge with its own nf_call_iptables set: counted with the sysctl 0 too",
			Facts: claims.With(seenV13, func(f *BridgeFilterFacts) {
				f.BridgeOption = true
				f.Runs[0].Counted = 3
			}),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"without": claims.Refuted, "with": claims.Confirmed}},
		{Name: "both halves wrong: counted with 0, not with 1",
			Facts: claims.With(seenV13, func(f *BridgeFilterFacts) {
				f.Runs[0].Counted, f.Runs[1].Counted = 3, 0
			}),
			Want: claims.Refuted},
		{Name: "VLAN-tagged frames with bridge-nf-filter-vlan-tagged=0: not counted with 1",
			Facts: claims.With(seenV13, func(f *BridgeFilterFacts) { f.Runs[1].Counted = 0 }),
			Want:  claims.Refuted, Parts: map[string]claims.Verdict{"with": claims.Refuted}},
		claims.RecordedDrill[BridgeFilterFacts](t, "V13"),
	})
}
