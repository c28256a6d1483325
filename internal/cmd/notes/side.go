package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"netnotes/internal/exit"
	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// savedRun is one saved stream, as a column.
type savedRun struct {
	file  string
	name  string         // what the text calls it: its node, or its file
	where *records.Where // nil: the stream has no where line
	sum   stream.Summary
}

// sideBySide reads several saved runs (-from, given more than once) and
// prints one column per run, the way make matrix prints kernels: each
// labelled from its own where line (node, kernel, architecture, mode,
// conditions), a verdict marked where it differs from the first decided
// one of its row, those differences with both sides' evidence, then what
// was decided on some machines only, and each run's failures. It fails
// when a run had a failed test or contradicts itself.
func sideBySide(files []string, md string, stdout, stderr io.Writer) error {
	var runs []savedRun
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return exit.CannotRun(err)
		}
		col := stream.NewReader()
		err = col.Read(f)
		f.Close()
		if err != nil {
			return exit.CannotRun(fmt.Errorf("%s: %w", file, err))
		}
		r := savedRun{file: file, name: strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), sum: col.Summary()}
		if w, ok := col.Where(); ok {
			r.where = &w
			if w.Host != "" {
				r.name = w.Host
			}
		}
		runs = append(runs, r)
	}
	// Two runs of one node (the host and a container on it): their
	// column number tells them apart.
	count := map[string]int{}
	for _, r := range runs {
		count[r.name]++
	}
	for i := range runs {
		if count[runs[i].name] > 1 {
			runs[i].name += fmt.Sprintf(" [%d]", i+1)
		}
	}
	d := compareRuns(runs)
	writeSideBySide(stdout, runs, d)
	if md != "" {
		var b bytes.Buffer
		writeSideBySideMarkdown(&b, runs, d)
		if err := os.WriteFile(md, b.Bytes(), 0o644); err != nil {
			return exit.Failed(err)
		}
		fmt.Fprintf(stderr, "notes: the table is also in %s\n", md)
	}
	for _, r := range runs {
		if len(r.sum.Failed) > 0 || len(r.sum.Problems) > 0 {
			return exit.Failed(nil)
		}
	}
	return nil
}

// decided reports whether a cell holds a decided verdict: confirmed,
// refined, refuted (or several, where a claim's tests disagree). Skipped,
// undecided and no verdict decide nothing.
func decided(v records.Verdict) bool { return v != "" && v.Decided() }

// comparison is what the columns say against each other.
type comparison struct {
	keys     []string
	differs  map[int]map[string]bool // column -> row -> differs from the row's first decided verdict
	findings []string                // rows where two decided verdicts differ
	partly   []string                // rows decided in some columns, not in others
}

func compareRuns(runs []savedRun) comparison {
	cols := columnsOf(runs)
	c := comparison{keys: stream.RowKeys(cols), differs: map[int]map[string]bool{}}
	for _, key := range c.keys {
		var first records.Verdict
		some, all := false, true
		for i, r := range runs {
			v := r.sum.Verdicts[key]
			if !decided(v) {
				all = false
				continue
			}
			some = true
			if first == "" {
				first = v
			} else if v != first {
				if c.differs[i] == nil {
					c.differs[i] = map[string]bool{}
				}
				c.differs[i][key] = true
			}
		}
		for i := range runs {
			if c.differs[i][key] {
				c.findings = append(c.findings, key)
				break
			}
		}
		if some && !all {
			c.partly = append(c.partly, key)
		}
	}
	return c
}

func columnsOf(runs []savedRun) []stream.Column {
	var cols []stream.Column
	for _, r := range runs {
		head := []string{r.name, "(no where line)", "", "", ""}
		if r.where != nil {
			head = stream.Label(*r.where, r.name)
			head[0] = r.name
		}
		cols = append(cols, stream.Column{Head: head, Verdicts: r.sum.Verdicts})
	}
	return cols
}

