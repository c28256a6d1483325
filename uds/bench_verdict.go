package uds

import (
	"fmt"
	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// U8Facts are what the U8 measurement saw: UDS (A) against TCP to
// 127.0.0.1 (B) on the raw path, per shape, placement and size, with the
// UDS/TCP ratio of every interleaved pair.
type U8Facts = bench.Facts

// judgeU8 is claim U8's rule, "for ~100-byte messages UDS is more than 2x
// as fast as TCP over lo; the gap shrinks with size", in two parts decided
// on the same-CPU cells, each cell's ratio taken as an interval of its
// interleaved pairs' ratios (bench.Interval: min to max for 5 to 7 pairs,
// the sign test's 90%+ interval of the median from 8):
//
//   - 2x-at-100b: at the size nearest 100 B, every shape's interval wholly
//     above 2.0 confirms, every shape's wholly below refutes, one that
//     straddles 2.0 leaves the part undecided, and above in one shape but
//     below in another refines it;
//   - gap-shrinks: per shape, UDS's lead over TCP at ~100 B against its
//     lead at the largest size, in the same direction: the 100 B ratio
//     more than 10% above the large one's, with UDS ahead at 100 B and not
//     more than 10% behind at the large size, holds; about the same
//     (within 10% of each other), a lead that grows, or one that reverses
//     (UDS behind at 100 B and ahead at 64 KiB, or the other way) fails;
//     intervals that straddle one of those edges leave it undecided.
//     Holding in every shape confirms, failing in every shape refutes, a
//     mix refines.
//
// The claim combines its parts (claims.Combine). The rule is
// bench.JudgeU8, so that `make bench` prints the same verdict.
func judgeU8(f U8Facts) claims.Finding { return bench.JudgeU8(f) }

// The rule's own numbers: the notes' 100 B and 2x, the 1x and the 10%
// band of gap-shrinks, the 2% within which a decision is narrow and the
// 5% of the measured CPU that other work may take (bench.MaxOtherCPU).
// What it derives from the facts (the intervals' trims and coverages, the
// counts of cells) bench.Facts gives the evidence check itself (Derived).
var _ = claims.Register("U8", judgeU8, "100 B", "2.0x", "1x", "10%", "2%", fmt.Sprint(bench.MaxOtherCPU)+"%")
