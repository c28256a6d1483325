package main

import (
	"bytes"
	"encoding/json"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// column is what one kernel said about each claim (and part).
type column struct {
	Kernel   string                     // as asked: "6.1", a package name, "host"
	Scenario string                     // a host scenario's name; "" for the plain run
	Def      string                     // the scenario's definition (NAME:KEY=VALUE,...)
	Seen     []string                   // what the VM's init saw of the scenario
	Release  string                     // uname -r
	Verdicts map[string]records.Verdict // claim or "claim/part" -> verdict ("confirmed/refined" when tests disagree)
	Evidence map[string][]string
	Facts    map[string]json.RawMessage // claim -> the facts its test logged
	Failed   []string                   // tests that failed: "netnotes/loopback TestX"
	Why      map[string]string          // a failed test -> what it said
	Err      string                     // the kernel could not be run to the end
	Problems []string                   // what went wrong around the tests (a module that did not load)
}

// readColumn reads a kernel's `go test -json` stream into its column,
// through the one reader of such streams (internal/stream), the report's:
// a line counts only when the run of its test, and every run above it,
// passed, and the stream does not contradict itself; a part's row is
// "ID/part"; a contradiction is one of the column's problems.
func (c *column) readColumn(data []byte) error {
	r := stream.NewReader()
	if err := r.Read(bytes.NewReader(data)); err != nil {
		return err
	}
	s := r.Summary()
	c.Verdicts, c.Evidence, c.Facts, c.Failed, c.Why = s.Verdicts, s.Evidence, s.Facts, s.Failed, s.Why
	for _, p := range s.Problems {
		c.Problems = append(c.Problems, "the stream contradicts itself: "+p.String())
	}
	return nil
}

// rowKeys lists the claims of the catalogue in order, each followed by the
// parts any column reported for it.
func rowKeys(cols []column) []string {
	return stream.RowKeys(tableColumns(cols, nil))
}
