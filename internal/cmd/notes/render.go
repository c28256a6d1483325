package main

import (
	"fmt"
	"io"
	"strings"

	"netnotes/internal/records"
	"netnotes/internal/stream"
	textwrap "netnotes/internal/wrap"
)

// The text report's columns: the claim under its ID and head word, the
// evidence a little further in, a part's evidence further still.
const (
	indent     = "                      "
	evIndent   = indent + "  "
	partIndent = evIndent + "  "
)

// verdictOrder is the footer's order.
var verdictOrder = append(records.Verdicts(), noResult)

// asRoot says how the notes ran: root, rootless user namespace, or
// unprivileged.
func (r *Report) asRoot() string {
	instead := r.Env.ForRealRoot
	if instead == "" {
		instead = "run `sudo make notes`"
	}
	switch {
	case r.Env.Root:
		return "root (the privileged notes ran)"
	case r.Env.Rootless != "":
		return "rootless user namespace (" + r.Env.Rootless + "): the privileged notes ran there, " +
			"but tracepoints, BPF and a second user need real root; for those, " + instead
	case r.Env.NoUserNS != "":
		return "unprivileged (not root, and no user namespace: " + r.Env.NoUserNS + "): the privileged notes skip; for them, " + instead
	}
	return "not root: the privileged notes skip; for all of them, " + instead
}

// where says where a live run ran, beyond kernel and mode: a container
// (its runtime, where it can be told) or a host, the PID namespace, and
// what the process was refused there. "" where the report read a saved
// run.
func (r *Report) where() string {
	w := r.Env.Where
	if w == nil {
		return ""
	}
	var parts []string
	switch w.Container {
	case "":
		parts = append(parts, "a host")
	case "container":
		parts = append(parts, "a container (its runtime not told)")
	default:
		parts = append(parts, "a "+w.Container+" container")
	}
	switch w.PIDNamespace {
	case "host":
		parts = append(parts, "the host's PID namespace")
	case "own":
		parts = append(parts, "a PID namespace of its own")
	}
	if len(w.MissingCaps) > 0 {
		parts = append(parts, "missing "+strings.Join(w.MissingCaps, ", ")+" (in the host's user namespace)")
	}
	if w.ProcSysReadOnly {
		parts = append(parts, "/proc/sys read-only")
	}
	if w.Lockdown != "" {
		parts = append(parts, "lockdown "+w.Lockdown)
	}
	return strings.Join(parts, "; ")
}

// where says what the run's where line records beyond the kernel and the
// mode: the node, the container, the conditions ("" for none).
func (e Env) where() string {
	if e.Where == nil {
		return ""
	}
	var s []string
	if e.Where.Host != "" {
		s = append(s, "on "+e.Where.Host)
	}
	if m := stream.Mode(*e.Where); m != e.Where.Mode {
		s = append(s, strings.TrimPrefix(m, e.Where.Mode+" "))
	}
	s = append(s, stream.Conditions(*e.Where)...)
	return strings.Join(s, "; ")
}

