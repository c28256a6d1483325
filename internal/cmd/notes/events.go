package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"netnotes/internal/records"
	"regexp"
	"slices"
	"strings"
)

// event is one line of `go test -json` (see `go doc cmd/test2json`), plus
// the build events of `go test -json` (Action build-output, ImportPath).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string
}

// verdictLine is one "claim ID: verdict — evidence" line a test logged,
// with the part lines ("claim ID/part: ...") the same test logged for that
// claim before it.
type verdictLine struct {
	ID, Verdict, Evidence string
	Package, Test         string
	Parts                 []records.VerdictLine
	Facts                 string // the facts line's JSON, when the test logged one
}

// testKey names a test (or, with Test empty, a package's own output).
type testKey struct{ Package, Test string }

// pkgResult is one package's run.
type pkgResult struct {
	Path        string
	Action      string // pass, fail, skip; "" while running
	Elapsed     float64
	Output      []string // the package's own lines (no test), build output included
	Verdicts    int
	BuildFailed bool
}

// collector reads the event stream. It joins Output events back into lines
// per test before looking for verdict lines: test2json splits a long line
// into several events, and parallel tests interleave theirs.
type collector struct {
	partial  map[testKey]*strings.Builder
	lines    map[testKey][]string // every whole line each test printed
	results  map[testKey]string   // a test's final action: pass, fail, skip
	pkgs     map[string]*pkgResult
	build    map[string][]string // build output per package path
	pkgOrder []string
	verdicts []verdictLine
	pending  map[testKey]*verdictLine      // parts and facts waiting for their claim's line
	onEvent  func(e event, pkg *pkgResult) // progress, may be nil
	onStart  func()                        // called once, when the first test binary starts; may be nil
	raw      *bytes.Buffer                 // the stream as read, when asked to keep it (-record-sample); may be nil
}

func newCollector() *collector {
	return &collector{
		partial: map[testKey]*strings.Builder{},
		lines:   map[testKey][]string{},
		results: map[testKey]string{},
		pkgs:    map[string]*pkgResult{},
		build:   map[string][]string{},
		pending: map[testKey]*verdictLine{},
	}
}

// read consumes a whole `go test -json` stream. Lines that are not JSON
// (go test's own complaints) are kept as output of an unnamed package.
func (c *collector) read(r io.Reader) error {
	if c.raw != nil {
		r = io.TeeReader(r, c.raw)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			c.add(event{Action: "output", Output: string(line) + "\n"})
			continue
		}
		c.add(e)
	}
	c.flushAll()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading go test -json: %w", err)
	}
	return nil
}

func (c *collector) pkg(path string) *pkgResult {
	p, ok := c.pkgs[path]
	if !ok {
		p = &pkgResult{Path: path}
		c.pkgs[path] = p
		c.pkgOrder = append(c.pkgOrder, path)
	}
	return p
}

func (c *collector) add(e event) {
	if e.Action == "start" && c.onStart != nil {
		c.onStart()
		c.onStart = nil
	}
	switch e.Action {
	case "build-output":
		path := buildPackage(e.ImportPath)
		c.build[path] = append(c.build[path], strings.TrimRight(e.Output, "\n"))
	case "build-fail":
		// The package's own fail event (with FailedBuild) follows.
	case "output":
		k := testKey{e.Package, e.Test}
		b, ok := c.partial[k]
		if !ok {
			b = &strings.Builder{}
			c.partial[k] = b
		}
		b.WriteString(e.Output)
		text := b.String()
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			for _, line := range strings.Split(text[:i], "\n") {
				c.line(k, line)
			}
			b.Reset()
			b.WriteString(text[i+1:])
		}
	case "pass", "fail", "skip", "bench":
		k := testKey{e.Package, e.Test}
		if e.Test != "" {
			c.flush(k)
			c.results[k] = e.Action
			break
		}
		for k := range c.partial {
			if k.Package == e.Package {
				c.flush(k)
			}
		}
		p := c.pkg(e.Package)
		p.Action, p.Elapsed = e.Action, e.Elapsed
		p.BuildFailed = e.FailedBuild != ""
		if e.FailedBuild != "" {
			p.Output = append(slices.Clone(c.build[buildPackage(e.FailedBuild)]), p.Output...)
		}
	case "start":
		c.pkg(e.Package)
	}
	if c.onEvent != nil {
		var p *pkgResult
		if e.Package != "" {
			p = c.pkg(e.Package)
		}
		c.onEvent(e, p)
	}
}

