package claims_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/claims"
)

// A number glued to its unit is a number: "1.99x", "123ms" and "77KiB"
// are checked, each in its unit, and the second end of an interval is
// checked as the first is.
func TestEvidenceChecksEveryNumberWithItsUnit(t *testing.T) {
	ratios := []byte(`{"Ratios":[1.46,1.49]}`)
	assert.Empty(t, claims.Unsupported("1.46-1.49x", ratios))
	assert.Equal(t, []string{"1.99x"}, claims.Unsupported("1.46-1.99x", ratios), "an interval's end no pair gave")
	assert.Equal(t, []string{"1.04x"}, claims.Unsupported("ratio 0.99-1.04x", []byte(`{"Ratios":[1.0512,0.9871]}`)),
		"the end glued to its x")
	assert.Empty(t, claims.Unsupported("TCP 0.68x as fast", ratios), "a ratio read the other way round (1/1.46)")

	// A JSON number is in the quantity's unit, or in its dimension's base
	// (bytes, nanoseconds: a time.Duration).
	assert.Empty(t, claims.Unsupported("waited 123ms for 77KiB", []byte(`{"Wait":123400000,"Size":78848}`)))
	assert.Empty(t, claims.Unsupported("waited 123 ms for 77 KiB", []byte(`{"WaitMS":123,"SizeKiB":77}`)))
	assert.Equal(t, []string{"123ms", "77KiB"}, claims.Unsupported("waited 123ms for 77KiB", []byte(`{"Wait":124,"Size":1000}`)))
	// A quantity written with its unit in a fact's string is that quantity.
	assert.Empty(t, claims.Unsupported("reply in 0.057ms", []byte(`{"Reply":"time=56.767µs"}`)))
	assert.Equal(t, []string{"57 B"}, claims.Unsupported("57 B", []byte(`{"Reply":"time=56.767µs"}`)), "a time is no size")
	// A count is written as it is; a percentage may be a fraction.
	assert.Equal(t, []string{"2"}, claims.Unsupported("2 cells", []byte(`{"Ratio":1.6}`)), "a rounded ratio is no count")
	assert.Empty(t, claims.Unsupported("92% interval", []byte(`{"Coverage":0.9232}`)))

	// ifindex 3 is a number; a name's digits are not.
	assert.Equal(t, []string{"4"}, claims.Unsupported("nn1-2a@if4", []byte(`{"Dev":"nn1-2a","Index":3}`)))
	assert.Empty(t, claims.Unsupported("nn1-2a@if3: no ipv6, not the EUI-64; unlink(2) refused", []byte(`{"Dev":"nn1-2a","Index":3}`)))
}

// A null holds nothing: "0" is held by an empty list (a nil one of the
// typed facts too), not by any null in the facts.
func TestEvidenceHoldsNoZeroForANull(t *testing.T) {
	assert.Equal(t, []string{"0"}, claims.Unsupported("0 events", []byte(`{"Events":null,"Err":null}`)))
	type facts struct{ Events []string }
	assert.Empty(t, claims.UnsupportedFacts("0 events", facts{}), "a nil list is an empty one")
	assert.Empty(t, claims.Unsupported("0 events", []byte(`{"Events":[]}`)))
}

// What the rule itself names it registers with its unit, and it allows
// that quantity only; what the rule derives from the facts comes from
// the facts (Deriver), so it holds only for facts that give it.
func TestEvidenceRuleNumbersHaveUnitsAndDerivedOnesFollowTheFacts(t *testing.T) {
	none := []byte(`{}`)
	assert.Empty(t, claims.Unsupported("more than 25% apart", none, "25%"))
	assert.Equal(t, []string{"25 ms", "25"}, claims.Unsupported("after 25 ms, 25 cells", none, "25%"))
	assert.Panics(t, func() { claims.Register("N2", func(int) claims.Finding { return claims.Confirm("x") }, "4") },
		"a rule's number without a unit")

	assert.Empty(t, claims.UnsupportedFacts("16 pairs less the 4 lowest and highest, 92% interval", pairs{N: 16}))
	assert.Equal(t, []string{"4", "92%"}, claims.UnsupportedFacts("less the 4 lowest and highest, 92% interval", pairs{N: 5}))
	type nested struct{ Inner []pairs }
	assert.Empty(t, claims.UnsupportedFacts("92%", nested{Inner: []pairs{{N: 16}}}), "a Deriver inside the facts")
}

// pairs is a facts type whose rule derives an interval's trims and
// coverage from its pair count (as bench.Facts does).
type pairs struct{ N int }

func (p pairs) Derived() []string {
	if p.N == 16 {
		return []string{"4", "92%"}
	}
	return []string{"0", "94%"}
}

// A refusal names the way out: the facts, a Deriver, or the rule's
// number with its unit.
func TestEvidenceRefusalNamesTheWayOut(t *testing.T) {
	r := run(t, func(r *recorder) {
		claims.CheckEvidence(r, "N1", nil, []byte(`{"Ratios":[1.46,1.49]}`), claims.Refine("1.46-1.99x, 3 cells"))
	})
	msg := strings.Join(r.errors, "\n")
	assert.Contains(t, msg, "the evidence says 1.99x, 3, which the facts do not hold")
	assert.Contains(t, msg, "claims.Deriver")
	assert.Contains(t, msg, `claims.Register("N1", judge, "1.99x")`)
}
