// Package claims holds the notes' claims and the one way a test reports on
// them: facts, a judge, and verdict lines.
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
// writes the facts and the verdict to the test log:
//
//	facts L3: {"RouteType":"local","RouteDev":"lo",...}
//	claim L3: confirmed — route type local dev lo; lo tx +5, nn1-2a tx +0
//
// and, for a claim that says two things, a line per part before the
// claim's own:
//
//	claim U4/handshake: confirmed — connect returned before accept
//	claim U4/queues: refuted — listen(1) admitted 2, then EAGAIN
//	claim U4: refined — parts: handshake confirmed, queues refuted
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

// Judge hands a claim's facts to its judge and logs what it found: the
// facts as JSON, a line per part, then the claim's verdict line.
//
// A test that has already failed could not observe what the judge needs:
// Judge logs no verdict for it. A finding of skipped (nothing could be
// observed here) skips the test through the gate, with the judge's reason;
// in strict mode a part that could not be observed fails the test, naming
// the part.
func Judge[F any](v *Verdict, facts F, judge func(F) Finding) Finding {
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
	t.Log(FactsLine(v.id, data))
	f := judge(facts)
	if err := f.check(); err != nil {
		t.Fatalf("claim %s: the judge's finding is malformed: %v", v.id, err)
	}
	if f.Verdict == Skipped {
		gate.Skip(t, "%s", f.Evidence)
		return f
	}
	v.given = true
	for _, p := range f.Parts {
		t.Log(PartLine(v.id, p.Name, p.Verdict, p.Evidence))
	}
	t.Log(Line(v.id, f.Verdict, f.Evidence))
	if gate.Strict() {
		for _, p := range f.Parts {
			if p.Verdict == Skipped {
				t.Errorf("NETNOTES_STRICT=1, so a part that could not be observed is a failure: claim %s/%s: %s", v.id, p.Name, p.Evidence)
			}
		}
	}
	return f
}

// Confirmed reports that the kernel behaves as the notes say.
//
// Deprecated: observe into facts and call Judge, so that the verdict can go
// the other way.
func (v *Verdict) Confirmed(format string, args ...any) {
	v.t.Helper()
	v.give(Confirmed, format, args)
}

// Refined reports that the claim holds, with a sharper picture in evidence.
//
// Deprecated: observe into facts and call Judge.
func (v *Verdict) Refined(format string, args ...any) { v.t.Helper(); v.give(Refined, format, args) }

// Refuted reports that the kernel does not behave as the notes say.
//
// Deprecated: observe into facts and call Judge.
func (v *Verdict) Refuted(format string, args ...any) { v.t.Helper(); v.give(Refuted, format, args) }

func (v *Verdict) give(verdict, format string, args []any) {
	v.t.Helper()
	if v.given {
		v.t.Errorf("claim %s: a second verdict (%s) for one test", v.id, verdict)
		return
	}
	v.given = true
	if v.t.Failed() {
		v.t.Logf("claim %s: no verdict, because the test failed before it could observe", v.id)
		return
	}
	v.t.Log(Line(v.id, verdict, fmt.Sprintf(format, args...)))
}

// Line formats a claim's verdict line. Evidence is kept on one line.
func Line(id, verdict, evidence string) string {
	return fmt.Sprintf("claim %s: %s — %s", id, verdict, oneLine(evidence))
}

// PartLine formats the verdict line of one part of a claim.
func PartLine(id, part, verdict, evidence string) string {
	return fmt.Sprintf("claim %s/%s: %s — %s", id, part, verdict, oneLine(evidence))
}

// FactsLine formats the line that carries a claim's facts, as JSON.
func FactsLine(id string, facts []byte) string {
	return fmt.Sprintf("facts %s: %s", id, facts)
}

// VerdictLine is one parsed verdict line: a claim's, or one part's.
type VerdictLine struct {
	ID       string
	Part     string // "" for the claim's own line
	Verdict  string
	Evidence string
}

// A verdict line, as Line and PartLine write it, at the start of a line or
// behind the "file_test.go:12: " prefix the testing package gives t.Log.
var (
	lineRE  = regexp.MustCompile(`^(?:\s*[\w.-]+\.go:\d+: )?claim ([A-Z][0-9]+)(?:/([a-z0-9][a-z0-9-]*))?: (confirmed|refined|refuted|skipped|undecided) — (.*)$`)
	logRE   = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)
	factsRE = regexp.MustCompile(`^(?:\s*[\w.-]+\.go:\d+: )?facts ([A-Z][0-9]+): (\{.*\})$`)
)

// ParseLine finds a verdict line (a claim's or a part's) in one line of
// output. The line must start with it, or with the test log's prefix and
// then it: a verdict quoted inside other text is not one.
func ParseLine(output string) (VerdictLine, bool) {
	m := lineRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil {
		return VerdictLine{}, false
	}
	l := VerdictLine{ID: m[1], Part: m[2], Verdict: m[3], Evidence: m[4]}
	if l.Part == "" && l.Verdict == Undecided {
		return VerdictLine{}, false // undecided is a part's word only
	}
	return l, true
}

// ParseLogLine is ParseLine for a line of test output as `go test -json`
// carries it: the verdict must come behind the t.Log prefix
// ("    file_test.go:12: "), where only a test's own log puts it.
func ParseLogLine(output string) (VerdictLine, bool) {
	if !logRE.MatchString(output) {
		return VerdictLine{}, false
	}
	return ParseLine(output)
}

// Parse finds a claim's own verdict line in one line of test output (which
// may carry a "file.go:12: " prefix). Part lines are not claim lines.
func Parse(output string) (id, verdict, evidence string, ok bool) {
	l, ok := ParseLine(output)
	if !ok || l.Part != "" {
		return "", "", "", false
	}
	return l.ID, l.Verdict, l.Evidence, true
}

// ParseFacts finds a facts line (FactsLine) and returns the claim's ID and
// the facts' JSON.
func ParseFacts(output string) (id string, facts json.RawMessage, ok bool) {
	m := factsRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil || !json.Valid([]byte(m[2])) {
		return "", nil, false
	}
	return m[1], json.RawMessage(m[2]), true
}

// Counts says whether a line that test logged, in a run whose tests ended
// as result tells ("pass", "skip", "fail"; "" for a test with no end event,
// whose binary died first), may stand in a report: the test and every test
// above it (test names with their "/" parts cut off) passed. A skipped
// test stands only for its own skipped line; verdict "" (a facts line)
// needs a pass.
func Counts(result func(test string) string, test, verdict string) bool {
	for t := test; ; {
		switch result(t) {
		case "pass":
		case "skip":
			if t != test || verdict != Skipped {
				return false
			}
		default:
			return false
		}
		i := strings.LastIndexByte(t, '/')
		if i < 0 {
			return true
		}
		t = t[:i]
	}
}
