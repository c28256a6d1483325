package stream

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"netnotes/internal/records"
)

// Column is one run in a table of runs side by side (the matrix's kernels,
// notes -from's machines).
type Column struct {
	Head     []string                   // the column's label, a line each, top to bottom
	Verdicts map[string]records.Verdict // row ("U4", "U4/queues") -> verdict
}

// RowKeys lists the catalogue's claims in order, each followed by the
// parts any column reported for it.
func RowKeys(cols []Column) []string {
	parts := map[string][]string{}
	seen := map[string]bool{}
	for _, c := range cols {
		for id := range c.Verdicts {
			claim, _, isPart := strings.Cut(id, "/")
			if isPart && !seen[id] {
				seen[id] = true
				parts[claim] = append(parts[claim], id)
			}
		}
	}
	var keys []string
	for _, c := range records.Catalogue {
		keys = append(keys, c.ID)
		sort.Strings(parts[c.ID])
		keys = append(keys, parts[c.ID]...)
	}
	return keys
}

// WriteTable prints claims (and their parts, indented) down and the
// columns across, under headings (one per line of the columns' heads,
// "" for none), "-" where a column has no verdict, and after each cell
// the mark mark gives it ("*", "?"; "" for none). A claim's cell is its
// head word (records.Head: "partly refuted"), its parts' rows below it.
func WriteTable(w io.Writer, headings []string, cols []Column, mark func(col int, row string) string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, h := range headings {
		line := []string{h}
		for _, c := range cols {
			cell := ""
			if i < len(c.Head) {
				cell = c.Head[i]
			}
			line = append(line, cell)
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	for _, id := range RowKeys(cols) {
		row := []string{id}
		if strings.Contains(id, "/") {
			row[0] = "  " + id
		}
		for i, c := range cols {
			v := OrDash(c.Verdicts[id])
			if v != "-" && !strings.Contains(id, "/") {
				v = string(records.Head(c.Verdicts[id], records.PartsOf(id, c.Verdicts)))
			}
			if mark != nil {
				if m := mark(i, id); m != "" {
					v += " " + m
				}
			}
			row = append(row, v)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

// OrDash is v, or "-" for no verdict.
func OrDash(v records.Verdict) string {
	if v == "" {
		return "-"
	}
	return string(v)
}
