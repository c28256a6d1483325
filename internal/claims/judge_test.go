package claims_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/records"
)

// recorder is a testing.TB that keeps what a test would log, so that the
// tests below can watch Judge refuse, skip and log.
type recorder struct {
	testing.TB // the real test, for what recorder does not override
	logs       []string
	errors     []string
	failed     bool
	skipped    bool
	cleanups   []func()
}

func (r *recorder) Helper()                    {}
func (r *recorder) Log(args ...any)            { r.logs = append(r.logs, fmt.Sprint(args...)) }
func (r *recorder) Logf(f string, args ...any) { r.logs = append(r.logs, fmt.Sprintf(f, args...)) }
func (r *recorder) Errorf(f string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(f, args...))
	r.failed = true
}
func (r *recorder) Fatalf(f string, args ...any) { r.Errorf(f, args...); panic(fatal{}) }
func (r *recorder) Failed() bool                 { return r.failed }
func (r *recorder) Skipped() bool                { return r.skipped }
func (r *recorder) Skip(args ...any) {
	r.skipped = true
	r.logs = append(r.logs, fmt.Sprint(args...))
	panic(fatal{})
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

type fatal struct{}

// run calls body with a fresh recorder and runs its cleanups, as the
// testing package would.
func run(t *testing.T, body func(r *recorder)) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(fatal); !ok {
					panic(p)
				}
			}
		}()
		body(r)
	}()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r
}

type backlogFacts struct {
	ConnectBeforeAccept bool
	Admitted            int // by listen(1)
}

func judgeBacklog(f backlogFacts) claims.Finding {
	handshake := claims.Confirm("connect returned before accept")
	if !f.ConnectBeforeAccept {
		handshake = claims.Refute("connect waited for accept")
	}
	queues := claims.Confirm("the listener admitted every connect")
	if f.Admitted > 0 {
		queues = claims.Refute("the listener admitted %d, then EAGAIN", f.Admitted)
	}
	return claims.Combine(claims.P("handshake", handshake), claims.P("queues", queues))
}

// In this binary, U4's judge is judgeBacklog, as a chapter registers its
// claims' judges beside them.
var _ = claims.Register("U4", judgeBacklog)

// A judge that is not the registered one judges nothing: a stub that
// always refutes cannot stand in for the claim's rule in a test, a drill
// or a judge's table; and a claim has one judge.
func TestOnlyTheRegisteredJudgeJudges(t *testing.T) {
	stub := func(backlogFacts) claims.Finding { return claims.Refute("always") }
	r := run(t, func(r *recorder) { claims.Judge(claims.Check(r, "U4"), backlogFacts{}, stub) })
	assert.True(t, r.failed)
	assert.Contains(t, strings.Join(r.errors, "\n"), "is not its judge; netnotes/internal/claims_test.judgeBacklog is")
	r = run(t, func(r *recorder) { claims.Drill(r, "U4", backlogFacts{}, stub, claims.Refuted) })
	assert.True(t, r.failed)
	assert.Panics(t, func() { claims.Register("U4", stub) }, "a second judge for one claim")
	assert.Panics(t, func() { claims.Register("Z9", stub) }, "a claim not in the catalogue")
}

// The verdict comes first, the facts it was judged from last: `go test -v`
// shows the verdict, not a long line of facts above it.
func TestJudgeLogsPartsTheClaimThenTheFacts(t *testing.T) {
	t.Setenv("NETNOTES_STRICT", "")
	r := run(t, func(r *recorder) {
		v := claims.Check(r, "U4")
		claims.Judge(v, backlogFacts{ConnectBeforeAccept: true, Admitted: 2}, judgeBacklog)
	})
	require.Empty(t, r.errors)
	require.Len(t, r.logs, 4)
	assert.Equal(t, "claim U4/handshake: confirmed — connect returned before accept", r.logs[0])
	assert.Equal(t, "claim U4/queues: refuted — the listener admitted 2, then EAGAIN", r.logs[1])
	assert.Equal(t, "claim U4: refuted — parts: handshake confirmed, queues refuted", r.logs[2])
	assert.Equal(t, `facts U4: {"ConnectBeforeAccept":true,"Admitted":2}`, r.logs[3])
}

// A refuted claim is a finding: the test does not fail.
func TestARefutedClaimDoesNotFailTheTest(t *testing.T) {
	r := run(t, func(r *recorder) {
		v := claims.Check(r, "N1")
		claims.Judge(v, 1, func(links int) claims.Finding { return claims.Refute("a fresh file had %d links", links+1) })
	})
	assert.False(t, r.failed)
	assert.Equal(t, "claim N1: refuted — a fresh file had 2 links", r.logs[len(r.logs)-2])
}

