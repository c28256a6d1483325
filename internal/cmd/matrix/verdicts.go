package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"netnotes/internal/records"
	"sort"
	"strings"
)

// column is what one kernel said about each claim (and part).
type column struct {
	Kernel   string            // as asked: "6.1", a package name, "host"
	Scenario string            // a host scenario's name; "" for the plain run
	Def      string            // the scenario's definition (NAME:KEY=VALUE,...)
	Seen     []string          // what the VM's init saw of the scenario
	Release  string            // uname -r
	Verdicts map[string]string // claim or "claim/part" -> verdict ("confirmed/refined" when tests disagree)
	Evidence map[string][]string
	Facts    map[string]json.RawMessage // claim -> the facts its test logged
	Failed   []string                   // tests that failed: "netnotes/loopback TestX"
	Why      map[string]string          // a failed test -> what it said
	Err      string                     // the kernel could not be run to the end
	Problems []string                   // what went wrong around the tests (a module that did not load)
}

// readColumn reads a `go test -json` stream: every verdict line, a
// claim's or a part's (through records.ParseLogLine, the report's parser),
// the facts lines, and every failed test. A part's row is "ID/part".
// As in the report, a line counts only when its test, and every test above
// it, ended with a pass event (a skipped line may come from a skipped
// test): a test that failed, or that never ended because its binary died
// (a timeout gives it no event), gives no verdict.
func readColumn(stream []byte) (verdicts map[string]string, evidence map[string][]string, facts map[string]json.RawMessage, failed []string) {
	verdicts, evidence, facts = map[string]string{}, map[string][]string{}, map[string]json.RawMessage{}
	type key struct{ pkg, test string }
	partial := map[key]string{}
	results := map[key]string{}
	type logged struct {
		k    key
		text string
	}
	var lines []logged
	finished := func(k key, verdict string) bool {
		return records.Counts(func(test string) string { return results[key{k.pkg, test}] }, k.test, verdict)
	}
	line := func(k key, text string) {
		if id, f, ok := records.ParseFacts(strings.TrimSpace(text)); ok {
			if finished(k, "") {
				facts[id] = f
			}
			return
		}
		l, ok := records.ParseLogLine(text)
		if !ok || !finished(k, l.Verdict) {
			return
		}
		id, verdict, ev := l.ID, l.Verdict, l.Evidence
		if l.Part != "" {
			id += "/" + l.Part
		}
		have := verdicts[id]
		switch {
		case have == "":
			verdicts[id] = verdict
		case !strings.Contains("/"+have+"/", "/"+verdict+"/"):
			verdicts[id] = have + "/" + verdict
		}
		evidence[id] = append(evidence[id], ev)
	}
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e struct{ Action, Package, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output":
			// test2json may split a long line over several events.
			text := partial[k] + e.Output
			for {
				i := strings.IndexByte(text, '\n')
				if i < 0 {
					break
				}
				lines = append(lines, logged{k, text[:i]})
				text = text[i+1:]
			}
			partial[k] = text
		case "pass", "skip", "fail":
			if rest := partial[k]; rest != "" {
				lines = append(lines, logged{k, rest})
				partial[k] = ""
			}
			results[k] = e.Action
			if e.Action == "fail" && e.Test != "" && !strings.Contains(e.Test, "/") {
				failed = append(failed, e.Package+" "+e.Test)
			}
		}
	}
	for _, l := range lines {
		line(l.k, l.text)
		if l.k.test != "" && !strings.Contains(l.k.test, "/") && results[l.k] == "" {
			results[l.k] = "unfinished"
			failed = append(failed, l.k.pkg+" "+l.k.test+" (did not finish)")
		}
	}
	sort.Strings(failed)
	return verdicts, evidence, facts, failed
}

// rowKeys lists the claims of the catalogue in order, each followed by the
// parts any column reported for it.
func rowKeys(cols []column) []string {
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
