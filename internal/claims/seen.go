package claims

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
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
// "kernel TEXT" names the machine, every other line is "ID VERDICT".
func ParseSeen(data []byte, cat []Claim) (Seen, error) {
	s := Seen{Kernel: NotSeen, Verdicts: map[string]string{}}
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
		if _, ok := lookupIn(cat, key); !ok {
			return Seen{}, fmt.Errorf("%s line %d: claim %q is not in the catalogue", SeenFile, n, key)
		}
		if _, dup := s.Verdicts[key]; dup {
			return Seen{}, fmt.Errorf("%s line %d: claim %s twice", SeenFile, n, key)
		}
		s.Verdicts[key] = value
	}
	return s, sc.Err()
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