func TestNoVerdictAfterAFailure(t *testing.T) {
	r := run(t, func(r *recorder) {
		v := claims.Check(r, "N1")
		r.Errorf("the harness could not make its file")
		claims.Judge(v, 1, func(int) claims.Finding { return claims.Confirm("looks fine") })
	})
	for _, l := range r.logs {
		_, ok := records.ParseLine(l)
		assert.False(t, ok, "a verdict was logged after a failure: %q", l)
	}
}

func TestAMalformedFindingFailsTheTest(t *testing.T) {
	for name, f := range map[string]claims.Finding{
		"no evidence":           {Verdict: claims.Confirmed},
		"not a verdict":         {Verdict: "true", Evidence: "x"},
		"undecided claim":       {Verdict: claims.Undecided, Evidence: "x"},
		"parts disagree":        {Verdict: claims.Confirmed, Evidence: "x", Parts: []claims.Part{claims.P("a", claims.Refute("y"))}},
		"part name in capitals": claims.Combine(claims.P("Handshake", claims.Confirm("y"))),
	} {
		r := run(t, func(r *recorder) {
			claims.Judge(claims.Check(r, "N1"), 0, func(int) claims.Finding { return f })
		})
		assert.True(t, r.failed, name)
	}
}

func TestAFindingOfSkippedSkipsAndStrictFailsOnASkippedPart(t *testing.T) {
	t.Setenv("NETNOTES_STRICT", "")
	r := run(t, func(r *recorder) {
		claims.Judge(claims.Check(r, "L2"), 0, func(int) claims.Finding {
			return claims.Combine(claims.P("tracepoints", claims.SkipPart("needs root: tracefs")))
		})
	})
	assert.True(t, r.skipped)
	assert.False(t, r.failed)
	assert.Contains(t, r.logs[len(r.logs)-1], "claim L2: skipped — ")

	t.Setenv("NETNOTES_STRICT", "1")
	r = run(t, func(r *recorder) {
		claims.Judge(claims.Check(r, "L3"), 0, func(int) claims.Finding {
			return claims.Combine(claims.P("route", claims.Confirm("local dev lo")), claims.P("tracepoints", claims.SkipPart("needs root: tracefs")))
		})
	})
	require.True(t, r.failed)
	assert.True(t, strings.Contains(strings.Join(r.errors, "\n"), "claim L3/tracepoints: needs root: tracefs"), "%v", r.errors)
}

// The judge tests' own helper: a table with a refuting row, the parts
// checked by name.
func TestTestJudgeChecksVerdictsAndParts(t *testing.T) {
	claims.TestJudge(t, "U4", judgeBacklog, []claims.Case[backlogFacts]{
		{Name: "refutable only by a kernel with a handshake and a queue", Facts: backlogFacts{false, 2}, Want: claims.Refuted},
		{Name: "seen on 6.18: no handshake, an accept queue (refuted in part)", Facts: backlogFacts{true, 2}, Want: claims.Refuted,
			Parts: map[string]claims.Verdict{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "as the notes say", Facts: backlogFacts{true, 0}, Want: claims.Confirmed},
	})
	// The refuting case ran, so U4 is covered; uds's other claims have no
	// judge registered in this binary, and Main would fail for them.
	assert.Equal(t, "refutable only by a kernel with a handshake and a queue", claims.RefutingCaseRan("U4"))
	missing := claims.Uncovered("uds")
	assert.NotEmpty(t, missing)
	for _, m := range missing {
		assert.NotContains(t, m, "claim U4")
	}
	assert.Contains(t, strings.Join(missing, "\n"), "claim U1 has no judge registered")
}

func TestRecordedFactsAreReplayed(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, records.RecordFacts(dir, "linux-6.18", "U4", records.Recorded{
		Kernel: "Linux 6.18 x86_64", Verdict: claims.Refined, Facts: []byte(`{"ConnectBeforeAccept":true,"Admitted":2}`),
	}))
	got, err := records.ReadRecorded(dir+"/uds", "U4")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "Linux 6.18 x86_64", got[0].Kernel)

	assert.Error(t, records.RecordFacts(dir, "../up", "U4", got[0]), "a kernel name that is a path")
	assert.Error(t, records.RecordFacts(dir, "k", "Z9", got[0]), "a claim not in the catalogue")
	assert.Error(t, records.RecordFacts(dir, "k", "U4", records.Recorded{Kernel: "k", Verdict: "confirmed", Facts: []byte("{")}))
}

