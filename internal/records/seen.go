package records

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
const SeenFile = "internal/records/seen.txt"

// Seen is what the project's CI machine reported in its last full run.
type Seen struct {
	Kernel   string             // "Linux 6.18.44 x86_64, as root"; NotSeen before the first run
	Verdicts map[string]Verdict // claim ID -> verdict; a missing ID was not seen
	Parts    map[string]Verdict // "ID/part" -> the part's verdict
}

// Verdict returns what was seen for id, or NotSeen.
func (s Seen) Verdict(id string) Verdict {
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
	s := Seen{Kernel: string(NotSeen), Verdicts: map[string]Verdict{}, Parts: map[string]Verdict{}}
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
			return Seen{}, fmt.Errorf("%s line %d: claim %q is not in the catalogue (removed from it? delete its lines here and in %s, then go generate ./internal/records)", SeenFile, n, id, MatrixFile)
		}
		into := s.Verdicts
		if isPart {
			if !partNameRE.MatchString(part) {
				return Seen{}, fmt.Errorf("%s line %d: %q is not a part name", SeenFile, n, part)
			}
			into = s.Parts
		}
		for _, w := range Verdict(value).Words() {
			if !w.Valid() && w != NotSeen {
				return Seen{}, fmt.Errorf("%s line %d: %q is not a verdict", SeenFile, n, w)
			}
		}
		if _, dup := into[key]; dup {
			return Seen{}, fmt.Errorf("%s line %d: claim %s twice", SeenFile, n, key)
		}
		into[key] = Verdict(value)
	}
	return s, sc.Err()
}

// Differences lists, claim by claim and part by part, where now differs
// from s, as "U4/queues: refuted on the CI machine, confirmed here": every
// claim and every part, but for a claim that one side could not observe
// at all (skipped), which says nothing about what the kernels did. A claim
// or part that one side has and the other lacks (it appeared, or
// disappeared, or was not run), or that one side could not observe or
// decide, is a difference too, but no finding (Difference.Finding).
//
// A measurement's spread may move a measured part (Claim.MeasuredParts) between
// decided and undecided: such a difference, and its claim's change when
// the claim's changed parts are all such moves, is marked Noise. Nothing
// else is: a part that is not measured is compared strictly, even within a
// measured claim.
func (s Seen) Differences(now Seen, cat []Claim) []Difference {
	var diffs []Difference
	for _, c := range cat {
		was, is := s.Verdict(c.ID), now.Verdict(c.ID)
		if was == Skipped || is == Skipped {
			continue // nothing observed on one side, its parts included
		}
		var partDiffs []Difference
		keys := map[string]bool{}
		for _, m := range []map[string]Verdict{s.Parts, now.Parts} {
			for key := range m {
				if id, _, _ := strings.Cut(key, "/"); id == c.ID {
					keys[key] = true
				}
			}
		}
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			was, is := partVerdict(s.Parts, key), partVerdict(now.Parts, key)
			if was == is {
				continue
			}
			d := Difference{Key: key, Was: was, Is: is}
			d.Noise = IsMeasuredPart(key) && was != NotSeen && is != NotSeen && (was == Undecided) != (is == Undecided)
			partDiffs = append(partDiffs, d)
		}
		if was != is {
			d := Difference{Key: c.ID, Was: was, Is: is}
			d.Noise = len(partDiffs) > 0 && was != NotSeen && is != NotSeen
			for _, p := range partDiffs {
				d.Noise = d.Noise && p.Noise
				d.partsApart = d.partsApart || !p.Finding()
			}
			diffs = append(diffs, d)
		}
		diffs = append(diffs, partDiffs...)
	}
	return diffs
}

func partVerdict(parts map[string]Verdict, key string) Verdict {
	if v, ok := parts[key]; ok && v != "" {
		return v
	}
	return NotSeen
}

// Difference is one claim (or "ID/part") whose verdict changed; NotSeen on
// a side where it did not appear.
type Difference struct {
	Key     string
	Was, Is Verdict
	// Noise: a measured part that moved between decided and undecided, as
	// a measurement's spread can, or a claim that changed only by such
	// moves of its parts.
	Noise bool
	// partsApart: a claim some of whose changed parts are not findings.
	partsApart bool
}

// Finding reports whether the difference is a finding: a decided verdict
// (Decided) on each side, and for a claim, every changed part's too. An
// undecided measurement, or a claim or part one side did not run or
// could not observe, is listed apart, with what would decide it.
func (d Difference) Finding() bool {
	return d.Was.Decided() && d.Is.Decided() && !d.partsApart
}

// Flip reports whether the difference turns a decided verdict into its
// opposite (confirmed and refuted).
func (d Difference) Flip() bool {
	decided := func(v Verdict) bool { return v == Confirmed || v == Refuted }
	return decided(d.Was) && decided(d.Is)
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
		kernel = string(NotSeen)
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