// footer counts the rows per verdict and the failed tests.
func (r *Report) footer() string {
	inPart := 0
	for _, row := range r.Rows {
		if row.Verdict == records.Refuted && row.Head() != records.Refuted {
			inPart++
		}
	}
	var parts []string
	for _, v := range verdictOrder {
		n := r.Counts[v]
		switch {
		case v == records.Refuted && inPart > 0:
			parts = append(parts, fmt.Sprintf("%d %s (%d in part)", n, v, inPart))
		case n > 0 || (v != noResult && v != records.Undecided):
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	failed := fmt.Sprintf("%d failed tests", len(r.Failures))
	if len(r.Failures) == 1 {
		failed = "1 failed test"
	}
	return fmt.Sprintf("%d claims, %d rows: %s; %s", r.Claims, len(r.Rows), strings.Join(parts, ", "), failed)
}

// writeText writes the report for a terminal or a log, wrapping the
// evidence to width columns.
func (r *Report) writeText(w io.Writer, width int) {
	if r.Env.Saved {
		fmt.Fprintln(w, "netnotes: what the saved run's kernel did with each claim of the notes")
	} else {
		fmt.Fprintln(w, "netnotes: what this kernel did with each claim of the notes")
	}
	fmt.Fprintf(w, "  kernel  %s, %s\n", r.Env.Kernel, r.Env.Arch)
	// One where line: a live run's own account (which says more), a
	// saved run's as its stream carries it.
	where := r.Env.where()
	if live := r.where(); live != "" && !r.Env.Saved {
		where = live
		if h := r.Env.Where.Host; h != "" {
			where = "on " + h + "; " + live
		}
	}
	if where != "" {
		fmt.Fprintf(w, "  where   %s\n", where)
	}
	fmt.Fprintf(w, "  as      %s\n", r.asRoot())
	fmt.Fprintf(w, "  go      %s\n", r.Env.GoVersion)
	fmt.Fprintf(w, "  ran     %s\n", r.Env.Command)
	if r.Env.Measured != "" {
		fmt.Fprintf(w, "  timing  %s\n", r.Env.Measured)
	}
	if r.Env.Strict {
		fmt.Fprintln(w, "  strict  NETNOTES_STRICT is set: a skip is a failure")
	}

	r.writeRows(w, width)
	for _, v := range r.Unknown {
		fmt.Fprintf(w, "\n! %s %s logged a verdict for claim %s, which the catalogue does not hold: %s\n", v.Package, v.Test, v.ID, v.Evidence)
	}
	for _, v := range r.Stray {
		fmt.Fprintf(w, "\n! %s %s logged a verdict for claim %s, but is not the test that checks it; not counted: %s %s\n",
			v.Package, v.Test, v.ID, v.Verdict, v.Evidence)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\n! the stream contradicts itself: %s\n", p)
	}

	fmt.Fprintf(w, "\n%s\n", r.footer())
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "FAILED:")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s %s: %s\n", f.Package, f.Test, f.Why)
		}
	}
	found, other := r.findings()
	if len(found) > 0 {
		fmt.Fprintf(w, "\nDifferent from the project's machine (%s), a finding:\n", r.SeenOn)
		for _, d := range found {
			fmt.Fprintf(w, "  %-18s %s there, %s here\n", d.Key, d.Was, d.Is)
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "\nNot decided on both machines, so no finding (what would decide each):\n")
		for _, d := range other {
			fmt.Fprintf(w, "  %-18s %s there, %s here\n", d.Key, d.Was, d.Is)
			for _, line := range wrap(r.apart(d), width-len(evIndent)) {
				fmt.Fprintf(w, "%s%s\n", evIndent, line)
			}
		}
	}
	if r.Counts[records.Refuted] > 0 {
		fmt.Fprintln(w, "A refuted claim is a finding about the notes, not a failure of the tests.")
	}
}

// writeRows writes a row per claim, under its chapter: the verdict and the
// claim, the post's words, the evidence and parts, the commands to try it.
func (r *Report) writeRows(w io.Writer, width int) {
	chapter := ""
	for i, row := range r.Rows {
		if row.Chapter != chapter {
			chapter = row.Chapter
			fmt.Fprintf(w, "\n%s/\n", chapter)
		}
		first := i == 0 || r.Rows[i-1].ID != row.ID
		last := i == len(r.Rows)-1 || r.Rows[i+1].ID != row.ID
		for i, line := range wrap(row.Claim, width-len(indent)) {
			if i == 0 {
				fmt.Fprintf(w, "  %-3s %-15s %s\n", row.ID, row.Head(), line)
			} else {
				fmt.Fprintf(w, "%s%s\n", indent, line)
			}
		}
		if first && !r.Brief {
			writePost(w, row.Post, evIndent, width)
		}
		for _, line := range wrap(row.Evidence, width-len(evIndent)) {
			fmt.Fprintf(w, "%s%s\n", evIndent, line)
		}
		// The parts, under the claim: each with its verdict and evidence.
		for _, p := range row.Parts {
			head := fmt.Sprintf("%s%s/%s %s", evIndent, row.ID, p.Part, p.Verdict)
			fmt.Fprintln(w, head)
			for _, line := range wrap(p.Evidence, width-len(partIndent)) {
				fmt.Fprintf(w, "%s%s\n", partIndent, line)
			}
		}
		if last && !r.Brief && len(row.Commands) > 0 {
			fmt.Fprintf(w, "%stry it, as root:\n", evIndent)
			for _, cmd := range row.Commands {
				fmt.Fprintf(w, "%s  %s\n", evIndent, cmd) // not wrapped: copied as it is
			}
		}
	}
}

// writePost writes where the post says a claim: its section, then its
// sentence quoted (Chinese text wraps between characters) and the English.
func writePost(w io.Writer, p records.Post, indent string, width int) {
	if p.Section == "" {
		return
	}
	fmt.Fprintf(w, "%sthe post, %s\n", indent, p.Cited())
	for _, line := range textwrap.Display(p.Original, width-len(indent)-2) {
		fmt.Fprintf(w, "%s> %s\n", indent, line)
	}
	for _, line := range wrap(p.English, width-len(indent)-2) {
		fmt.Fprintf(w, "%s> %s\n", indent, line)
	}
}

