package records_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/records"
)

func parts(kv ...string) []records.PartVerdict {
	var out []records.PartVerdict
	for i := 0; i < len(kv); i += 2 {
		out = append(out, records.PartVerdict{Name: kv[i], Verdict: records.Verdict(kv[i+1])})
	}
	return out
}

// A claim's word shows which part of its sentence held and which did not.
// Before, U8 read "refined" with its 2x part refuted, U4 "refined" with
// "no queues" refuted, U9's VM columns "confirmed" with its efficiency
// part never measured, and N5 "confirmed" with two of its three parts not
// run where rm and unlink were missing.
func TestSummaryNamesThePartsThatDidNotHold(t *testing.T) {
	for _, tc := range []struct {
		name    string
		verdict string
		parts   []records.PartVerdict
		want    string
	}{
		{"no parts", "confirmed", nil, "confirmed"},
		{"every part held", "confirmed", parts("a", "confirmed", "b", "confirmed"), "confirmed"},
		{"U4: no handshake, but queues", "refuted", parts("handshake", "confirmed", "queues", "refuted"), "partly refuted: queues"},
		{"U8 on the project machine before: 2x refuted, gap refined", "refuted", parts("2x-at-100b", "refuted", "gap-shrinks", "refined"),
			"partly refuted: 2x-at-100b; refined: gap-shrinks"},
		{"U8 with both parts refuted", "refuted", parts("2x-at-100b", "refuted", "gap-shrinks", "refuted"), "refuted"},
		{"U8 with the gap undecided", "refuted", parts("2x-at-100b", "refuted", "gap-shrinks", "undecided"),
			"partly refuted: 2x-at-100b; undecided: gap-shrinks"},
		{"U9 in a VM: efficiency never measured", "confirmed", parts("more-efficient", "skipped", "more-secure", "confirmed"),
			"confirmed; not observed: more-efficient"},
		{"U9 on the project machine", "refined", parts("more-efficient", "refined", "more-secure", "confirmed"), "refined: more-efficient"},
		{"N5 without rm and unlink", "confirmed", parts("no-directories", "confirmed", "one-file", "skipped", "rm-more", "skipped"),
			"confirmed; not observed: one-file, rm-more"},
		{"L4 straddling its band", "undecided", parts("no-difference", "undecided"), "undecided: no-difference"},
		{"a part missing from a column", "confirmed", parts("a", "confirmed", "b", string(records.NotSeen)), "confirmed; not observed: b"},
		{"V8: one runtime refutes, the others confirm", "confirmed/refuted",
			parts("bridge-port", "confirmed", "podman", "confirmed", "podman-rootless", "refuted"), "partly refuted: podman-rootless"},
		{"V8 where a runtime's test skipped", "confirmed/skipped", parts("bridge-port", "confirmed", "podman", "skipped"),
			"confirmed; not observed: podman"},
		{"nothing observed", "skipped", parts("a", "skipped"), "skipped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, records.Summary(records.Verdict(tc.verdict), tc.parts))
		})
	}
	assert.Equal(t, records.PartlyRefuted, records.Head("refuted", parts("handshake", "confirmed", "queues", "refuted")))
	assert.Equal(t, records.Confirmed, records.Head("confirmed", parts("more-secure", "confirmed", "more-efficient", "skipped")))
}

func TestCombinedIsTheOneRule(t *testing.T) {
	assert.Equal(t, records.Refuted, records.Combined("confirmed", "refuted"))
	assert.Equal(t, records.Refuted, records.Combined("undecided", "refuted", "skipped"))
	assert.Equal(t, records.Undecided, records.Combined("confirmed", "undecided"))
	assert.Equal(t, records.Refined, records.Combined("confirmed", "refined", "skipped"))
	assert.Equal(t, records.Confirmed, records.Combined("confirmed", "skipped"))
	assert.Equal(t, records.Skipped, records.Combined("skipped"))
	assert.Equal(t, records.Skipped, records.Combined())
}

// The report's "a finding" section once read, on a fresh machine without
// podman or docker and with L4's stream cell straddling its band:
// "L4 confirmed there, refined here", "V8 confirmed/refuted there,
// confirmed/skipped here" and four "— here" runtime parts. None is a
// finding: only a decided verdict against a decided verdict is.
func TestOnlyDecidedAgainstDecidedIsAFinding(t *testing.T) {
	ci := records.Seen{Verdicts: map[string]records.Verdict{"L4": "confirmed", "V8": "confirmed/refuted", "U4": "refuted", "N3": "confirmed"},
		Parts: map[string]records.Verdict{"L4/no-difference": "confirmed", "V8/podman": "confirmed", "V8/podman-rootless": "refuted",
			"V8/bridge-port": "confirmed", "U4/queues": "refuted", "U4/handshake": "confirmed", "N3/rm": "confirmed"}}
	here := records.Seen{Verdicts: map[string]records.Verdict{"L4": "undecided", "V8": "confirmed/skipped", "U4": "refuted", "N3": "refuted"},
		Parts: map[string]records.Verdict{"L4/no-difference": "undecided", "V8/bridge-port": "confirmed",
			"U4/queues": "refuted", "U4/handshake": "refuted", "N3/rm": "refuted"}}
	var findings, apart []string
	for _, d := range ci.Differences(here, records.Catalogue) {
		if d.Finding() {
			findings = append(findings, d.Key)
		} else {
			apart = append(apart, d.Key)
		}
	}
	assert.Equal(t, []string{"U4/handshake", "N3", "N3/rm"}, findings)
	assert.Equal(t, []string{"L4", "L4/no-difference", "V8", "V8/podman", "V8/podman-rootless"}, apart)
}
