package claims

import (
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/records"
)

// Finding is what a judge makes of a claim's facts: the verdict and the
// evidence that carries it. A compound claim (one that says two things) has
// a Part per thing it says, and its own verdict follows from them by the one
// rule of Combine.
type Finding struct {
	Verdict  Verdict `json:"verdict"`
	Evidence string  `json:"evidence"`
	Parts    []Part  `json:"parts,omitempty"`
}

// Part is one thing a compound claim says, judged on its own. Name is short
// and lower-case ("handshake", "queues"); it appears in the verdict line as
// "claim U4/handshake: ...".
type Part struct {
	Name string `json:"name"`
	Finding
}

// Confirm finds that the kernel behaves as the notes say.
func Confirm(format string, args ...any) Finding { return found(Confirmed, format, args) }

// Refine finds the claim true, with a sharper or corrected picture.
func Refine(format string, args ...any) Finding { return found(Refined, format, args) }

// Refute finds that the kernel does not behave as the notes say.
func Refute(format string, args ...any) Finding { return found(Refuted, format, args) }

// Undecide finds a measured part undecided: the spread of the measurement
// straddles the threshold the claim sets.
func Undecide(format string, args ...any) Finding { return found(Undecided, format, args) }

// SkipPart finds a part that could not be observed here (a capability the
// run lacks, say); the reason names what is missing and what to run instead.
func SkipPart(format string, args ...any) Finding { return found(Skipped, format, args) }

func found(verdict Verdict, format string, args []any) Finding {
	return Finding{Verdict: verdict, Evidence: records.OneLine(fmt.Sprintf(format, args...))}
}

// P names a part's finding.
func P(name string, f Finding) Part { return Part{Name: name, Finding: f} }

// Combine gives a compound claim its verdict from its parts, by the one
// rule (records.Combined):
//
//   - parts that could not be observed (skipped) do not vote, and the
//     evidence says so;
//   - a part refuted: refuted, since the claim's sentence does not hold as
//     written (the report and the README say "partly refuted" and name
//     the part where another part held);
//   - else a part undecided (a measurement whose spread straddles its
//     threshold): undecided;
//   - else a part refined: refined, true with a sharper picture;
//   - every observed part confirmed: confirmed;
//   - no part observed: skipped.
//
// The evidence lists each part's verdict, so the claim's line says what it
// stands on.
func Combine(parts ...Part) Finding {
	var observed, notObserved []string
	var verdicts []Verdict
	for _, p := range parts {
		verdicts = append(verdicts, p.Verdict)
		if p.Verdict == Skipped {
			notObserved = append(notObserved, fmt.Sprintf("%s (%s)", p.Name, p.Evidence))
			continue
		}
		observed = append(observed, p.Name+" "+string(p.Verdict))
	}
	var ev []string
	if len(observed) > 0 {
		ev = append(ev, "parts: "+strings.Join(observed, ", "))
	}
	if len(notObserved) > 0 {
		ev = append(ev, "not observed here: "+strings.Join(notObserved, "; "))
	}
	return Finding{Verdict: records.Combined(verdicts...), Evidence: strings.Join(ev, "; "), Parts: slices.Clone(parts)}
}

// check reports what is wrong with a judge's finding: a verdict word that is
// not one, an empty evidence, an undecided claim without parts, an unnamed or repeated part, or a claim
// verdict that does not follow from its parts.
func (f Finding) check() error {
	if !f.Verdict.Valid() {
		return fmt.Errorf("verdict %q is not one of %v", f.Verdict, records.Verdicts())
	}
	if strings.TrimSpace(f.Evidence) == "" {
		return fmt.Errorf("a %s verdict with no evidence", f.Verdict)
	}
	if f.Verdict == Undecided && len(f.Parts) == 0 {
		return fmt.Errorf("an undecided claim without parts: a claim is undecided only through a measured part (Combine)")
	}
	names := map[string]bool{}
	for _, p := range f.Parts {
		if !records.IsPartName(p.Name) {
			return fmt.Errorf("part name %q: want lower-case letters, digits and dashes", p.Name)
		}
		if names[p.Name] {
			return fmt.Errorf("part %q twice", p.Name)
		}
		names[p.Name] = true
		if len(p.Parts) > 0 {
			return fmt.Errorf("part %q has parts of its own", p.Name)
		}
		if !p.Verdict.Valid() {
			return fmt.Errorf("part %q: verdict %q is not one of %v", p.Name, p.Verdict, records.Verdicts())
		}
		if strings.TrimSpace(p.Evidence) == "" {
			return fmt.Errorf("part %q: a %s verdict with no evidence", p.Name, p.Verdict)
		}
	}
	if len(f.Parts) > 0 {
		if want := Combine(f.Parts...).Verdict; f.Verdict != want {
			return fmt.Errorf("the claim says %s but its parts combine to %s (build it with claims.Combine)", f.Verdict, want)
		}
	}
	return nil
}

// Part returns the part called name.
func (f Finding) Part(name string) (Part, bool) {
	for _, p := range f.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}
