package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"netnotes/internal/claims"
)

// record writes the Debian kernels' plain columns (not the host's, which
// is the project machine's seen.txt, nor a scenario's) to the matrix file.
func record(path string, cols []column) error {
	m := claims.Matrix{Verdicts: map[string][]string{}}
	var vmCols []column
	for _, c := range cols {
		if c.Kernel != "host" && c.Scenario == "" {
			vmCols = append(vmCols, c)
			m.Kernels = append(m.Kernels, c.Kernel)
			m.Releases = append(m.Releases, c.Release)
		}
	}
	for _, id := range rowKeys(vmCols) {
		row := make([]string, len(vmCols))
		any := false
		for i, c := range vmCols {
			row[i] = c.Verdicts[id]
			if row[i] == "" {
				row[i] = "-"
			} else {
				any = true
			}
		}
		if any {
			m.Verdicts[id] = row
		}
	}
	return os.WriteFile(path, m.Format(), 0o644)
}

// recordFacts writes each Debian kernel's facts (where a claim's test logs
// them) under the chapter's testdata/facts/linux-X.Y/, so that the judges'
// tests replay what every kernel line gave. It returns how many it wrote.
func recordFacts(root string, cols []column) (int, error) {
	n := 0
	for _, c := range cols {
		if c.Kernel == "host" || c.Scenario != "" {
			continue // the project machine's facts come from make notes -record-facts; a scenario's are not the kernel line's
		}
		for id, facts := range c.Facts {
			verdict := c.Verdicts[id]
			if verdict == "" || verdict == claims.Skipped || strings.Contains(verdict, "/") {
				continue
			}
			rec := claims.Recorded{Kernel: fmt.Sprintf("Linux %s x86_64, as root, Debian's package under qemu (make matrix)", c.Release),
				Verdict: verdict, Facts: facts}
			for key, v := range c.Verdicts {
				if claim, part, ok := strings.Cut(key, "/"); ok && claim == id {
					if rec.Parts == nil {
						rec.Parts = map[string]string{}
					}
					rec.Parts[part] = v
				}
			}
			if err := claims.RecordFacts(root, kernelDir(c.Release), id, rec); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// kernelDir names a kernel line's facts directory: "linux-6.1" for
// 6.1.0-37-cloud-amd64, as make notes names the host's.
func kernelDir(release string) string {
	major, rest, _ := strings.Cut(release, ".")
	minor := strings.TrimRightFunc(strings.SplitN(rest, ".", 2)[0], func(r rune) bool { return r < '0' || r > '9' })
	return "linux-" + strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '-'
		}
		return r
	}, major+"."+minor)
}

// check compares every recorded kernel line that this run also ran.
func check(path string, cols []column) ([]string, error) {
	m, err := claims.ReadMatrix(path)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, c := range cols {
		if c.Scenario != "" {
			continue // a scenario's differences are findings, shown in the report
		}
		idx := -1
		for i, k := range m.Kernels {
			if k == c.Kernel {
				idx = i
			}
		}
		if idx < 0 {
			continue
		}
		ids := map[string]bool{}
		for id := range c.Verdicts {
			ids[id] = true
		}
		for id := range m.Verdicts {
			ids[id] = true
		}
		var sorted []string
		for id := range ids {
			sorted = append(sorted, id)
		}
		sort.Strings(sorted)
		for _, id := range sorted {
			want := m.Verdict(id, c.Kernel)
			if got := c.Verdicts[id]; got != want {
				diffs = append(diffs, fmt.Sprintf("%s on %s: recorded %q, now %q", id, c.Kernel, want, got))
			}
		}
	}
	return diffs, nil
}
