package records

import (
	"regexp"
	"slices"
	"strings"
)

// A Verdict is what a judge finds of a claim, or of one part of it, as the
// verdict lines, the recorded facts, seen.txt, matrix.txt and the report
// carry it. Where a claim's tests disagreed, a record joins their words
// with "/" ("confirmed/refuted"): Words splits them, Join makes them.
type Verdict string

// The verdict words, listed here and nowhere else. A judge finds one of
// the first five (Verdicts); a claim's own word follows from its parts' by
// one rule (Combined). The others are the records' and the report's words
// for what is not a judge's finding, and the words Summary adds.
const (
	Confirmed Verdict = "confirmed" // the kernel behaves as the notes say (every part observed did)
	Refined   Verdict = "refined"   // true, with a sharper or corrected picture (no part contradicted)
	Refuted   Verdict = "refuted"   // the kernel does not behave as the notes say (in at least one part)
	Undecided Verdict = "undecided" // a measurement whose spread straddles the threshold: this run cannot say
	Skipped   Verdict = "skipped"   // could not be checked here

	NotSeen  Verdict = "—"         // seen.txt's and matrix.txt's word for a claim or kernel not recorded yet
	NoResult Verdict = "no result" // the report's word for a claim no test gave a verdict on

	PartlyRefuted Verdict = "partly refuted" // Summary's word for a claim with a refuted part and another that held
	NotObserved   Verdict = "not observed"   // Summary's heading of the parts that could not be observed
)

// found are the words a judge may find, in the order a report counts them.
var found = []Verdict{Confirmed, Refined, Refuted, Undecided, Skipped}

// Verdicts lists the words a judge may find, in the order a report counts
// them.
func Verdicts() []Verdict { return slices.Clone(found) }

// Valid reports whether v is one word a judge may find.
func (v Verdict) Valid() bool { return slices.Contains(found, v) }

// Words splits a recorded verdict into its words ("confirmed/refuted").
func (v Verdict) Words() []Verdict {
	var out []Verdict
	for _, w := range strings.Split(string(v), "/") {
		out = append(out, Verdict(w))
	}
	return out
}

// Has reports whether w is one of v's words.
func (v Verdict) Has(w Verdict) bool { return slices.Contains(v.Words(), w) }

// Join adds w to the recorded verdict v, as a record of several tests of one
// claim does: v itself where it has w already, w where v is empty.
func (v Verdict) Join(w Verdict) Verdict {
	switch {
	case v == "":
		return w
	case v.Has(w):
		return v
	}
	return v + "/" + w
}

// Decided reports whether a recorded verdict is decided: confirmed, refined
// or refuted, on every test that reported it ("confirmed/refuted" where
// two tests of a claim disagree). Undecided, skipped and NotSeen are not: a
// difference from a verdict that is not decided is no finding.
func (v Verdict) Decided() bool {
	for _, w := range v.Words() {
		if w != Confirmed && w != Refined && w != Refuted {
			return false
		}
	}
	return true
}

// verdictWords is the pattern of a judge's word in a verdict line.
func verdictWords() string {
	var words []string
	for _, v := range found {
		words = append(words, regexp.QuoteMeta(string(v)))
	}
	return "(" + strings.Join(words, "|") + ")"
}

var partNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// IsPartName reports whether name can name a part of a claim: short,
// lower-case, digits and dashes ("handshake", "2x-at-100b").
func IsPartName(name string) bool { return partNameRE.MatchString(name) }

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
func Combined(verdicts ...Verdict) Verdict {
	for _, v := range []Verdict{Refuted, Undecided, Refined, Confirmed} {
		if slices.Contains(verdicts, v) {
			return v
		}
	}
	return Skipped
}

// PartVerdict is one part's verdict, for Summary.
type PartVerdict struct {
	Name    string
	Verdict Verdict
}

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
func Summary(verdict Verdict, parts []PartVerdict) string {
	if len(parts) == 0 {
		return string(verdict)
	}
	var all []Verdict
	by := map[Verdict][]string{}
	for _, p := range parts {
		for _, v := range p.Verdict.Words() {
			if v == NotSeen {
				v = Skipped
			}
			if !slices.Contains(by[v], p.Name) {
				by[v] = append(by[v], p.Name)
			}
			all = append(all, v)
		}
	}
	all = append(all, verdict.Words()...)
	word := Combined(all...)
	list := func(head, v Verdict) string { return string(head) + ": " + strings.Join(by[v], ", ") }
	var out []string
	switch word {
	case Skipped:
		return string(Skipped)
	case Confirmed:
		out = append(out, string(Confirmed))
	case Refuted:
		held := len(by[Confirmed]) + len(by[Refined]) + len(by[Undecided])
		if held == 0 && !slices.ContainsFunc(verdict.Words(), func(v Verdict) bool { return v != Refuted && v != Skipped }) {
			out = append(out, string(Refuted))
		} else {
			out = append(out, list(PartlyRefuted, Refuted))
		}
		fallthrough
	case Undecided:
		if len(by[Undecided]) > 0 {
			out = append(out, list(Undecided, Undecided))
		}
		fallthrough
	case Refined:
		if len(by[Refined]) > 0 {
			out = append(out, list(Refined, Refined))
		}
	}
	if len(by[Skipped]) > 0 {
		out = append(out, list(NotObserved, Skipped))
	}
	return strings.Join(out, "; ")
}

// Head is Summary's first word, for a column beside the parts' own rows
// (the text report, the matrix): PartlyRefuted, Refined, ...
func Head(verdict Verdict, parts []PartVerdict) Verdict {
	s := Summary(verdict, parts)
	if i := strings.IndexAny(s, ":;"); i >= 0 {
		return Verdict(s[:i])
	}
	return Verdict(s)
}

// PartsOf returns the parts of claim id in a map of "ID/part" keys to
// verdicts (seen.txt's, matrix.txt's), by name.
func PartsOf(id string, keyed map[string]Verdict) []PartVerdict {
	var out []PartVerdict
	for key, v := range keyed {
		if claim, part, ok := strings.Cut(key, "/"); ok && claim == id {
			out = append(out, PartVerdict{part, v})
		}
	}
	slices.SortFunc(out, func(a, b PartVerdict) int { return strings.Compare(a.Name, b.Name) })
	return out
}