// writeMarkdown writes the report as Markdown, to paste into an issue or a post.
func (r *Report) writeMarkdown(w io.Writer) {
	cell := records.MarkdownCell
	title := fmt.Sprintf("Linux %s (%s)", r.Env.Kernel, r.Env.Arch)
	if r.Env.Where != nil && r.Env.Where.Host != "" {
		title += " on " + r.Env.Where.Host
	}
	fmt.Fprintf(w, "# netnotes: verdicts on %s\n\n", title)
	fmt.Fprintf(w, "- **Kernel:** %s, %s\n", r.Env.Kernel, r.Env.Arch)
	if where := r.Env.where(); where != "" {
		fmt.Fprintf(w, "- **Where:** %s\n", where)
	}
	fmt.Fprintf(w, "- **Ran as:** %s\n", r.asRoot())
	if where := r.where(); where != "" {
		fmt.Fprintf(w, "- **Where:** %s\n", where)
	}
	fmt.Fprintf(w, "- **Go:** %s\n", r.Env.GoVersion)
	fmt.Fprintf(w, "- **Command:** `%s`\n", r.Env.Command)
	if r.Env.Measured != "" {
		fmt.Fprintf(w, "- **Timing:** %s\n", r.Env.Measured)
	}
	if r.Env.Strict {
		fmt.Fprintln(w, "- **Strict:** NETNOTES_STRICT is set: a skip is a failure")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| ID | Claim | Verdict | Evidence |")
	fmt.Fprintln(w, "|----|-------|---------|----------|")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row.ID, cell(row.Claim), cell(row.Summary()), cell(row.Evidence))
		for _, p := range row.Parts {
			fmt.Fprintf(w, "| %s/%s | *(part)* | %s | %s |\n", row.ID, cell(p.Part), cell(string(p.Verdict)), cell(p.Evidence))
		}
	}
	for _, v := range r.Unknown {
		fmt.Fprintf(w, "| %s | *(not in the catalogue)* | %s | %s: %s |\n", cell(v.ID), cell(string(v.Verdict)), cell(v.Package+" "+v.Test), cell(v.Evidence))
	}
	fmt.Fprintf(w, "\n**%s**\n", r.footer())
	found, other := r.findings()
	if len(found) > 0 {
		fmt.Fprintf(w, "\nDifferent from the project's machine (%s), a finding:\n\n", r.SeenOn)
		for _, d := range found {
			fmt.Fprintf(w, "- %s: %s there, %s here\n", d.Key, d.Was, d.Is)
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "\nNot decided on both machines, so no finding:\n\n")
		for _, d := range other {
			fmt.Fprintf(w, "- %s: %s there, %s here: %s\n", d.Key, d.Was, d.Is, r.apart(d))
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\n- The stream contradicts itself: %s\n", cell(p.String()))
	}
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "\nFailed:")
		fmt.Fprintln(w)
		for _, f := range r.Failures {
			fmt.Fprintf(w, "- `%s %s`: %s\n", f.Package, f.Test, f.Why)
		}
	}
	if !r.Brief {
		r.writeMarkdownPost(w)
	}
}

// writeMarkdownPost writes, for each claim, where the post says it, in its
// words and in English, and the commands that show it.
func (r *Report) writeMarkdownPost(w io.Writer) {
	fmt.Fprintf(w, "\n## The post's words and the commands to see each claim\n")
	for i, row := range r.Rows {
		if i > 0 && r.Rows[i-1].ID == row.ID {
			continue
		}
		fmt.Fprintf(w, "\n### %s: %s\n\n", row.ID, row.Claim)
		if p := row.Post; p.Section != "" {
			fmt.Fprintf(w, "> **%s**", p.Cited())
			if p.Original != "" {
				fmt.Fprintf(w, " %s", p.Original)
			}
			fmt.Fprintf(w, "\n>\n> *%s*\n", p.English)
		}
		if len(row.Commands) > 0 {
			fmt.Fprintf(w, "\nAs root:\n\n```sh\n%s\n```\n", strings.Join(row.Commands, "\n"))
		}
	}
}

// wrap breaks text into lines of at most width columns (20 at least), at
// spaces.
func wrap(text string, width int) []string {
	return textwrap.Columns(text, max(width, 20))
}
