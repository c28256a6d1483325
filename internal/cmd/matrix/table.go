package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writeTable prints claim (and part) x kernel, then what failed per kernel.
func writeTable(w io.Writer, cols []column, evidence bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"claim"}
	rel := []string{""}
	for _, c := range cols {
		head = append(head, c.Kernel)
		rel = append(rel, c.Release)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	fmt.Fprintln(tw, strings.Join(rel, "\t"))
	for _, id := range rowKeys(cols) {
		row := []string{id}
		if strings.Contains(id, "/") {
			row[0] = "  " + id
		}
		for _, c := range cols {
			v := c.Verdicts[id]
			if v == "" {
				v = "-"
			}
			row = append(row, v)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for _, c := range cols {
		if c.Err != "" {
			fmt.Fprintf(w, "\n%s\n", c.Err) // it names the kernel
		}
		for _, p := range c.Problems {
			fmt.Fprintf(w, "%s: %s\n", c.Kernel, p)
		}
		for _, f := range c.Failed {
			fmt.Fprintf(w, "%s: FAIL %s\n", c.Kernel, f)
		}
	}
	if !evidence {
		return
	}
	for _, c := range cols {
		fmt.Fprintf(w, "\n== %s (%s)\n", c.Kernel, c.Release)
		for _, id := range rowKeys(cols) {
			for _, e := range c.Evidence[id] {
				fmt.Fprintf(w, "%s: %s\n", id, e)
			}
		}
	}
}