func writeSideBySide(w io.Writer, runs []savedRun, c comparison) {
	fmt.Fprintf(w, "netnotes: %d saved runs side by side\n", len(runs))
	for i, r := range runs {
		where := "where it ran is not recorded in the stream (it has no where line)"
		if r.where != nil {
			where = stream.Describe(*r.where)
		}
		fmt.Fprintf(w, "  %d  %s  %s\n", i+1, r.file, where)
	}
	fmt.Fprintln(w)
	stream.WriteTable(w, []string{"claim", "kernel", "arch", "as", "where"}, columnsOf(runs),
		func(col int, key string) string {
			if c.differs[col][key] {
				return "*"
			}
			return ""
		})
	if len(c.findings) > 0 {
		fmt.Fprintln(w, "* differs from the first decided verdict of its row: both sides decided, a finding (see below)")
	}
	cell := func(r savedRun, key string) string {
		return fmt.Sprintf("%s %s", r.name, stream.OrDash(r.sum.Verdicts[key]))
	}
	evidence := func(r savedRun, key string) {
		ev := r.sum.Evidence[key]
		if len(ev) == 0 {
			fmt.Fprintf(w, "      %s: no verdict line counted\n", r.name)
		}
		for _, e := range ev {
			fmt.Fprintf(w, "      %s: %s\n", r.name, e)
		}
	}
	if len(c.findings) > 0 {
		fmt.Fprintf(w, "\nDifferent where both sides decided, a finding: %d\n", len(c.findings))
		for _, key := range c.findings {
			var cells []string
			for _, r := range runs {
				if decided(r.sum.Verdicts[key]) {
					cells = append(cells, cell(r, key))
				}
			}
			fmt.Fprintf(w, "  %s: %s\n", key, strings.Join(cells, "; "))
			for _, r := range runs {
				if decided(r.sum.Verdicts[key]) {
					evidence(r, key)
				}
			}
		}
	}
	if len(c.partly) > 0 {
		fmt.Fprintf(w, "\nDecided on some runs only, not a finding (each undecided or skipped line says why): %d\n", len(c.partly))
		for _, key := range c.partly {
			var cells []string
			for _, r := range runs {
				cells = append(cells, cell(r, key))
			}
			fmt.Fprintf(w, "  %s: %s\n", key, strings.Join(cells, "; "))
			for _, r := range runs {
				if v := r.sum.Verdicts[key]; !decided(v) && v != "" {
					evidence(r, key)
				}
			}
		}
	}
	for _, r := range runs {
		for _, f := range r.sum.Failed {
			if why := r.sum.Why[f]; why != "" {
				fmt.Fprintf(w, "%s: FAIL %s: %s\n", r.name, f, why)
			} else {
				fmt.Fprintf(w, "%s: FAIL %s\n", r.name, f)
			}
		}
		for _, p := range r.sum.Problems {
			fmt.Fprintf(w, "%s: the stream contradicts itself: %s\n", r.name, p)
		}
	}
}

func writeSideBySideMarkdown(w io.Writer, runs []savedRun, c comparison) {
	cell := records.MarkdownCell
	fmt.Fprintf(w, "# netnotes: %d saved runs side by side\n\n", len(runs))
	head, rule := "| claim |", "|-------|"
	for i, col := range columnsOf(runs) {
		where := "(no where line)"
		if runs[i].where != nil {
			where = stream.Describe(*runs[i].where)
		}
		fmt.Fprintf(w, "- **%s** (`%s`): %s\n", runs[i].name, runs[i].file, where)
		head += " " + cell(strings.Join(col.Head[:3], " ")) + " |"
		rule += "----|"
	}
	fmt.Fprintf(w, "\n%s\n%s\n", head, rule)
	for _, key := range c.keys {
		line := "| " + key + " |"
		for i, r := range runs {
			v := stream.OrDash(r.sum.Verdicts[key])
			if c.differs[i][key] {
				v = "**" + v + "** \\*"
			}
			line += " " + cell(v) + " |"
		}
		fmt.Fprintln(w, line)
	}
	if len(c.findings) > 0 {
		fmt.Fprintln(w, "\n\\* differs from the first decided verdict of its row: both sides decided, a finding.")
	}
}
