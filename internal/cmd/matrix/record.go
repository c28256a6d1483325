package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"netnotes/internal/records"
	"netnotes/internal/vm"
)

// record writes the Debian kernels' plain columns (not the host's, which
// is the project machine's seen.txt, nor a scenario's) to the matrix file.
// The file's other columns stay as they were: recording the arm64
// kernels keeps the amd64 ones, and the other way round.
func record(path string, cols []column) error {
	old, err := records.ReadMatrix(path)
	if err != nil {
		return err
	}
	m := records.Matrix{Verdicts: map[string][]records.Verdict{}}
	// The recorded columns in their order, this run's in place of its
	// own, then this run's new ones.
	var vmCols []column
	ran := map[string]column{}
	for _, c := range cols {
		if c.Kernel != "host" && c.Scenario == "" {
			ran[c.Kernel] = c
		}
	}
	for i, k := range old.Kernels {
		if c, ok := ran[k]; ok {
			vmCols = append(vmCols, c)
			delete(ran, k)
			continue
		}
		kept := column{Kernel: k, Release: old.Releases[i], Verdicts: map[string]records.Verdict{}}
		for id := range old.Verdicts {
			if v := old.Verdict(id, k); v != "" {
				kept.Verdicts[id] = v
			}
		}
		vmCols = append(vmCols, kept)
	}
	for _, c := range cols {
		if _, ok := ran[c.Kernel]; ok && c.Kernel != "host" && c.Scenario == "" {
			vmCols = append(vmCols, c)
		}
	}
	sort.SliceStable(vmCols, func(i, j int) bool { return archOf(vmCols[i].Kernel) < archOf(vmCols[j].Kernel) })
	for _, c := range vmCols {
		m.Kernels = append(m.Kernels, c.Kernel)
		m.Releases = append(m.Releases, c.Release)
	}
	for _, id := range rowKeys(vmCols) {
		row := make([]records.Verdict, len(vmCols))
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
			if verdict == "" || verdict == records.Skipped || len(verdict.Words()) > 1 {
				continue
			}
			rec := records.Recorded{Kernel: fmt.Sprintf("Linux %s %s, as root, Debian's package under qemu (make matrix)", c.Release, machineOf(c.Kernel)),
				Verdict: verdict, Facts: facts}
			for key, v := range c.Verdicts {
				if claim, part, ok := strings.Cut(key, "/"); ok && claim == id {
					if rec.Parts == nil {
						rec.Parts = map[string]records.Verdict{}
					}
					rec.Parts[part] = v
				}
			}
			if err := records.RecordFacts(root, kernelDir(c.Release)+archSuffix(c.Kernel), id, rec); err != nil {
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

// archOf orders columns: amd64's first ("" sorts first), then by
// architecture ("arm64:6.1" is arm64's).
func archOf(kernel string) string {
	if a, _, ok := strings.Cut(kernel, ":"); ok {
		return a
	}
	return ""
}

// archSuffix tells another architecture's facts directory from amd64's:
// "linux-6.1-arm64".
func archSuffix(kernel string) string {
	if a := archOf(kernel); a != "" {
		return "-" + a
	}
	return ""
}

// machineOf is a column's machine as uname -m says it.
func machineOf(kernel string) string {
	arch, _, err := vm.SplitKernel(kernel, vm.Arches[0])
	if err != nil {
		return "unknown machine"
	}
	return arch.Machine
}

// check compares every recorded kernel line that this run also ran.
func check(path string, cols []column) ([]string, error) {
	m, err := records.ReadMatrix(path)
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
