// Package stream reads a run of the notes from its `go test -json` stream:
// the verdict lines a test logged (a claim's, its parts', its facts), the
// where line each chapter's test binary logs at its start
// (records.WhereLine), and how each run of each test ended. It is the one
// reader of such streams: the report (make notes, notes -from), the
// matrix's kernels and the image's containers all read through it.
//
// A line stands in a report only when the stream itself vouches for it:
//
//   - the run of the test that logged it passed (a skipped run stands for
//     its own "skipped" line only), and so did every run above it; a test
//     run twice (-count=2) ends each run on its own, so a verdict of a run
//     that then failed is not counted, whatever the other run did;
//   - it is the message of a t.Log line ("    file_test.go:12: claim
//     ..."), not the indented continuation of a longer message;
//   - the stream does not contradict itself about it: a run that logged
//     two verdicts for one claim, a claim line its own part lines do not
//     combine to (records.Combined), a parent run that passed while one of
//     its subtests failed, where lines of different machines in one
//     stream. Such a stream is not believed: each contradiction is a
//     Problem, and the lines it touches are not counted.
package stream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"netnotes/internal/records"
)

// Event is one line of `go test -json` (see `go doc cmd/test2json`), with
// the build events `go test -json` adds (Action build-output, ImportPath).
type Event struct {
	Action      string
	Package     string
	Test        string  `json:",omitempty"`
	Elapsed     float64 `json:",omitempty"`
	Output      string  `json:",omitempty"`
	FailedBuild string  `json:",omitempty"`
	ImportPath  string  `json:",omitempty"`
}

// Key names a test of a package, or with Test empty the package's own
// output.
type Key struct{ Package, Test string }

// Verdict is a claim's verdict line as one run of a test logged it, with
// the part lines and the facts line the run logged for that claim before it.
type Verdict struct {
	ID            string
	Verdict       records.Verdict
	Evidence      string
	Package, Test string
	Parts         []records.VerdictLine
	Facts         string // the facts line's JSON, when the run logged one
}

// Package is one package's run.
type Package struct {
	Path        string
	Action      string // pass, fail, skip; "" while running
	Elapsed     float64
	Output      []string // the package's own lines (no test), build output included
	Verdicts    int      // verdict lines its tests logged, counted or not
	BuildFailed bool
}

// Problem is a place where the stream contradicts itself; what it touches
// is not counted.
type Problem struct {
	Package, Test string
	What          string
}

func (p Problem) String() string {
	return strings.TrimSpace(p.Package+" "+p.Test) + ": " + p.What
}

// run is one run of one test.
type run struct {
	key      Key
	parent   *run
	children []*run
	result   string // pass, fail, skip; "" while running, or when it never ended
	lines    []string
	pending  map[string]*Verdict // per claim: the parts and facts before its line
	verdicts []*Verdict
	claims   map[string][]records.Verdict // per claim: the verdicts this run logged for it
}

// Reader reads one stream, or several one after the other (the report's
// phases): every test run, every package and every where line.
type Reader struct {
	// OnEvent, if set, sees every event after the Reader has taken it in,
	// with its package (nil for an event of no package).
	OnEvent func(e Event, p *Package)
	// OnStart, if set, is called once, at the first start event.
	OnStart func()

	partial  map[Key]*strings.Builder
	current  map[Key]*run // the latest run of each test
	runs     []*run       // in the order they started
	pkgs     map[string]*Package
	pkgOrder []string
	build    map[string][]string // build output per package path
	wheres   []where
}

type where struct {
	pkg string
	w   records.Where
}

// NewReader returns a Reader with nothing read.
func NewReader() *Reader {
	return &Reader{
		partial: map[Key]*strings.Builder{},
		current: map[Key]*run{},
		pkgs:    map[string]*Package{},
		build:   map[string][]string{},
	}
}

// Read reads a whole stream (and may be called again for the next).
// Lines that are not JSON (go test's own complaints) are kept as output of
// an unnamed package.
func (r *Reader) Read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		r.Line(sc.Bytes())
	}
	r.flushAll()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading go test -json: %w", err)
	}
	return nil
}

// Line takes one line of a stream.
func (r *Reader) Line(line []byte) {
	var e Event
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
		r.Add(Event{Action: "output", Output: string(line) + "\n"})
		return
	}
	r.Add(e)
}

