package records

import (
	"regexp"
	"slices"
	"strings"
)

// The verdict words, as the verdict lines, seen.txt and matrix.txt carry
// them (chapters use them as records.Confirmed, ...). A claim's own word
// follows from its parts' by one rule (Combined); a part's is its judge's.
const (
	Confirmed = "confirmed" // the kernel behaves as the notes say (every part observed did)
	Refined   = "refined"   // true, with a sharper or corrected picture (no part contradicted)
	Refuted   = "refuted"   // the kernel does not behave as the notes say (in at least one part)
	Skipped   = "skipped"   // could not be checked here
	Undecided = "undecided" // a measurement whose spread straddles the threshold: this run cannot say
)

var partNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// IsPartName reports whether name can name a part of a claim: short,
// lower-case, digits and dashes ("handshake", "2x-at-100b").
func IsPartName(name string) bool { return partNameRE.MatchString(name) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Combined is a claim's verdict from its parts' verdicts, by the one rule
// (claims.Combine gives a judge's finding by it, and Summary words it):
//
//   - parts that could not be observed (skipped) do not vote;
//   - no part observed: skipped;
//   - a part refuted: refuted, since the claim's sentence does not hold as
//     written (Summary says "partly refuted" when another part held);
//   - else a part undecided: undecided, since this run cannot say whether
//     the sentence holds;
//   - else a part refined: refined (true, with a sharper picture);
//   - else confirmed.
func Combined(verdicts ...string) string {
	has := map[string]bool{}
	for _, v := range verdicts {
		has[v] = true
	}
	for _, v := range []string{Refuted, Undecided, Refined, Confirmed} {
		if has[v] {
			return v
		}
	}
	return Skipped
}

// Decided reports whether a seen verdict is decided: confirmed, refined or
// refuted, on every test that reported it ("confirmed/refuted" where two
// tests of a claim disagree). Undecided, skipped and NotSeen are not: a
// difference from a verdict that is not decided is no finding.
func Decided(v string) bool {
	for _, w := range strings.Split(v, "/") {
		if !slices.Contains([]string{Confirmed, Refined, Refuted}, w) {
			return false
		}
	}
	return true
}

// PartVerdict is one part's verdict, for Summary.
type PartVerdict struct{ Name, Verdict string }

// Summary words a claim's verdict so that a reader sees at a glance which
// part of its sentence held and which did not: the README's cells and the
// Markdown report's verdict column. verdict is the claim's own (several
// joined by "/" where its tests disagree), parts its parts' (a part's
// verdict may be several too). Without parts it is verdict itself. With
// parts, the claim's word comes first (Combined, over the parts and the
// claim's own verdicts), then the parts that make it so:
//
//	confirmed
//	confirmed; not observed: more-efficient
//	refined: limit
//	undecided: no-difference
//	partly refuted: queues
//	partly refuted: 2x-at-100b; refined: gap-shrinks
//	refuted
//
// "partly refuted" is a claim with a refuted part and another that held;
// "refuted" alone, every observed part refuted.
func Summary(verdict string, parts []PartVerdict) string {
	if len(parts) == 0 {
		return verdict
	}
	var all []string
	by := map[string][]string{}
	for _, p := range parts {
		for _, v := range strings.Split(p.Verdict, "/") {
			if v == NotSeen {
				v = Skipped
			}
			if !slices.Contains(by[v], p.Name) {
				by[v] = append(by[v], p.Name)
			}
			all = append(all, v)
		}
	}
	all = append(all, strings.Split(verdict, "/")...)
	word := Combined(all...)
	list := func(v string) string { return strings.Join(by[v], ", ") }
	var out []string
	switch word {
	case Skipped:
		return Skipped
	case Confirmed:
		out = append(out, Confirmed)
	case Refuted:
		held := len(by[Confirmed]) + len(by[Refined]) + len(by[Undecided])
		if held == 0 && !slices.ContainsFunc(strings.Split(verdict, "/"), func(v string) bool { return v != Refuted && v != Skipped }) {
			out = append(out, Refuted)
		} else {
			out = append(out, "partly refuted: "+list(Refuted))
		}
		fallthrough
	case Undecided:
		if len(by[Undecided]) > 0 {
			out = append(out, "undecided: "+list(Undecided))
		}
		fallthrough
	case Refined:
		if len(by[Refined]) > 0 {
			out = append(out, "refined: "+list(Refined))
		}
	}
	if len(by[Skipped]) > 0 {
		out = append(out, "not observed: "+list(Skipped))
	}
	return strings.Join(out, "; ")
}

// Head is Summary's first word, for a column beside the parts' own rows
// (the text report, the matrix): "partly refuted", "refined", ...
func Head(verdict string, parts []PartVerdict) string {
	s := Summary(verdict, parts)
	if i := strings.IndexAny(s, ":;"); i >= 0 {
		return s[:i]
	}
	return s
}

// PartsOf returns the parts of claim id in a map of "ID/part" keys to
// verdicts (seen.txt's, matrix.txt's), by name.
func PartsOf(id string, keyed map[string]string) []PartVerdict {
	var out []PartVerdict
	for key, v := range keyed {
		if claim, part, ok := strings.Cut(key, "/"); ok && claim == id {
			out = append(out, PartVerdict{part, v})
		}
	}
	slices.SortFunc(out, func(a, b PartVerdict) int { return strings.Compare(a.Name, b.Name) })
	return out
}