// Facts are loaded when a test runs: a facts field renamed since the
// recording fails the one test that loads them, with the file and the
// field, and a drill's recording is a row of the table by name.
func TestARenamedFactsFieldFailsOneTestNamingTheFileAndTheField(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, records.RecordFacts(dir, records.ProjectKernel, "U4", records.Recorded{
		Kernel: "Linux 6.18 x86_64", Verdict: claims.Refuted, Facts: []byte(`{"ConnectBeforeAccept":true,"Admited":2}`),
	}))
	t.Chdir(filepath.Join(dir, "uds"))
	r := run(t, func(r *recorder) { claims.RecordedFacts[backlogFacts](r, "U4") })
	require.True(t, r.failed)
	msg := strings.Join(r.errors, "\n")
	assert.Contains(t, msg, filepath.Join(records.FactsDir, records.ProjectKernel, "U4.json"))
	assert.Contains(t, msg, `unknown field "Admited"`)

	r = run(t, func(r *recorder) { claims.RecordedFacts[backlogFacts](r, "U9") })
	assert.Contains(t, strings.Join(r.errors, "\n"), filepath.Join(records.FactsDir, records.ProjectKernel, "U9.json"), "a missing file is named")

	r = run(t, func(r *recorder) { claims.SeenFacts[backlogFacts](r, `{"ConnectBeforeAccept":true,"Admited":2}`) })
	assert.Contains(t, strings.Join(r.errors, "\n"), `unknown field "Admited"`)

	drill := []byte(`{"drill":"TestDrillU4","kernel":"Linux 6.18 x86_64","verdict":"refuted","parts":{"handshake":"refuted"},"facts":{"ConnectBeforeAccept":false,"Admitted":2}}`)
	require.NoError(t, os.MkdirAll(records.DrillsDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(records.DrillsDir, "U4.json"), drill, 0o644))
	var row claims.Case[backlogFacts]
	r = run(t, func(r *recorder) { row = claims.RecordedDrill[backlogFacts](r, "U4") })
	require.False(t, r.failed, "%v", r.errors)
	assert.Equal(t, "the drill TestDrillU4, recorded on Linux 6.18 x86_64", row.Name)
	assert.Equal(t, backlogFacts{ConnectBeforeAccept: false, Admitted: 2}, row.Facts)
	assert.Equal(t, claims.Refuted, row.Want)
	assert.Equal(t, map[string]claims.Verdict{"handshake": claims.Refuted}, row.Parts)
}

func TestADrillIsNotAVerdict(t *testing.T) {
	r := run(t, func(r *recorder) {
		claims.Drill(r, "U4", backlogFacts{false, 2}, judgeBacklog, claims.Refuted)
	})
	assert.False(t, r.failed)
	assert.Equal(t, "drill U4: refuted — parts: handshake refuted, queues refuted", r.logs[len(r.logs)-1])
	for _, l := range r.logs {
		_, ok := records.ParseLine(l)
		assert.False(t, ok, "a drill logged a verdict line: %q", l)
	}
	r = run(t, func(r *recorder) {
		claims.Drill(r, "U4", backlogFacts{true, 0}, judgeBacklog, claims.Refuted)
	})
	assert.True(t, r.failed, "a drill whose judge does not refute fails")
}

// Evidence says only what the facts hold: a number, an address or a device
// name that no fact holds was written in by the judge, not read.
func TestUnsupportedNamesWhatTheFactsDoNotHold(t *testing.T) {
	facts := []byte(`{"Dev":"nn4a-2a","LoTx":0,"Sent":5,"Ratios":[1.0412,0.9871],"Reply":"64 bytes from 198.18.5.2"}`)
	assert.Empty(t, claims.Unsupported("5 sent on nn4a-2a, lo tx +0; ratio 0.99-1.04x; reply from 198.18.5.2", facts))
	assert.Equal(t, []string{"3", "nn4a-2b", "198.18.5.1"},
		claims.Unsupported("back via lo (lo tx +3) on nn4a-2b, reply from 198.18.5.1", facts))
	assert.Empty(t, claims.Unsupported("within the band 0.91-1.10x", facts, "0.91x", "1.10x"), "the rule's own numbers")
}

func TestWithCopiesDeep(t *testing.T) {
	type facts struct {
		Cells []int
		Names map[string]string
		Peer  *struct{ Up bool }
	}
	seen := facts{Cells: []int{1, 2}, Names: map[string]string{"a": "lo"}, Peer: &struct{ Up bool }{true}}
	changed := claims.With(seen, func(f *facts) {
		f.Cells[0], f.Names["a"], f.Peer.Up = 9, "eth0", false
		f.Cells = append(f.Cells, 3)
	})
	assert.Equal(t, facts{Cells: []int{1, 2}, Names: map[string]string{"a": "lo"}, Peer: &struct{ Up bool }{true}}, seen, "the seen row is untouched")
	assert.Equal(t, []int{9, 2, 3}, changed.Cells)
	assert.Equal(t, "eth0", changed.Names["a"])
	assert.False(t, changed.Peer.Up)
}