// Add takes one event.
func (r *Reader) Add(e Event) {
	if e.Action == "start" && r.OnStart != nil {
		r.OnStart()
		r.OnStart = nil
	}
	k := Key{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		path := buildPackage(e.ImportPath)
		r.build[path] = append(r.build[path], strings.TrimRight(e.Output, "\n"))
	case "build-fail":
		// The package's own fail event (with FailedBuild) follows.
	case "run":
		if e.Test != "" {
			r.flush(k)
			r.newRun(k)
		}
	case "output":
		b, ok := r.partial[k]
		if !ok {
			b = &strings.Builder{}
			r.partial[k] = b
		}
		b.WriteString(e.Output)
		text := b.String()
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			for _, line := range strings.Split(text[:i], "\n") {
				r.line(k, line)
			}
			b.Reset()
			b.WriteString(text[i+1:])
		}
	case "pass", "fail", "skip", "bench":
		if e.Test != "" {
			r.flush(k)
			r.runOf(k).result = e.Action
			break
		}
		for pk := range r.partial {
			if pk.Package == e.Package {
				r.flush(pk)
			}
		}
		p := r.pkg(e.Package)
		p.Action, p.Elapsed = e.Action, e.Elapsed
		p.BuildFailed = e.FailedBuild != ""
		if e.FailedBuild != "" {
			p.Output = append(slices.Clone(r.build[buildPackage(e.FailedBuild)]), p.Output...)
		}
	case "start":
		r.pkg(e.Package)
	}
	if r.OnEvent != nil {
		var p *Package
		if e.Package != "" {
			p = r.pkg(e.Package)
		}
		r.OnEvent(e, p)
	}
}

// buildPackage turns a build ImportPath ("netnotes/uds [netnotes/uds.test]")
// into the package path.
func buildPackage(importPath string) string {
	path, _, _ := strings.Cut(importPath, " ")
	return path
}

func (r *Reader) pkg(path string) *Package {
	p, ok := r.pkgs[path]
	if !ok {
		p = &Package{Path: path}
		r.pkgs[path] = p
		r.pkgOrder = append(r.pkgOrder, path)
	}
	return p
}

// newRun starts a run of test k, under the latest run of its parent.
func (r *Reader) newRun(k Key) *run {
	t := &run{key: k, pending: map[string]*Verdict{}, claims: map[string][]records.Verdict{}}
	if i := strings.LastIndexByte(k.Test, '/'); i >= 0 {
		t.parent = r.runOf(Key{k.Package, k.Test[:i]})
		t.parent.children = append(t.parent.children, t)
	}
	r.current[k] = t
	r.runs = append(r.runs, t)
	return t
}

// runOf is the latest run of test k; a stream without run events (a
// crafted one, or a test2json that gave none) starts one at its first line.
func (r *Reader) runOf(k Key) *run {
	if t, ok := r.current[k]; ok {
		return t
	}
	return r.newRun(k)
}

func (r *Reader) flush(k Key) {
	if b, ok := r.partial[k]; ok {
		if b.Len() > 0 {
			r.line(k, b.String())
		}
		delete(r.partial, k)
	}
}

func (r *Reader) flushAll() {
	for k := range r.partial {
		r.flush(k)
	}
}

const wherePrefix = "netnotes where: "

// line takes one whole line of output.
func (r *Reader) line(k Key, line string) {
	if k.Test == "" {
		if k.Package != "" || strings.TrimSpace(line) != "" {
			p := r.pkg(k.Package)
			p.Output = append(p.Output, line)
		}
		// A binary logs where it ran before its first test: a line of
		// its own, from its first column.
		if strings.HasPrefix(line, wherePrefix) {
			if w, ok := records.ParseWhere(line); ok {
				r.wheres = append(r.wheres, where{k.Package, w})
			}
		}
		return
	}
	t := r.runOf(k)
	t.lines = append(t.lines, line)
	msg, ok := records.LogMessage(line)
	if !ok {
		return
	}
	if strings.HasPrefix(msg, wherePrefix) {
		if w, ok := records.ParseWhere(msg); ok {
			r.wheres = append(r.wheres, where{k.Package, w})
		}
		return
	}
	if id, facts, ok := records.ParseLogFacts(line); ok {
		t.facts(id, string(facts))
		return
	}
	l, ok := records.ParseLogLine(line)
	if !ok {
		return
	}
	v := t.pendingFor(l.ID)
	if l.Part != "" {
		v.Parts = append(v.Parts, l)
		return
	}
	delete(t.pending, l.ID)
	v.Verdict, v.Evidence = l.Verdict, l.Evidence
	t.verdicts = append(t.verdicts, v)
	t.claims[l.ID] = append(t.claims[l.ID], l.Verdict)
	if k.Package != "" {
		r.pkg(k.Package).Verdicts++
	}
}

