package main

import (
	"fmt"
	"os"
	"sort"

	"netnotes/internal/claims"
)

// record writes the Debian kernels' columns (not the host's, which is the
// project machine's seen.txt) to the matrix file.
func record(path string, cols []column) error {
	m := claims.Matrix{Verdicts: map[string][]string{}}
	var vmCols []column
	for _, c := range cols {
		if c.Kernel != "host" {
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

// check compares every recorded kernel line that this run also ran.
func check(path string, cols []column) ([]string, error) {
	m, err := claims.ReadMatrix(path)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, c := range cols {
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
