package claims

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// SeenFile is where the verdicts of the project's CI machine are kept,
// relative to the module root. The README's claim table shows them.
const SeenFile = "internal/claims/seen.txt"

// NotSeen stands for a verdict (or kernel) not recorded yet.
const NotSeen = "—"

// Seen is what the project's CI machine reported in its last full run.
type Seen struct {
	Kernel   string            // "Linux 6.18.44 x86_64, as root"; NotSeen before the first run
	Verdicts map[string]string // claim ID -> verdict; a missing ID was not seen
	Parts    map[string]string // "ID/part" -> the part's verdict
}

// Verdict returns what was seen for id, or NotSeen.
func (s Seen) Verdict(id string) string {
	if v, ok := s.Verdicts[id]; ok && v != "" {
		return v
	}
	return NotSeen
}

// ReadSeen reads a seen file. Every ID in it must be in cat.
func ReadSeen(path string, cat []Claim) (Seen, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seen{}, err
	}
	return ParseSeen(data, cat)
}

// ParseSeen parses the seen file's text: comment lines start with #, a line
// "kernel TEXT" names the machine, every other line is "ID VERDICT" or, for
// a part of a claim, "ID/part VERDICT". Every verdict must be a verdict word
// (several, joined by "/", where a claim's tests disagreed).
func ParseSeen(data []byte, cat []Claim) (Seen, error) {
	s := Seen{Kernel: NotSeen, Verdicts: map[string]string{}, Parts: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		value = strings.TrimSpace(value)
		if value == "" {
			return Seen{}, fmt.Errorf("%s line %d: %q has no value", SeenFile, n, line)
		}
		if key == "kernel" {
			s.Kernel = value
			continue
		}
		id, part, isPart := strings.Cut(key, "/")
		if _, ok := lookupIn(cat, id); !ok {
			return Seen{}, fmt.Errorf("%s line %d: claim %q is not in the catalogue", SeenFile, n, id)
		}
		into, words := s.Verdicts, []string{Confirmed, Refined, Refuted, Skipped, NotSeen}
		if isPart {
			if !partNameRE.MatchString(part) {
				return Seen{}, fmt.Errorf("%s line %d: %q is not a part name", SeenFile, n, part)
			}
			into, words = s.Parts, append(words, Undecided)
		}
		for _, w := range strings.Split(value, "/") {
			if !slices.Contains(words, w) {
				return Seen{}, fmt.Errorf("%s line %d: %q is not a verdict", SeenFile, n, w)
			}
		}
		if _, dup := into[key]; dup {
			return Seen{}, fmt.Errorf("%s line %d: claim %s twice", SeenFile, n, key)
		}
		into[key] = value
	}
	return s, sc.Err()
}

// Differences lists, claim by claim and part by part, where now differs
// from s, as "U4/queues: refuted on the CI machine, confirmed here". A claim
// or part that one side did not see, or could not observe (skipped), is not
// a difference: it says nothing about what the two kernels did. (Strict
// mode, which CI sets, fails on every skip anyway.)
func (s Seen) Differences(now Seen, cat []Claim) []Difference {
	var diffs []Difference
	for _, c := range cat {
		was, is := s.Verdict(c.ID), now.Verdict(c.ID)
		if observed(was) && observed(is) && was != is {
			diffs = append(diffs, Difference{Key: c.ID, Was: was, Is: is})
		}
		for _, key := range slices.Sorted(maps.Keys(now.Parts)) {
			if id, _, _ := strings.Cut(key, "/"); id != c.ID {
				continue
			}
			if was, ok := s.Parts[key]; ok && observed(was) && observed(now.Parts[key]) && was != now.Parts[key] {
				diffs = append(diffs, Difference{Key: key, Was: was, Is: now.Parts[key]})
			}
		}
	}
	return diffs
}

// observed reports whether a seen verdict says what a kernel did.
func observed(verdict string) bool { return verdict != NotSeen && verdict != Skipped && verdict != "" }

// Difference is one claim (or "ID/part") whose verdict changed.
type Difference struct {
	Key, Was, Is string
}

// Flip reports whether the difference turns a decided verdict into its
// opposite (confirmed and refuted), the one change a measurement's noise
// cannot explain: a spread rule moves a measured verdict between decided
// and undecided (refined), never across.
func (d Difference) Flip() bool {
	decided := func(v string) bool { return v == Confirmed || v == Refuted }
	return decided(d.Was) && decided(d.Is)
}

// Measured lists the claims whose verdicts come from timing measurements:
// the report runs their tests alone, after the others, so that nothing else
// of the run shares the CPUs while they measure.
var Measured = []string{"L4", "L5", "U8", "U9"}

// IsMeasured reports whether claim id is judged from a measurement.
func IsMeasured(id string) bool {
	id, _, _ = strings.Cut(id, "/")
	return slices.Contains(Measured, id)
}

// Format writes s as a seen file, one line per claim of cat.
func (s Seen) Format(cat []Claim) []byte {
	var b bytes.Buffer
	b.WriteString("# The verdicts seen on the project's CI machine, shown in the README's claim table.\n")
	b.WriteString("# Not edited by hand: as root on that machine, run\n")
	b.WriteString("#     go run ./internal/cmd/notes -update-seen\n")
	b.WriteString("# which runs every note, rewrites this file and the README's table.\n")
	kernel := s.Kernel
	if kernel == "" {
		kernel = NotSeen
	}
	fmt.Fprintf(&b, "kernel %s\n", kernel)
	for _, c := range cat {
		fmt.Fprintf(&b, "%s %s\n", c.ID, s.Verdict(c.ID))
		for _, key := range slices.Sorted(maps.Keys(s.Parts)) {
			if id, _, _ := strings.Cut(key, "/"); id == c.ID {
				fmt.Fprintf(&b, "%s %s\n", key, s.Parts[key])
			}
		}
	}
	return b.Bytes()
}

func lookupIn(cat []Claim, id string) (Claim, bool) {
	for _, c := range cat {
		if c.ID == id {
			return c, true
		}
	}
	return Claim{}, false
}