// facts files a facts line of run t: with the verdict line it follows
// (claims.Judge logs the facts last), or, logged before its claim's line
// (a skip's, an older binary's), with the verdict to come.
func (t *run) facts(id, facts string) {
	if _, waiting := t.pending[id]; !waiting {
		for i := len(t.verdicts) - 1; i >= 0; i-- {
			if v := t.verdicts[i]; v.ID == id {
				if v.Facts == "" {
					v.Facts = facts
					return
				}
				break
			}
		}
	}
	t.pendingFor(id).Facts = facts
}

// pendingFor returns what run t has logged so far about claim id.
func (t *run) pendingFor(id string) *Verdict {
	v, ok := t.pending[id]
	if !ok {
		v = &Verdict{ID: id, Package: t.key.Package, Test: t.key.Test}
		t.pending[id] = v
	}
	return v
}

// Verdicts lists the verdict lines the stream vouches for (see the package
// doc), in the order they were logged.
func (r *Reader) Verdicts() []Verdict {
	var out []Verdict
	for _, t := range r.runs {
		for _, v := range t.verdicts {
			if r.counts(t, v) {
				out = append(out, *v)
			}
		}
	}
	return out
}

// counts says whether v, logged by run t, stands.
func (r *Reader) counts(t *run, v *Verdict) bool {
	switch t.result {
	case "pass":
	case "skip":
		if v.Verdict != records.Skipped {
			return false
		}
	default:
		return false
	}
	for p := t.parent; p != nil; p = p.parent {
		if p.result != "pass" {
			return false
		}
	}
	return !t.failedBelow() && len(t.claims[v.ID]) == 1 && partsDisagree(v) == ""
}

// failedBelow reports whether a run under t failed.
func (t *run) failedBelow() bool {
	for _, c := range t.children {
		if c.result == "fail" || c.failedBelow() {
			return true
		}
	}
	return false
}

// partsDisagree says how v's part lines contradict its claim line: the
// claim's verdict must be what its parts combine to (records.Combined), and
// each part is logged once.
func partsDisagree(v *Verdict) string {
	if len(v.Parts) == 0 {
		return ""
	}
	var names, words []string
	var verdicts []records.Verdict
	for _, p := range v.Parts {
		if slices.Contains(names, p.Part) {
			return fmt.Sprintf("claim %s's part %s is logged twice", v.ID, p.Part)
		}
		names = append(names, p.Part)
		verdicts = append(verdicts, p.Verdict)
		words = append(words, p.Part+" "+string(p.Verdict))
	}
	if want := records.Combined(verdicts...); want != v.Verdict && v.Verdict != combinedBefore(v.Parts) {
		return fmt.Sprintf("claim %s says %s, but its parts (%s) combine to %s", v.ID, v.Verdict, strings.Join(words, ", "), want)
	}
	return ""
}

// combinedBefore is the rule claims.Combine had before a claim's word
// showed its parts (issue 32): parts that disagree, or one refined or
// undecided, made the claim refined. A stream saved then (a claim
// refined with a refuted part) is not a contradiction: its part lines say
// what held, and the report words the claim from them (records.Summary).
func combinedBefore(parts []records.VerdictLine) records.Verdict {
	n, count := 0, map[records.Verdict]int{}
	for _, p := range parts {
		if p.Verdict != records.Skipped {
			n++
			count[p.Verdict]++
		}
	}
	switch {
	case n == 0:
		return records.Skipped
	case count[records.Confirmed] == n:
		return records.Confirmed
	case count[records.Refuted] == n:
		return records.Refuted
	}
	return records.Refined
}

