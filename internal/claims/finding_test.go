package claims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/claims"
	"netnotes/internal/records"
)

// Combine's one rule, both ways: every row here is a reading of the rule in
// the doc comment.
func TestCombineGivesTheClaimItsVerdictFromItsParts(t *testing.T) {
	c, r, f, u, s := claims.Confirm("c"), claims.Refine("r"), claims.Refute("f"), claims.Undecide("u"), claims.SkipPart("needs root")
	for _, tc := range []struct {
		name  string
		parts []claims.Part
		want  claims.Verdict
	}{
		{"every part holds", []claims.Part{claims.P("a", c), claims.P("b", c)}, claims.Confirmed},
		{"every part is contradicted", []claims.Part{claims.P("a", f), claims.P("b", f)}, claims.Refuted},
		// U4 on every kernel: no handshake, but queues. The sentence does
		// not hold as written; "refined" (true, with a sharper picture)
		// said it did. The report names the part ("partly refuted: b").
		{"one holds, one does not: the sentence is false in part", []claims.Part{claims.P("a", c), claims.P("b", f)}, claims.Refuted},
		{"a refuted part is not saved by a refined one", []claims.Part{claims.P("a", r), claims.P("b", f)}, claims.Refuted},
		{"a refuted part is not hidden by an undecided one", []claims.Part{claims.P("a", u), claims.P("b", f)}, claims.Refuted},
		{"a sharper picture of one", []claims.Part{claims.P("a", c), claims.P("b", r)}, claims.Refined},
		// L4 with its stream cell straddling the band: refined said the
		// claim held, with a sharper picture, of a run that could not say.
		{"a measurement that cannot say leaves the claim undecided", []claims.Part{claims.P("a", c), claims.P("b", u)}, claims.Undecided},
		{"undecided beside refined", []claims.Part{claims.P("a", r), claims.P("b", u)}, claims.Undecided},
		{"a lone undecided part", []claims.Part{claims.P("a", u)}, claims.Undecided},
		{"a skipped part does not vote", []claims.Part{claims.P("a", c), claims.P("b", s)}, claims.Confirmed},
		{"a skipped part does not save a refuted one", []claims.Part{claims.P("a", f), claims.P("b", s)}, claims.Refuted},
		{"nothing observed", []claims.Part{claims.P("a", s), claims.P("b", s)}, claims.Skipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := claims.Combine(tc.parts...)
			assert.Equal(t, tc.want, got.Verdict, got.Evidence)
			assert.Len(t, got.Parts, len(tc.parts))
		})
	}
	got := claims.Combine(claims.P("a", c), claims.P("b", s))
	assert.Equal(t, "parts: a confirmed; not observed here: b (needs root)", got.Evidence,
		"the claim's evidence says what it stands on")
}

func TestPartAndFactsLinesRoundTrip(t *testing.T) {
	line := records.PartLine("U4", "handshake", claims.Confirmed, "connect\n before accept")
	assert.Equal(t, "claim U4/handshake: confirmed — connect before accept", line)
	l, ok := records.ParseLogLine("    backlog_test.go:42: " + line + "\n")
	assert.True(t, ok)
	assert.Equal(t, records.VerdictLine{ID: "U4", Part: "handshake", Verdict: "confirmed", Evidence: "connect before accept"}, l)

	l, ok = records.ParseLine(records.PartLine("U8", "small", claims.Undecided, "1.9-2.1x"))
	assert.True(t, ok)
	assert.Equal(t, claims.Undecided, l.Verdict)
	l, ok = records.ParseLine("claim L4: undecided — parts: no-difference undecided")
	assert.True(t, ok, "a claim whose measured part is undecided is undecided")
	assert.Equal(t, records.VerdictLine{ID: "L4", Verdict: claims.Undecided, Evidence: "parts: no-difference undecided"}, l)

	id, facts, ok := records.ParseFacts("    x_test.go:9: " + records.FactsLine("L3", []byte(`{"Dev":"lo"}`)))
	assert.True(t, ok)
	assert.Equal(t, "L3", id)
	assert.JSONEq(t, `{"Dev":"lo"}`, string(facts))
}

// The report trusts only lines that start as a verdict line does: a verdict
// quoted inside another message is not one.
func TestVerdictLinesAreAnchored(t *testing.T) {
	for _, s := range []string{
		"    x_test.go:3: expected claim L3: confirmed — x",
		"got: claim L3: confirmed — x",
		"    x_test.go:3:  claim L3: confirmed — x",
	} {
		_, ok := records.ParseLine(s)
		assert.False(t, ok, "%q", s)
	}
	_, ok := records.ParseLogLine("claim L3: confirmed — no log prefix")
	assert.False(t, ok, "ParseLogLine wants the t.Log prefix")
}