// buildPackage turns a build ImportPath ("netnotes/uds [netnotes/uds.test]")
// into the package path.
func buildPackage(importPath string) string {
	path, _, _ := strings.Cut(importPath, " ")
	return path
}

func (c *collector) flush(k testKey) {
	if b, ok := c.partial[k]; ok {
		if b.Len() > 0 {
			c.line(k, b.String())
		}
		delete(c.partial, k)
	}
}

func (c *collector) flushAll() {
	for k := range c.partial {
		c.flush(k)
	}
}

// line handles one whole line of output.
func (c *collector) line(k testKey, line string) {
	if k.Test == "" {
		if k.Package != "" || strings.TrimSpace(line) != "" {
			p := c.pkg(k.Package)
			p.Output = append(p.Output, line)
		}
		return
	}
	c.lines[k] = append(c.lines[k], line)
	// Only a test's own log (the "file_test.go:12: " prefix) carries
	// verdicts; a verdict quoted in other output is not one.
	if id, facts, ok := records.ParseFacts(line); ok && logPrefixRE.MatchString(line) {
		c.facts(k, id, string(facts))
		return
	}
	l, ok := records.ParseLogLine(line)
	if !ok {
		return
	}
	p := c.pendingFor(k, l.ID)
	if l.Part != "" {
		p.Parts = append(p.Parts, l)
		return
	}
	delete(c.pending, testKey{k.Package, k.Test + "\x00" + l.ID})
	p.Verdict, p.Evidence = l.Verdict, l.Evidence
	c.verdicts = append(c.verdicts, *p)
	if k.Package != "" {
		c.pkg(k.Package).Verdicts++
	}
}

// facts files what test k logged as claim id's facts: with the verdict
// line it follows (claims.Judge logs the facts last), or, from a test that
// logs them first, with the verdict to come.
func (c *collector) facts(k testKey, id, facts string) {
	if _, waiting := c.pending[testKey{k.Package, k.Test + "\x00" + id}]; !waiting {
		for i := len(c.verdicts) - 1; i >= 0; i-- {
			v := &c.verdicts[i]
			if v.Package == k.Package && v.Test == k.Test && v.ID == id {
				if v.Facts == "" {
					v.Facts = facts
					return
				}
				break
			}
		}
	}
	c.pendingFor(k, id).Facts = facts
}

var logPrefixRE = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// pendingFor returns what test k has logged so far about claim id.
func (c *collector) pendingFor(k testKey, id string) *verdictLine {
	key := testKey{k.Package, k.Test + "\x00" + id}
	p, ok := c.pending[key]
	if !ok {
		p = &verdictLine{ID: id, Package: k.Package, Test: k.Test}
		c.pending[key] = p
	}
	return p
}

// failedTests lists the tests that failed, parents only when none of their
// subtests failed (a failed subtest fails its parent too).
func (c *collector) failedTests() []testKey {
	var failed []testKey
	for k, action := range c.results {
		if action == "fail" {
			failed = append(failed, k)
		}
	}
	var leaves []testKey
	for _, k := range failed {
		leaf := true
		for _, other := range failed {
			if other.Package == k.Package && strings.HasPrefix(other.Test, k.Test+"/") {
				leaf = false
				break
			}
		}
		if leaf {
			leaves = append(leaves, k)
		}
	}
	sortKeys(leaves)
	return leaves
}

// linesUnder returns the output of test k and of its subtests.
func (c *collector) linesUnder(k testKey) []string {
	var keys []testKey
	for other := range c.lines {
		if other.Package == k.Package && (other.Test == k.Test || strings.HasPrefix(other.Test, k.Test+"/")) {
			keys = append(keys, other)
		}
	}
	sortKeys(keys)
	var lines []string
	for _, other := range keys {
		lines = append(lines, c.lines[other]...)
	}
	return lines
}

// passed reports whether the test that logged v, and every test above it,
// ended with a pass event (a skipped line may come from a skipped test).
// A test with no event at all did not finish: its binary died first.
func (c *collector) passed(v verdictLine) bool {
	return records.Counts(func(test string) string { return c.results[testKey{v.Package, test}] }, v.Test, v.Verdict)
}
