package claims

import "encoding/json"

// What the claims package's own tests look into.
var (
	Uncovered       = uncovered
	RefutingCaseRan = refutingCaseRan
	LeftBehind      = leftBehind
)

// Unsupported is unsupported for facts given as JSON only.
func Unsupported(evidence string, facts []byte, rule ...string) []string {
	return unsupported(evidence, facts, nil, rule)
}

// UnsupportedFacts is unsupported for typed facts (their JSON too).
func UnsupportedFacts(evidence string, facts any, rule ...string) []string {
	data, err := json.Marshal(facts)
	if err != nil {
		panic(err)
	}
	return unsupported(evidence, data, facts, rule)
}

// CheckEvidence is checkEvidence for a test's recorder.
var CheckEvidence = checkEvidence
