package main

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"

	"netnotes/internal/records"
)

// The page (-html, `make notes HTML=notes.html`): the notes in the post's
// order, one self-contained HTML file (its style, the topologies' SVG and
// the performance chart inside it; no script, nothing fetched), for a
// browser. .ci/run opens it in headless Chromium (page_browser_test.go).

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// chartFile is the performance chart the page shows under U8.
const chartFile = "uds/bench.svg"

// chartClaims are the claims whose section shows the chart.
var chartClaims = []string{"U8"}

type page struct {
	Title, TitleEnglish, Author, Site string
	Report                            *Report
	As                                string   // how the notes ran
	Kernels                           []string // the matrix's kernel lines
	SeenOn                            string
	Sections                          []pageSection
	Chart                             template.URL // the chart as a data: URL, "" without one
	Footer                            string
}

type pageSection struct {
	Anchor          string // the section's id on the page
	Number, Heading string
	// PartTwo: not a section of the post but one of the series' next
	// parts, an article the post's §1 lists (Heading is its title).
	PartTwo bool
	Claims  []pageClaim
}

type pageClaim struct {
	records.Claim
	Verdict  records.Verdict // the claim's verdict here; "confirmed/refuted" when its rows differ
	Rows     []Row
	Others   []otherVerdict
	Topology template.HTML
	Caption  string
	Chart    bool
}

type otherVerdict struct {
	Kernel  string
	Verdict records.Verdict
}

// writePage writes the report as the page, beside the other kernels'
// verdicts (the matrix) and the CI machine's (seen).
func writePage(w io.Writer, root string, r *Report, cat []records.Claim, m records.Matrix, seen records.Seen) error {
	p := page{
		Title: records.PostTitle, TitleEnglish: records.PostTitleEnglish, Author: records.PostAuthor, Site: records.PostSite,
		Report: r, As: r.asRoot(), Kernels: m.Kernels, SeenOn: seen.Kernel, Footer: r.footer(),
	}
	if svg, err := os.ReadFile(filepath.Join(root, chartFile)); err == nil {
		p.Chart = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	}
	bySection := map[string]*pageSection{}
	var partTwo []*pageSection
	for _, s := range records.Sections {
		bySection[s.Number] = &pageSection{Anchor: "s-" + s.Number, Number: s.Number, Heading: s.Heading}
	}
	for _, c := range cat {
		pc := pageClaim{Claim: c}
		for _, row := range r.Rows {
			if row.ID == c.ID {
				pc.Rows = append(pc.Rows, row)
				pc.Verdict = pc.Verdict.Join(row.Verdict)
			}
		}
		if pc.Verdict == "" {
			pc.Verdict = noResult
		}
		for _, k := range m.Kernels {
			if v := m.Verdict(c.ID, k); v != "" {
				pc.Others = append(pc.Others, otherVerdict{k, v})
			}
		}
		if v := seen.Verdict(c.ID); v != "" && v != records.NotSeen {
			pc.Others = append(pc.Others, otherVerdict{"CI", v})
		}
		if t, ok := records.Topologies[c.ID]; ok {
			pc.Topology = template.HTML(topologySVG(c.ID, t)) // built from the catalogue, every text escaped
			pc.Caption = t.Caption
		}
		pc.Chart = p.Chart != "" && slices.Contains(chartClaims, c.ID)
		key := c.Post.Section
		if c.Post.Reference != "" {
			key = "ref " + c.Post.Reference
		}
		s, ok := bySection[key]
		if !ok {
			s = &pageSection{Anchor: fmt.Sprintf("part-two-%d", len(partTwo)+1), Number: c.Post.Section, Heading: c.Post.Reference, PartTwo: true}
			bySection[key] = s
			partTwo = append(partTwo, s)
		}
		s.Claims = append(s.Claims, pc)
	}
	for _, s := range records.Sections {
		if sec := bySection[s.Number]; len(sec.Claims) > 0 {
			p.Sections = append(p.Sections, *sec)
		}
	}
	for _, s := range partTwo {
		p.Sections = append(p.Sections, *s)
	}
	if err := pageTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("the page: %w", err)
	}
	return nil
}

// writePageFile writes the page to path.
func writePageFile(path, root string, r *Report) error {
	seen, err := records.ReadSeen(filepath.Join(root, records.SeenFile), records.Catalogue)
	if err != nil {
		return err
	}
	m, err := records.ReadMatrix(filepath.Join(root, records.MatrixFile))
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writePage(f, root, r, records.Catalogue, m, seen); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
