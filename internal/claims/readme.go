package claims

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
	var b strings.Builder
	b.WriteString("<!-- generated from internal/claims by `go generate ./internal/claims`; do not edit -->\n")
	if seen.Kernel == NotSeen || seen.Kernel == "" {
		b.WriteString("The last column shows the verdicts of the project's CI machine once it has run\n")
		b.WriteString("the notes (" + NotSeen + ": not recorded yet). Run `make notes` to see your own kernel's.\n\n")
	} else {
		fmt.Fprintf(&b, "The last column is what the project's CI machine saw (%s).\n", seen.Kernel)
		b.WriteString("Run `make notes` to see your own kernel's verdicts.\n\n")
	}
	b.WriteString("| ID | Claim | Chapter | Test | Seen on CI |\n")
	b.WriteString("|----|-------|---------|------|------------|\n")
	for _, c := range cat {
		var tests []string
		for _, r := range scan.Tests(c.ID) {
			cell := fmt.Sprintf("[%s](%s)", r.Func, r.File)
			if r.Privileged {
				cell += " (root)"
			}
			if !slices.Contains(tests, cell) {
				tests = append(tests, cell)
			}
		}
		test := NotSeen
		if len(tests) > 0 {
			test = strings.Join(tests, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | [%s/](%s/) | %s | %s |\n",
			c.ID, MarkdownCell(c.Claim), c.Chapter, c.Chapter, test, MarkdownCell(seen.Verdict(c.ID)))
	}
	return b.String()
}

// SpliceTable returns readme with the text between TableBegin and TableEnd
// replaced by table.
func SpliceTable(readme []byte, table string) ([]byte, error) {
	begin := bytes.Index(readme, []byte(TableBegin))
	end := bytes.Index(readme, []byte(TableEnd))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("README.md has no %s ... %s markers in that order", TableBegin, TableEnd)
	}
	var out bytes.Buffer
	out.Write(readme[:begin+len(TableBegin)])
	out.WriteString("\n")
	out.WriteString(table)
	out.Write(readme[end:])
	return out.Bytes(), nil
}

// MarkdownCell makes text safe inside a Markdown table cell.
func MarkdownCell(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	return strings.ReplaceAll(text, "|", `\|`)
}
