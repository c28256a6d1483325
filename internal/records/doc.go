// Package records is the notes' catalogue of claims and everything the
// tools (internal/cmd/notes, internal/cmd/matrix, internal/cmd/bench) do
// with what the tests report: the verdict lines' format and parsing, the
// facts recorded on real kernels (FactsDir, DrillsDir), the source scan
// that finds which test checks which claim, the verdicts seen on the CI
// machine (seen.txt), on Debian's kernels (matrix.txt), and the README's
// claim table.
//
// A chapter's tests do not import it: they use internal/claims (Check,
// Judge, TestJudge, Drill, ...), which writes the lines this package reads.
// A new claim starts here, with a row of Catalogue (CONTRIBUTING.md, "Adding a
// claim").
package records
