// Package claims is what a chapter's tests use to report on the notes'
// claims (the catalogue is in internal/records): facts, a judge, and
// verdict lines.
//
// A claim's test observes, then hands what it saw to the claim's judge:
//
//	v := claims.Check(t, "L3")
//	... set up, act, observe into facts ...
//	claims.Judge(v, facts, judgeOwnAddress)
//
// The judge is a pure function of the facts (no kernel, no root) that sits
// next to the test in its chapter and reads as the claim's rule; its unit
// tests (TestJudge) feed it facts that confirm, refine and refute. Judge
// writes the verdict and then the facts it was judged from to the test
// log:
//
//	claim L3: confirmed — route type local dev lo; lo tx +5, nn1-2a tx +0
//	facts L3: {"RouteType":"local","RouteDev":"lo",...}
//
// and, for a claim that says two things, a line per part before the
// claim's own:
//
//	claim U4/handshake: confirmed — connect returned before accept
//	claim U4/queues: refuted — listen(1) admitted 2, then EAGAIN
//	claim U4: refuted — parts: handshake confirmed, queues refuted
//	facts U4: {...}
//
// The lines are the machine-readable contract: the verdict report reads
// them from `go test -json` and re-derives nothing. A refuted claim is a
// finding and the test passes; a test fails only when it could not observe,
// and then it logs no verdict at all. A skipped test (by the gate package)
// writes a "skipped" line with the reason; a test that passes without a
// verdict fails.
package claims

import (
	"encoding/json"
	"testing"

	"netnotes/internal/gate"
	"netnotes/internal/records"
)

// A Verdict is what a judge finds of a claim or of one of its parts; its
// words are listed once, in internal/records.
type Verdict = records.Verdict

// The verdicts a judge may find.
const (
	Confirmed = records.Confirmed // the kernel behaves as the notes say
	Refined   = records.Refined   // true, with a sharper or corrected picture
	Refuted   = records.Refuted   // the kernel does not behave as the notes say (in a part, at least)
	Skipped   = records.Skipped   // could not be checked here
	// Undecided is the word of a measured part whose spread straddles the
	// claim's threshold, so that this run cannot say, and of a claim
	// whose parts leave it so (Combine).
	Undecided = records.Undecided
)

// Checking is a test under way on one claim: Check opens it, Judge closes
// it with the claim's verdict. A test that ends without Judge fails.
type Checking struct {
	t     testing.TB
	id    string
	given bool
}

// Check starts the test of claim id. It fails the test at once for an ID
// that is not in the catalogue (internal/records/catalogue.go).
func Check(t testing.TB, id string) *Checking {
	t.Helper()
	if _, ok := records.Lookup(id); !ok {
		t.Fatalf("claim %q is not in the catalogue (internal/records/catalogue.go)", id)
	}
	v := &Checking{t: t, id: id}
	t.Cleanup(func() {
		switch {
		case v.given || t.Failed():
		case t.Skipped():
			reason, ok := gate.SkipReason(t)
			if !ok {
				reason = "see the test's log"
			}
			t.Log(records.Line(id, Skipped, reason))
		default:
			t.Errorf("claim %s: the test ended without a verdict", id)
		}
	})
	return v
}

// Judge hands a claim's facts to its judge and logs what it found: a line
// per part, the claim's verdict line, then the facts as JSON.
//
// A test that has already failed could not observe what the judge needs:
// Judge logs no verdict for it. A finding of skipped (nothing could be
// observed here) skips the test through the gate, with the judge's reason;
// in strict mode a part that could not be observed fails the test, naming
// the part.
func Judge[F any](v *Checking, facts F, judge func(F) Finding) Finding {
	t := v.t
	t.Helper()
	if v.given {
		t.Errorf("claim %s: judged twice in one test", v.id)
		return Finding{}
	}
	if msg := notRegistered(v.id, judge); msg != "" {
		t.Fatalf("%s", msg)
	}
	if t.Failed() {
		v.given = true
		t.Logf("claim %s: no verdict, because the test failed before it could observe", v.id)
		return Finding{}
	}
	data, err := json.Marshal(facts)
	if err != nil {
		t.Fatalf("claim %s: the facts do not encode as JSON: %v", v.id, err)
	}
	f := judge(facts)
	if err := f.check(); err != nil {
		t.Fatalf("claim %s: the judge's finding is malformed: %v\n%s", v.id, err, records.FactsLine(v.id, data))
	}
	if f.Verdict == Skipped {
		t.Log(records.FactsLine(v.id, data))
		gate.Skip(t, "%s", f.Evidence)
		return f
	}
	v.given = true
	for _, p := range f.Parts {
		t.Log(records.PartLine(v.id, p.Name, p.Verdict, p.Evidence))
	}
	t.Log(records.Line(v.id, f.Verdict, f.Evidence))
	// The facts come last: a reader of `go test -v` meets the verdict
	// first, and the long line of what it was judged from after it.
	t.Log(records.FactsLine(v.id, data))
	if gate.Strict() {
		for _, p := range f.Parts {
			if p.Verdict == Skipped {
				t.Errorf("NETNOTES_STRICT=1, so a part that could not be observed is a failure: claim %s/%s: %s", v.id, p.Name, p.Evidence)
			}
		}
	}
	return f
}
