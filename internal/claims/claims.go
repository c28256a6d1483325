// Package claims holds the notes' claims and the one way a test reports on
// them: a verdict line.
//
// A claim's test starts with Check and ends with exactly one of Confirmed,
// Refined or Refuted, each with the evidence observed in that run:
//
//	v := claims.Check(t, "L3")
//	... set up, act, observe ...
//	v.Confirmed("route type local dev lo; lo tx +5, %s tx +0", veth)
//
// That writes the line
//
//	claim L3: confirmed — route type local dev lo; lo tx +5, nn1-2a tx +0
//
// to the test log. The line is the machine-readable contract: the verdict
// report reads it from `go test -json` and re-derives nothing. A test that
// is skipped (by the gate package) writes a "skipped" line with the reason;
// a test that passes without a verdict fails.
package claims

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"netnotes/internal/gate"
)

// Verdicts a test can reach about a claim.
const (
	Confirmed = "confirmed" // the kernel behaves as the notes say
	Refined   = "refined"   // true, with a sharper or corrected picture
	Refuted   = "refuted"   // the kernel does not behave as the notes say
	Skipped   = "skipped"   // could not be checked here
)

// Verdict is one test's report on one claim.
type Verdict struct {
	t     testing.TB
	id    string
	given bool
}

// Check starts the test of claim id. It fails the test at once for an ID
// that is not in the Catalogue.
func Check(t testing.TB, id string) *Verdict {
	t.Helper()
	if _, ok := Lookup(id); !ok {
		t.Fatalf("claim %q is not in the catalogue (internal/claims/catalogue.go)", id)
	}
	v := &Verdict{t: t, id: id}
	t.Cleanup(func() {
		switch {
		case v.given || t.Failed():
		case t.Skipped():
			reason, ok := gate.SkipReason(t)
			if !ok {
				reason = "see the test's log"
			}
			t.Log(Line(id, Skipped, reason))
		default:
			t.Errorf("claim %s: the test ended without a verdict", id)
		}
	})
	return v
}

// Confirmed reports that the kernel behaves as the notes say.
func (v *Verdict) Confirmed(format string, args ...any) {
	v.t.Helper()
	v.give(Confirmed, format, args)
}

// Refined reports that the claim holds, with a sharper picture in evidence.
func (v *Verdict) Refined(format string, args ...any) { v.t.Helper(); v.give(Refined, format, args) }

// Refuted reports that the kernel does not behave as the notes say.
func (v *Verdict) Refuted(format string, args ...any) { v.t.Helper(); v.give(Refuted, format, args) }

func (v *Verdict) give(verdict, format string, args []any) {
	v.t.Helper()
	if v.given {
		v.t.Errorf("claim %s: a second verdict (%s) for one test", v.id, verdict)
		return
	}
	v.given = true
	v.t.Log(Line(v.id, verdict, fmt.Sprintf(format, args...)))
}

// Line formats a verdict line. Evidence is kept on one line.
func Line(id, verdict, evidence string) string {
	evidence = strings.Join(strings.Fields(evidence), " ")
	return fmt.Sprintf("claim %s: %s — %s", id, verdict, evidence)
}

var lineRE = regexp.MustCompile(`claim ([A-Z][0-9]+): (confirmed|refined|refuted|skipped) — (.*)$`)

// Parse finds a verdict line in one line of test output (which may carry a
// "file.go:12: " prefix).
func Parse(output string) (id, verdict, evidence string, ok bool) {
	m := lineRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}
