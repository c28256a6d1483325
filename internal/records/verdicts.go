package records

import (
	"regexp"
	"strings"
)

// The verdict words, as the verdict lines, seen.txt and matrix.txt carry
// them (chapters use them as records.Confirmed, ...).
const (
	Confirmed = "confirmed" // the kernel behaves as the notes say
	Refined   = "refined"   // true, with a sharper or corrected picture
	Refuted   = "refuted"   // the kernel does not behave as the notes say
	Skipped   = "skipped"   // could not be checked here
	Undecided = "undecided" // a measured part whose spread straddles the threshold
)

var partNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// IsPartName reports whether name can name a part of a claim: short,
// lower-case, digits and dashes ("handshake", "2x-at-100b").
func IsPartName(name string) bool { return partNameRE.MatchString(name) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
