package loopback

import (
	"fmt"
	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// L4Facts are what the L4 measurement saw: TCP to 127.0.0.1 (A) against
// TCP to another address of the same namespace (B), per shape and size,
// with the ratio of every interleaved pair and, from getpeername, the
// address each side's connections really reached.
type L4Facts = bench.Facts

// judgeL4 is claim L4's rule, "127.0.0.1 is no faster than the host's own
// address", as one part, no-difference, decided on the same-CPU cells:
// each cell's ratio is an interval of its interleaved pairs' ratios
// (bench.Interval: min to max for 5 to 7 pairs, the sign test's 90%+
// interval of the median from 8), and
// "no difference" is the band 1/1.1-1.1 (10% either way). Every cell's
// interval within the band confirms; a cell's interval wholly outside it
// refutes (127.0.0.1 faster, or slower, there); an interval that
// straddles the band's edge leaves the part undecided and the claim
// refined. The rule is bench.JudgeL4, so that `make bench` prints the
// same verdict.
func judgeL4(f L4Facts) claims.Finding { return bench.JudgeL4(f) }

// The rule's own numbers: the band, the same-mode band, the 2% within
// which a decision is narrow and the 5% of the measured CPU that other
// work may take (bench.MaxOtherCPU). What it derives from the facts (the
// intervals' trims and coverages, the counts of cells) bench.Facts gives
// the evidence check itself (Derived).
var _ = claims.Register("L4", judgeL4, "0.909x", "1.10x", "25%", "2%", fmt.Sprint(bench.MaxOtherCPU)+"%")
