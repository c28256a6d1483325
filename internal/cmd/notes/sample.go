package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// sampleWidth is the width the README's sample is wrapped to: a wide
// terminal's, and what a code block shows without scrolling.
const sampleWidth = 100

// sampleStream keeps, of a whole run's `go test -json` stream, the events
// of the tests that check the sample claims (records.SampleClaims).
func sampleStream(run []byte, scan *records.Scan) []byte {
	want := map[stream.Key]bool{}
	for _, id := range records.SampleClaims {
		for _, ref := range scan.Tests(id) {
			want[stream.Key{Package: scan.Module + "/" + ref.Dir, Test: ref.Func}] = true
		}
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(run))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e stream.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		if want[stream.Key{Package: e.Package, Test: topLevel(e.Test)}] {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

// sampleHead is the first line of records.SampleFile: the machine and the
// mode the sample ran in, for the README to name.
type sampleHead struct {
	Machine string
}

// recordSample writes the sample claims' events of this run to
// records.SampleFile, after a line naming the machine, when each sample
// claim got a verdict.
func recordSample(root string, scan *records.Scan, run []byte, r *Report) error {
	for _, id := range records.SampleClaims {
		if !slices.ContainsFunc(r.Rows, func(row Row) bool {
			return row.ID == id && row.Verdict != noResult && row.Verdict != records.Skipped
		}) {
			return fmt.Errorf("%s: claim %s got no verdict in this run, so the README's sample would not show it", records.SampleFile, id)
		}
	}
	head, err := json.Marshal(sampleHead{Machine: r.Env.describe()})
	if err != nil {
		return err
	}
	data := append(append(head, '\n'), sampleStream(run, scan)...)
	return os.WriteFile(filepath.Join(root, records.SampleFile), data, 0o644)
}

// readmeSample is the README's sample of `make notes` output: the rows of
// the sample claims as the report prints them, from the recorded run.
func readmeSample(root string, scan *records.Scan, seen records.Seen) (string, error) {
	run, err := os.ReadFile(filepath.Join(root, records.SampleFile))
	if err != nil {
		return "", err
	}
	machine := seen.Kernel
	first, _, _ := bytes.Cut(run, []byte("\n"))
	var head sampleHead
	if json.Unmarshal(first, &head) == nil && head.Machine != "" {
		machine = head.Machine
	}
	col := stream.NewReader()
	if err := col.Read(bytes.NewReader(run)); err != nil {
		return "", err
	}
	var cat []records.Claim
	for _, id := range records.SampleClaims {
		c, ok := records.Lookup(id)
		if !ok {
			return "", fmt.Errorf("sample claim %s is not in the catalogue", id)
		}
		cat = append(cat, c)
	}
	r := buildReport(cat, scan, col, Env{Root: true})
	var rows strings.Builder
	r.writeRows(&rows, sampleWidth)
	var b strings.Builder
	b.WriteString("<!-- generated from " + records.SampleFile + " by `go generate ./internal/records`; do not edit -->\n")
	fmt.Fprintf(&b, "Two of its rows, on the project's machine (%s):\n\n", machine)
	b.WriteString("```\n")
	b.WriteString(strings.TrimLeft(rows.String(), "\n"))
	b.WriteString("```\n")
	return b.String(), nil
}