// Problems lists where the stream contradicts itself.
func (r *Reader) Problems() []Problem {
	var out []Problem
	for _, t := range r.runs {
		k := t.key
		if t.result == "pass" && t.failedBelow() {
			out = append(out, Problem{k.Package, k.Test, "passed, though a subtest under it failed (go test fails the parent of a failed subtest); its lines are not counted"})
		}
		for _, id := range slices.Sorted(maps.Keys(t.claims)) {
			if vs := t.claims[id]; len(vs) > 1 {
				out = append(out, Problem{k.Package, k.Test, fmt.Sprintf("logged %d verdicts for claim %s in one run (%s); none is counted", len(vs), id, joinVerdicts(vs))})
			}
		}
		for _, v := range t.verdicts {
			if why := partsDisagree(v); why != "" {
				out = append(out, Problem{k.Package, k.Test, why + "; not counted"})
			}
		}
	}
	if len(r.wheres) > 1 {
		first := r.wheres[0]
		for _, w := range r.wheres[1:] {
			if !sameWhere(first.w, w.w) {
				out = append(out, Problem{w.pkg, "", fmt.Sprintf("ran on %s, but %s ran on %s: one stream holds runs of different machines", Describe(w.w), first.pkg, Describe(first.w))})
				break
			}
		}
	}
	return out
}

func sameWhere(a, b records.Where) bool {
	a.MissingCaps, b.MissingCaps = slices.Clone(a.MissingCaps), slices.Clone(b.MissingCaps)
	slices.Sort(a.MissingCaps)
	slices.Sort(b.MissingCaps)
	return slices.Equal(a.MissingCaps, b.MissingCaps) && a.Host == b.Host && a.Kernel == b.Kernel && a.Arch == b.Arch &&
		a.GoVersion == b.GoVersion && a.Mode == b.Mode && a.Container == b.Container && a.PIDNamespace == b.PIDNamespace &&
		a.ProcSysReadOnly == b.ProcSysReadOnly && a.Lockdown == b.Lockdown
}

// Where is where the stream's run ran, from its first where line; false
// when it has none (a stream saved before test binaries logged one).
func (r *Reader) Where() (records.Where, bool) {
	if len(r.wheres) == 0 {
		return records.Where{}, false
	}
	return r.wheres[0].w, true
}

// Result is how test k ended: "fail" if any run of it failed, else its
// last run's end (pass, skip), or "" if it never ended or never ran.
func (r *Reader) Result(k Key) string {
	last := ""
	for _, t := range r.runs {
		if t.key == k {
			if t.result == "fail" {
				return "fail"
			}
			last = t.result
		}
	}
	return last
}

// Started reports whether test k ran at all.
func (r *Reader) Started(k Key) bool {
	_, ok := r.current[k]
	return ok
}

// Lines returns every line test k printed, over all its runs.
func (r *Reader) Lines(k Key) []string {
	var lines []string
	for _, t := range r.runs {
		if t.key == k {
			lines = append(lines, t.lines...)
		}
	}
	return lines
}

// LinesUnder returns the lines of test k and of its subtests, by name.
func (r *Reader) LinesUnder(k Key) []string {
	var keys []Key
	for other := range r.current {
		if other.Package == k.Package && (other.Test == k.Test || strings.HasPrefix(other.Test, k.Test+"/")) {
			keys = append(keys, other)
		}
	}
	sortKeys(keys)
	var lines []string
	for _, other := range keys {
		lines = append(lines, r.Lines(other)...)
	}
	return lines
}

// Failed lists the tests that failed, parents only when none of their
// subtests failed (a failed subtest fails its parent too), each once
// however many of its runs failed.
func (r *Reader) Failed() []Key {
	failed := map[Key]bool{}
	for _, t := range r.runs {
		if t.result == "fail" {
			failed[t.key] = true
		}
	}
	var leaves []Key
	for k := range failed {
		leaf := true
		for other := range failed {
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

// Unfinished lists the top-level tests that started and never ended: their
// binary died (a panic, -timeout) before it could say.
func (r *Reader) Unfinished() []Key {
	var out []Key
	for k, t := range r.current {
		if !strings.Contains(k.Test, "/") && t.result == "" {
			out = append(out, k)
		}
	}
	sortKeys(out)
	return out
}

// Package returns the package of that path, as far as the stream went.
func (r *Reader) Package(path string) *Package { return r.pkg(path) }

// Packages lists the packages in the order the stream named them.
func (r *Reader) Packages() []*Package {
	var out []*Package
	for _, path := range r.pkgOrder {
		out = append(out, r.pkgs[path])
	}
	return out
}

// sortKeys orders keys by package, then test.
func sortKeys(keys []Key) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Package != keys[j].Package {
			return keys[i].Package < keys[j].Package
		}
		return keys[i].Test < keys[j].Test
	})
}

func joinVerdicts(vs []records.Verdict) string {
	var words []string
	for _, v := range vs {
		words = append(words, string(v))
	}
	return strings.Join(words, ", ")
}
