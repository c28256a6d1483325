package records

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
)

// MatrixFile records the verdicts the matrix (internal/cmd/matrix) saw on
// Debian's kernel lines, relative to the module root; the README's claim
// table shows one column per kernel line from it.
const MatrixFile = "internal/records/matrix.txt"

// Matrix is the recorded verdicts per kernel line.
type Matrix struct {
	Kernels  []string             // "5.10", "6.1", "6.12"
	Releases []string             // the release each was recorded on: "6.1.0-37-cloud-amd64"
	Verdicts map[string][]Verdict // claim or "claim/part" -> one verdict per kernel ("-" for none)
}

// Verdict returns the recorded verdict of id on kernel, or "".
func (m Matrix) Verdict(id, kernel string) Verdict {
	for i, k := range m.Kernels {
		if k == kernel && i < len(m.Verdicts[id]) && m.Verdicts[id][i] != "-" {
			return m.Verdicts[id][i]
		}
	}
	return ""
}

// PartsOf returns the parts of claim id recorded on kernel, by name.
func (m Matrix) PartsOf(id, kernel string) []PartVerdict {
	keyed := map[string]Verdict{}
	for key := range m.Verdicts {
		if v := m.Verdict(key, kernel); v != "" {
			keyed[key] = v
		}
	}
	return PartsOf(id, keyed)
}

// ReadMatrix reads a matrix file; a missing file is an empty matrix.
func ReadMatrix(path string) (Matrix, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return Matrix{Verdicts: map[string][]Verdict{}}, nil
	}
	if err != nil {
		return Matrix{}, err
	}
	return ParseMatrix(data)
}

// ParseMatrix reads the format Format writes.
func ParseMatrix(data []byte) (Matrix, error) {
	m := Matrix{Verdicts: map[string][]Verdict{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[0] == "kernel" && len(f) == 3:
			m.Kernels = append(m.Kernels, f[1])
			m.Releases = append(m.Releases, f[2])
		case len(f) == len(m.Kernels)+1:
			id, _, _ := strings.Cut(f[0], "/")
			if _, ok := Lookup(id); !ok {
				return m, fmt.Errorf("%s:%d: claim %s is not in the catalogue (removed from it? delete its lines here and in %s, then go generate ./internal/records)", MatrixFile, n, id, SeenFile)
			}
			for _, v := range f[1:] {
				m.Verdicts[f[0]] = append(m.Verdicts[f[0]], Verdict(v))
			}
		default:
			return m, fmt.Errorf("%s:%d: want a kernel line or a claim with %d verdicts: %q", MatrixFile, n, len(m.Kernels), sc.Text())
		}
	}
	return m, sc.Err()
}

// Format writes the matrix file, rows in catalogue order (parts after
// their claim).
func (m Matrix) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# The verdicts the matrix saw on Debian's kernel lines (internal/cmd/matrix,\n")
	b.WriteString("# the notes with -short inside qemu), shown in the README's claim table.\n")
	b.WriteString("# Not edited by hand: as root, run\n#     make matrix MATRIXFLAGS=-record\n")
	for i, k := range m.Kernels {
		fmt.Fprintf(&b, "kernel %s %s\n", k, m.Releases[i])
	}
	for _, c := range Catalogue {
		var ids []string
		for id := range m.Verdicts {
			if id == c.ID || strings.HasPrefix(id, c.ID+"/") {
				ids = append(ids, id)
			}
		}
		sortParts(ids)
		for _, id := range ids {
			fmt.Fprintf(&b, "%s", id)
			for _, v := range m.Verdicts[id] {
				fmt.Fprintf(&b, " %s", v)
			}
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// AddNotSeen gives each claim of cat that the matrix does not name a row
// of NotSeen, one per kernel, and reports whether it added any: a claim
// new to the catalogue, until make matrix records it.
func (m *Matrix) AddNotSeen(cat []Claim) bool {
	added := false
	for _, c := range cat {
		if _, ok := m.Verdicts[c.ID]; ok || len(m.Kernels) == 0 {
			continue
		}
		if m.Verdicts == nil {
			m.Verdicts = map[string][]Verdict{}
		}
		m.Verdicts[c.ID] = slices.Repeat([]Verdict{NotSeen}, len(m.Kernels))
		added = true
	}
	return added
}

// sortParts orders a claim before its parts, parts by name.
func sortParts(ids []string) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && partLess(ids[j], ids[j-1]); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func partLess(a, b string) bool {
	if !strings.Contains(a, "/") {
		return true
	}
	if !strings.Contains(b, "/") {
		return false
	}
	return a < b
}
