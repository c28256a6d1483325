package records

// SampleFile keeps what the project's CI machine's tests logged for the
// README's sample claims: their `go test -json` events, as a run gave
// them. `notes -update-seen` (or -record-sample) writes it; `notes
// -readme` turns it into the README's sample of `make notes` output, with
// the report's own code, between SampleBegin and SampleEnd.
const SampleFile = "internal/records/sample.jsonl"

// SampleClaims are the claims the README shows as a sample: the post's
// "UDS is twice as fast" and its same-namespace ping.
var SampleClaims = []string{"U8", "V5"}

// The README's sample sits between these two lines.
const (
	SampleBegin = "<!-- sample:begin -->"
	SampleEnd   = "<!-- sample:end -->"
)
