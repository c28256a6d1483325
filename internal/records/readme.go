package records

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

//go:generate go run ../cmd/notes -readme

// The README's claim table sits between these two lines.
const (
	TableBegin = "<!-- claims:begin -->"
	TableEnd   = "<!-- claims:end -->"
)

// ReadmeTable writes the README's claim table (Markdown) from the catalogue,
// the tests that check each claim and the verdicts seen on the CI machine.
// Links are relative to the module root, where README.md lives.
func ReadmeTable(cat []Claim, scan *Scan, seen Seen) string {
	return ReadmeMatrixTable(cat, scan, seen, Matrix{})
}

// ReadmeMatrixTable is ReadmeTable with one more column per kernel line of
// a recorded matrix (MatrixFile), before the CI machine's. A cell is the
// claim's Summary: its word, and the parts that make it so.
func ReadmeMatrixTable(cat []Claim, scan *Scan, seen Seen, m Matrix) string {
	var b strings.Builder
	writeReadmeIntro(&b, seen, m)
	b.WriteString("| ID | Claim | The post | Chapter | Test |")
	for _, k := range m.Kernels {
		fmt.Fprintf(&b, " %s |", k)
	}
	b.WriteString(" Seen on CI |\n")
	b.WriteString("|----|-------|----------|---------|------|")
	for range m.Kernels {
		b.WriteString("-----|")
	}
	b.WriteString("------------|\n")
	for _, c := range cat {
		claim := c.Claim
		if by := c.RefutableOnlyBy; by != "" {
			claim += " *(refutable only by " + by + ")*"
		}
		fmt.Fprintf(&b, "| %s | %s%s | %s | [%s/](%s/) | %s |", c.ID, MarkdownCell(claim), commandsCell(c.Commands), postCell(c.Post),
			c.Chapter, c.Chapter, testsCell(scan, c.ID))
		writeVerdictCells(&b, c.ID, seen, m)
	}
	return b.String()
}

// writeReadmeIntro writes the lines above the table: where its verdicts
// come from.
func writeReadmeIntro(b *strings.Builder, seen Seen, m Matrix) {
	b.WriteString("<!-- generated from internal/records by `go generate ./internal/records`; do not edit -->\n")
	if seen.Kernel == string(NotSeen) || seen.Kernel == "" {
		b.WriteString("The last column shows the verdicts of the project's CI machine once it has run\n")
		b.WriteString("the notes (" + string(NotSeen) + ": not recorded yet). Run `make notes` to see your own kernel's.\n\n")
	} else {
		fmt.Fprintf(b, "The last column is what the project's CI machine saw (%s).\n", seen.Kernel)
		b.WriteString("Run `make notes` to see your own kernel's verdicts.\n\n")
	}
	if len(m.Kernels) > 0 {
		var rels []string
		for i, k := range m.Kernels {
			rels = append(rels, fmt.Sprintf("%s: %s", k, m.Releases[i]))
		}
		fmt.Fprintf(b, "The columns %s are Debian's kernels, booted under qemu by `make matrix` with the notes run\n", strings.Join(m.Kernels, ", "))
		fmt.Fprintf(b, "in -short mode (%s; recorded in %s).\n\n", strings.Join(rels, ", "), MatrixFile)
	}
}

// testsCell links the tests that check claim id, marking those that need
// root.
func testsCell(scan *Scan, id string) string {
	var tests []string
	for _, r := range scan.Tests(id) {
		cell := fmt.Sprintf("[%s](%s)", r.Func, r.File)
		if r.Privileged {
			cell += " (root)"
		}
		if !slices.Contains(tests, cell) {
			tests = append(tests, cell)
		}
	}
	if len(tests) == 0 {
		return string(NotSeen)
	}
	return strings.Join(tests, ", ")
}

// writeVerdictCells ends claim id's row: a cell per kernel of the matrix,
// then the CI machine's.
func writeVerdictCells(b *strings.Builder, id string, seen Seen, m Matrix) {
	// A part another column has and this one lacks (a container
	// runtime's, say, in a VM without runtimes) was not observed there.
	names := map[string]bool{}
	columns := [][]PartVerdict{PartsOf(id, seen.Parts)}
	for _, k := range m.Kernels {
		columns = append(columns, m.PartsOf(id, k))
	}
	for _, ps := range columns {
		for _, p := range ps {
			names[p.Name] = true
		}
	}
	cell := func(v Verdict, ps []PartVerdict) string {
		if v == NotSeen {
			return string(v)
		}
		for name := range names {
			if !slices.ContainsFunc(ps, func(p PartVerdict) bool { return p.Name == name }) {
				ps = append(ps, PartVerdict{name, NotSeen})
			}
		}
		slices.SortFunc(ps, func(a, b PartVerdict) int { return strings.Compare(a.Name, b.Name) })
		return MarkdownCell(Summary(v, ps))
	}
	for i, k := range m.Kernels {
		v := m.Verdict(id, k)
		if v == "" {
			v = NotSeen
		}
		fmt.Fprintf(b, " %s |", cell(v, columns[i+1]))
	}
	fmt.Fprintf(b, " %s |\n", cell(seen.Verdict(id), columns[0]))
}

// postCell is the post's section, sentence and English, for a table cell.
func postCell(p Post) string {
	if p.Section == "" {
		return ""
	}
	cell := MarkdownCell(p.Quote())
	if p.English != "" {
		cell += "<br>*" + MarkdownCell(p.English) + "*"
	}
	return cell
}

// commandsCell is the commands a reader types, folded away (a click
// shows them) so that the table stays a table.
func commandsCell(commands []string) string {
	if len(commands) == 0 {
		return ""
	}
	var lines []string
	for _, cmd := range commands {
		lines = append(lines, "<code>"+MarkdownCell(htmlText.Replace(cmd))+"</code>")
	}
	return "<details><summary>try it</summary>" + strings.Join(lines, "<br>") + "</details>"
}

// htmlText escapes what HTML would read as markup; quotes stay as typed.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// SpliceTable returns readme with the text between TableBegin and TableEnd
// replaced by table.
func SpliceTable(readme []byte, table string) ([]byte, error) {
	return Splice(readme, TableBegin, TableEnd, table)
}

// Splice returns text with what lies between the lines begin and end
// replaced by part.
func Splice(text []byte, begin, end, part string) ([]byte, error) {
	b := bytes.Index(text, []byte(begin))
	e := bytes.Index(text, []byte(end))
	if b < 0 || e < b {
		return nil, fmt.Errorf("README.md has no %s ... %s markers in that order", begin, end)
	}
	var out bytes.Buffer
	out.Write(text[:b+len(begin)])
	out.WriteString("\n")
	out.WriteString(part)
	out.Write(text[e:])
	return out.Bytes(), nil
}

// Between returns what lies between the lines begin and end of text.
func Between(text []byte, begin, end string) (string, bool) {
	b := bytes.Index(text, []byte(begin))
	e := bytes.Index(text, []byte(end))
	if b < 0 || e < b {
		return "", false
	}
	return string(text[b+len(begin)+1 : e]), true
}

// MarkdownCell makes text safe inside a Markdown table cell.
func MarkdownCell(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	return strings.ReplaceAll(text, "|", `\|`)
}
