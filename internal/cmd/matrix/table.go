package main

import (
	"fmt"
	"io"
	"strings"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// difference is a verdict a scenario gave that its kernel's plain run did
// not give, with both runs' evidence.
type difference struct {
	ID, Kernel, Scenario    string
	Plain, Now              records.Verdict // "" where a run gave no verdict
	PlainEvidence, Evidence []string
}

func (d difference) String() string {
	return fmt.Sprintf("%s on %s %s: %s (plain) -> %s", d.ID, d.Kernel, d.Scenario, stream.OrDash(d.Plain), stream.OrDash(d.Now))
}

// finding reports whether the difference is a finding: both runs decided
// (records.Verdict.Decided), and differently. A run that skipped the claim, left
// it undecided or gave no verdict says nothing of what the kernel did.
func (d difference) finding() bool {
	return d.Plain != "" && d.Now != "" && d.Plain.Decided() && d.Now.Decided()
}

// decides says what would decide a difference that is no finding.
func (d difference) decides() string {
	var why []string
	for _, run := range []struct {
		name string
		v    records.Verdict
	}{{d.Scenario, d.Now}, {"plain", d.Plain}} {
		switch {
		case run.v == "":
			why = append(why, "the "+run.name+" run gave no verdict: a run in which its test finishes (see the failures above)")
		case run.v.Has(records.Skipped):
			why = append(why, "the "+run.name+" run could not observe it: what it needs, as its evidence says")
		case run.v.Has(records.Undecided):
			why = append(why, "the "+run.name+" run's measurement straddled its threshold: a quieter run")
		}
	}
	return "no finding: " + strings.Join(why, "; ")
}

// scenarioDiffs compares each scenario's column with its kernel's plain
// column, row by row. A column that could not be run to the end (its own
// or the plain one) is compared with nothing: its error says why.
func scenarioDiffs(cols []column) []difference {
	plain := map[string]*column{}
	for i := range cols {
		if cols[i].Scenario == "" {
			plain[cols[i].Kernel] = &cols[i]
		}
	}
	var diffs []difference
	keys := rowKeys(cols)
	for _, c := range cols {
		p := plain[c.Kernel]
		if c.Scenario == "" || p == nil || c.Err != "" || p.Err != "" {
			continue
		}
		for _, id := range keys {
			if c.Verdicts[id] == "" && partOfSkipped(c, id) {
				continue // the claim's own row says why: its parts were never tried
			}
			if c.Verdicts[id] != p.Verdicts[id] {
				diffs = append(diffs, difference{ID: id, Kernel: c.Kernel, Scenario: c.Scenario,
					Plain: p.Verdicts[id], Now: c.Verdicts[id], PlainEvidence: p.Evidence[id], Evidence: c.Evidence[id]})
			}
		}
	}
	return diffs
}

// partOfSkipped reports whether id is a part of a claim that c skipped
// whole (lockdown closing tracefs under L2, say).
func partOfSkipped(c column, id string) bool {
	claim, _, isPart := strings.Cut(id, "/")
	return isPart && c.Verdicts[claim] == records.Skipped
}

// writeTable prints claim (and part) x kernel (and scenario), then what
// failed per column, then each scenario's differences from its kernel's
// plain run, with the evidence of both.
func writeTable(w io.Writer, cols []column, diffs []difference, evidence bool) {
	mark := map[string]string{} // kernel, scenario, id -> "*" (a finding) or "?" (not decided in both runs)
	var found, apart []difference
	for _, d := range diffs {
		m := "?"
		if d.finding() {
			m = "*"
			found = append(found, d)
		} else {
			apart = append(apart, d)
		}
		mark[d.Kernel+"\x00"+d.Scenario+"\x00"+d.ID] = m
	}
	anyScenario := false
	for _, c := range cols {
		anyScenario = anyScenario || c.Scenario != ""
	}
	headings := []string{"claim", ""}
	if anyScenario {
		headings = []string{"claim", "", ""}
	}
	stream.WriteTable(w, headings, tableColumns(cols, func(c column) []string {
		if anyScenario {
			return []string{c.Kernel, orPlain(c.Scenario), c.Release}
		}
		return []string{c.Kernel, c.Release}
	}), func(i int, id string) string {
		c := cols[i]
		return mark[c.Kernel+"\x00"+c.Scenario+"\x00"+id]
	})
	if len(found) > 0 {
		fmt.Fprintln(w, "* differs from the same kernel's plain run, both decided: a finding, see below")
	}
	if len(apart) > 0 {
		fmt.Fprintln(w, "? differs, but one of the two runs did not decide it (skipped, undecided, no verdict): no finding, see below")
	}
	writeFailures(w, cols)
	if anyScenario {
		writeScenarios(w, cols, found, apart)
	}
	if evidence {
		writeAllEvidence(w, cols)
	}
}

// writeFailures prints what failed in each column, and why.
func writeFailures(w io.Writer, cols []column) {
	for _, c := range cols {
		name := strings.TrimSpace(c.Kernel + " " + c.Scenario)
		if c.Err != "" {
			fmt.Fprintf(w, "\n%s\n", c.Err) // it names the kernel
		}
		for _, p := range c.Problems {
			fmt.Fprintf(w, "%s: %s\n", name, p)
		}
		for _, f := range c.Failed {
			if why := c.Why[f]; why != "" {
				fmt.Fprintf(w, "%s: FAIL %s: %s\n", name, f, why)
			} else {
				fmt.Fprintf(w, "%s: FAIL %s\n", name, f)
			}
		}
	}
}

// writeScenarios prints each scenario as its VM's init saw it, then the
// differences from each kernel's plain run: the findings, then those one
// run did not decide.
func writeScenarios(w io.Writer, cols []column, found, apart []difference) {
	fmt.Fprintf(w, "\nScenarios, as each VM's init saw them:\n")
	for _, c := range cols {
		if c.Scenario == "" {
			continue
		}
		fmt.Fprintf(w, "  %s %s\n", c.Kernel, c.Def)
		for _, s := range c.Seen {
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
	fmt.Fprintf(w, "\nDifferences from each kernel's plain run, decided in both (findings): %d\n", len(found))
	for _, d := range found {
		fmt.Fprintf(w, "  %s\n", d)
		writeEvidence(w, d.Scenario, d.Now, d.Evidence)
		writeEvidence(w, "plain", d.Plain, d.PlainEvidence)
	}
	if len(apart) == 0 {
		return
	}
	fmt.Fprintf(w, "\nDifferences that one run did not decide (no findings): %d\n", len(apart))
	for _, d := range apart {
		fmt.Fprintf(w, "  %s\n", d)
		writeEvidence(w, d.Scenario, d.Now, d.Evidence)
		writeEvidence(w, "plain", d.Plain, d.PlainEvidence)
		fmt.Fprintf(w, "      %s\n", d.decides())
	}
}

// writeAllEvidence prints every column's evidence, claim by claim.
func writeAllEvidence(w io.Writer, cols []column) {
	for _, c := range cols {
		fmt.Fprintf(w, "\n== %s (%s)\n", strings.TrimSpace(c.Kernel+" "+c.Scenario), c.Release)
		for _, id := range rowKeys(cols) {
			for _, e := range c.Evidence[id] {
				fmt.Fprintf(w, "%s: %s\n", id, e)
			}
		}
	}
}

// tableColumns are the kernels' columns as the shared table takes them,
// each headed by head (nil: no head).
func tableColumns(cols []column, head func(column) []string) []stream.Column {
	var out []stream.Column
	for _, c := range cols {
		t := stream.Column{Verdicts: c.Verdicts}
		if head != nil {
			t.Head = head(c)
		}
		out = append(out, t)
	}
	return out
}

func orPlain(s string) string {
	if s == "" {
		return "plain"
	}
	return s
}

func writeEvidence(w io.Writer, who string, verdict records.Verdict, ev []string) {
	if verdict == "" {
		fmt.Fprintf(w, "      %s: no verdict (a failed or missing test: see the failures above)\n", who)
		return
	}
	for _, e := range ev {
		fmt.Fprintf(w, "      %s: %s\n", who, e)
	}
}
