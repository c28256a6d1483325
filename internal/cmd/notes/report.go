package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// noResult is the verdict column of a claim no test reported on.
const noResult = records.NoResult

// fullSweep names, for the performance claims, the command that measures
// them in full: their rows in the report come from short verdict tests.
var fullSweep = map[string]string{
	"L4": "make bench",
	"U8": "make bench",
}

// Env describes the machine and the run, for the report's header.
type Env struct {
	Kernel    string // uname -r
	Arch      string // uname -m
	Root      bool   // real root: every privileged note could run
	Rootless  string // not root, but the tests run in a user namespace of their own: how (see machine)
	NoUserNS  string // neither: why no user namespace could be had
	GoVersion string
	Command   string // what produced the results
	Measured  string // how the measured claims ran, when they ran apart
	Strict    bool   // NETNOTES_STRICT was set
	// Where is where the run ran: for a live run, gate.Where (container,
	// PID namespace, missing capabilities, /proc/sys, lockdown); for a
	// saved one, its stream's where line (records.WhereLine); nil where
	// the stream holds none.
	Where *records.Where
	Saved bool // a saved run (-from): the header is its machine's
	// ForRealRoot is what the reader runs for what needs real root
	// (gate.RealRootHint); "" reads as `sudo make notes`.
	ForRealRoot string
}

// privileged reports whether the privileged notes could run: as root, or
// in the rootless mode's user namespace.
func (e Env) privileged() bool { return e.Root || e.Rootless != "" }

// describe names the machine and the run in one line, as the seen file and
// the recorded facts do.
func (e Env) describe() string {
	root := "not root"
	switch {
	case e.Root:
		root = "as root"
	case e.Rootless != "":
		root = "rootless user namespace"
	}
	return fmt.Sprintf("Linux %s, %s, %s, %s", e.Kernel, e.Arch, root, e.GoVersion)
}

// Row is one line of the report: a claim and one verdict on it.
type Row struct {
	ID, Chapter, Claim string
	Verdict            records.Verdict // confirmed, refined, refuted, skipped, or noResult
	Evidence           string
	Parts              []records.VerdictLine // a compound claim's parts, in the order logged
	Facts              string                // the facts the verdict was judged from (JSON)
	Test               string                // the test that gave the verdict, when one did
	Package            string
	Post               records.Post // where the post says it, in its words
	Commands           []string     // what a reader types to see it
}

// Failure is a test (or a package, with Test empty) that failed.
type Failure struct {
	Package, Test, Why string
}

// Report is everything the report shows.
type Report struct {
	Env      Env
	Rows     []Row
	Unknown  []stream.Verdict     // verdict lines for IDs the catalogue lacks
	Stray    []stream.Verdict     // verdict lines from a test the scanner does not link to that claim
	Problems []stream.Problem     // where the stream contradicts itself: not counted
	SeenOn   string               // the machine of the seen file
	Changed  []records.Difference // verdicts that differ from what that machine saw
	Failures []Failure
	Counts   map[records.Verdict]int // rows per verdict
	Claims   int
	Brief    bool // verdicts and evidence only: not the post's words, nor the commands
}

// Failed reports whether the run should exit non-zero: a test or a package
// failed, or the stream contradicts itself. A refuted claim is a finding,
// not a failure.
func (r *Report) Failed() bool { return len(r.Failures) > 0 || len(r.Problems) > 0 }

// buildReport puts the verdict lines of a run next to the catalogue. Every
// claim gets at least one row; a claim whose test gave no verdict line gets
// a noResult row saying what happened to that test.
func buildReport(cat []records.Claim, scan *records.Scan, col *stream.Reader, env Env) *Report {
	r := &Report{Env: env, Counts: map[records.Verdict]int{}, Claims: len(cat), Problems: col.Problems()}
	byID := map[string][]stream.Verdict{}
	// Only a test that finished and passed observed what it logged (see
	// the stream package): the line of a test that failed, or that never
	// ended (its binary killed by -timeout or a panic, so `go test -json`
	// gave it no event), is not among these, and the claim's row says why.
	for _, v := range col.Verdicts() {
		if _, ok := lookup(cat, v.ID); !ok {
			r.Unknown = append(r.Unknown, v)
			continue
		}
		if !linked(scan, v) {
			r.Stray = append(r.Stray, v)
			continue
		}
		byID[v.ID] = append(byID[v.ID], v)
	}
	for _, c := range cat {
		pkg := scan.Module + "/" + c.Chapter
		lines := byID[c.ID]
		// Parallel tests log in any order; the report does not.
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].Test < lines[j].Test })
		for _, v := range lines {
			row := Row{ID: c.ID, Chapter: c.Chapter, Claim: c.Claim, Verdict: v.Verdict, Evidence: v.Evidence,
				Parts: v.Parts, Facts: v.Facts, Test: v.Test, Package: v.Package, Post: c.Post, Commands: c.Commands}
			if v.Verdict == records.Skipped && !strings.Contains(v.Evidence, "run ") {
				row.Evidence += "; to run it: " + rerun(env, v.Package, scan.Module, v.Test)
			}
			if cmd, ok := fullSweep[c.ID]; ok && v.Verdict != records.Skipped {
				row.Evidence += fmt.Sprintf(" (short run; the full sweep: `%s`)", cmd)
			}
			r.Rows = append(r.Rows, row)
		}
		if len(lines) == 0 {
			r.Rows = append(r.Rows, Row{ID: c.ID, Chapter: c.Chapter, Claim: c.Claim, Verdict: noResult,
				Evidence: whyNoResult(c, pkg, scan, col, env), Post: c.Post, Commands: c.Commands})
		}
	}
	for _, row := range r.Rows {
		r.Counts[row.Verdict]++
	}

	failedPkgs := map[string]bool{}
	for _, k := range col.Failed() {
		failedPkgs[k.Package] = true
		r.Failures = append(r.Failures, Failure{k.Package, k.Test, firstError(col.Lines(k))})
	}
	for _, p := range col.Packages() {
		if p.Action == "fail" && !failedPkgs[p.Path] {
			r.Failures = append(r.Failures, Failure{p.Path, "", packageError(p)})
		}
	}
	return r
}

// linked reports whether the scanner links v's test to v's claim: the line
// comes from the package of a test that calls claims.Check with that ID, and
// from that very test (or one of its subtests).
func linked(scan *records.Scan, v stream.Verdict) bool {
	for _, ref := range scan.Tests(v.ID) {
		if scan.Module+"/"+ref.Dir == v.Package && ref.Func == topLevel(v.Test) {
			return true
		}
	}
	return false
}

// topLevel returns the top-level test of a (sub)test name.
func topLevel(test string) string {
	top, _, _ := strings.Cut(test, "/")
	return top
}

// changedBeyondNoise lists the differences from the seen file that CI must
// not let pass: every change of a claim or a part, one that appeared or
// disappeared included, except a measured part's move between decided and
// undecided (what a spread does) and its claim's change by such moves only,
// and a part that could not be observed here (strict mode, which CI sets,
// fails on that anyway).
func (r *Report) changedBeyondNoise() []string {
	var out []string
	for _, d := range r.Changed {
		if d.Noise || d.Was == records.Skipped || d.Is == records.Skipped {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s on that machine, %s now", d.Key, d.Was, d.Is))
	}
	return out
}

// Summary words the row's verdict with its parts (records.Summary):
// "partly refuted: queues".
func (row Row) Summary() string { return records.Summary(row.Verdict, row.partVerdicts()) }

// Head is the Summary's first words, for the text report's column, beside
// the parts' own lines: "partly refuted".
func (row Row) Head() records.Verdict {
	if row.Verdict == noResult {
		return noResult
	}
	return records.Head(row.Verdict, row.partVerdicts())
}

func (row Row) partVerdicts() []records.PartVerdict {
	var ps []records.PartVerdict
	for _, p := range row.Parts {
		ps = append(ps, records.PartVerdict{Name: p.Part, Verdict: p.Verdict})
	}
	return ps
}

// findings splits the differences from the seen file: a decided verdict
// against a decided verdict is a finding; the others (undecided on one
// side, or not run or not observed there) are listed apart, each with
// what would decide it (apart).
func (r *Report) findings() (found []records.Difference, other []records.Difference) {
	for _, d := range r.Changed {
		if d.Finding() {
			found = append(found, d)
		} else {
			other = append(other, d)
		}
	}
	return found, other
}

// apart says why a difference is no finding, and what would decide it,
// from this run's rows.
func (r *Report) apart(d records.Difference) string {
	id, part, isPart := strings.Cut(d.Key, "/")
	var rows []Row
	for _, row := range r.Rows {
		if row.ID == id {
			rows = append(rows, row)
		}
	}
	// What this run said of the claim or part, where it said anything.
	evidence := func(verdict records.Verdict) string {
		for _, row := range rows {
			if !isPart && row.Verdict.Has(verdict) {
				return row.Evidence
			}
			for _, p := range row.Parts {
				if isPart && p.Part == part && p.Verdict == verdict {
					return p.Evidence
				}
			}
		}
		return ""
	}
	notRun := func() string {
		var why []string
		for _, row := range rows {
			if row.Verdict == records.Skipped || row.Verdict == noResult {
				why = append(why, row.Evidence)
			}
		}
		if len(why) == 0 {
			return "no test of this run reported it"
		}
		return strings.Join(why, "; ")
	}
	switch {
	case d.Is.Has(records.Undecided):
		ev := evidence(records.Undecided)
		if !isPart && len(rows) > 0 && len(rows[0].Parts) > 0 {
			return "undecided here, so no finding: see its undecided parts"
		}
		why := whatLeftIt(ev)
		decides := "a longer measurement may decide it (`make bench`)"
		if strings.Contains(ev, "measured under load") {
			decides = "a run on a quieter machine decides it"
		}
		return "undecided here, so no finding: " + why + "; " + decides
	case d.Is.Has(records.Skipped):
		if ev := evidence(records.Skipped); ev != "" && isPart {
			return "not observed here: " + ev
		}
		return "not run here: " + notRun()
	case d.Is == records.NotSeen:
		return "not run here: " + notRun()
	case d.Was.Has(records.Undecided):
		return "undecided on the project's machine, so no finding either way"
	case d.Was == records.NotSeen:
		return "not recorded on the project's machine (a claim or part newer than its record)"
	case d.Was.Has(records.Skipped):
		return "not observed on the project's machine"
	}
	return "its parts differ only where one side did not decide: see them"
}

// whatLeftIt is the part of an undecided measurement's evidence that says
// what left it so: from the spread or the load it names (bench's
// UndecidedWhy) to its end, else all of it.
func whatLeftIt(evidence string) string {
	for _, from := range []string{"; the spread: ", "; measured under: "} {
		if i := strings.Index(evidence, from); i >= 0 {
			return strings.TrimPrefix(evidence[i:], "; ")
		}
	}
	return "its spread straddles the claim's threshold (" + evidence + ")"
}

func lookup(cat []records.Claim, id string) (records.Claim, bool) {
	for _, c := range cat {
		if c.ID == id {
			return c, true
		}
	}
	return records.Claim{}, false
}

// whyNoResult explains a claim without a verdict line, from what happened
// to the tests that check it.
func whyNoResult(c records.Claim, pkg string, scan *records.Scan, col *stream.Reader, env Env) string {
	refs := scan.Tests(c.ID)
	if len(refs) == 0 {
		return fmt.Sprintf("no test checks this claim yet (nothing calls claims.Check(t, %q) in %s/)", c.ID, c.Chapter)
	}
	if p := col.Package(pkg); p.BuildFailed {
		return fmt.Sprintf("%s did not build: %s", pkg, packageError(p))
	}
	var why []string
	var seen []string
	for _, ref := range refs {
		if slices.Contains(seen, ref.Func) {
			continue
		}
		seen = append(seen, ref.Func)
		k := stream.Key{Package: scan.Module + "/" + ref.Dir, Test: ref.Func}
		switch col.Result(k) {
		case "":
			if strings.HasPrefix(ref.Func, "Benchmark") {
				why = append(why, fmt.Sprintf("%s is a benchmark: run `make bench`", ref.Func))
				continue
			}
			if col.Started(k) {
				why = append(why, fmt.Sprintf("%s did not finish: %s", ref.Func, packageError(col.Package(k.Package))))
				continue
			}
			if ref.Privileged && !env.privileged() {
				why = append(why, fmt.Sprintf("%s did not run (privileged)", ref.Func))
			} else {
				why = append(why, fmt.Sprintf("%s did not run", ref.Func))
			}
		case "fail":
			why = append(why, fmt.Sprintf("%s failed, so its verdict (if any) is not counted: %s", ref.Func, firstError(col.LinesUnder(k))))
		default:
			why = append(why, fmt.Sprintf("%s ended (%s) without a verdict line that counts", ref.Func, col.Result(k)))
		}
	}
	return strings.Join(why, "; ") + "; rerun: " + rerun(env, scan.Module+"/"+refs[0].Dir, scan.Module, refs[0].Func)
}

// rerun is the command that runs one test again, verbosely.
func rerun(env Env, pkg, module, test string) string {
	dir := "./" + strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	top, _, _ := strings.Cut(test, "/")
	cmd := fmt.Sprintf("go test -tags sudo -count=1 -v -run '^%s$' %s", regexp.QuoteMeta(top), dir)
	if !env.privileged() {
		cmd = fmt.Sprintf("go test -tags sudo -exec sudo -count=1 -v -run '^%s$' %s", regexp.QuoteMeta(top), dir)
	}
	return "`" + cmd + "`"
}

var (
	logLineRE     = regexp.MustCompile(`^\s+\S+\.go:\d+: ?(.*)$`)
	testifyRE     = regexp.MustCompile(`^\s+(Error|Messages):\s+(.*)$`)
	testifyWantRE = regexp.MustCompile(`^\s+(expected|actual)\s*:\s+(.*)$`)
)

// firstError picks the line of a failed test's output that says why: the
// first t.Error/t.Fatal line, a testify block's Error (with expected and
// actual) and Messages, or a panic.
func firstError(lines []string) string {
	for i, line := range lines {
		if strings.HasPrefix(line, "panic: ") {
			return strings.TrimSpace(line)
		}
		m := logLineRE.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(strings.TrimSpace(m[1]), "claim ") || strings.HasPrefix(strings.TrimSpace(m[1]), "facts ") {
			continue // a verdict or the facts it was judged from: not why the test failed
		}
		if msg := strings.TrimSpace(m[1]); msg != "" {
			return msg
		}
		// testify: "file.go:12: " then an indented block.
		var errText, want, messages string
		for _, next := range lines[i+1:] {
			if logLineRE.MatchString(next) || strings.HasPrefix(next, "---") || strings.HasPrefix(next, "===") {
				break
			}
			if t := testifyRE.FindStringSubmatch(next); t != nil {
				if t[1] == "Error" {
					errText = strings.TrimSuffix(strings.TrimSpace(t[2]), ":")
				} else {
					messages = strings.TrimSpace(t[2])
				}
			} else if t := testifyWantRE.FindStringSubmatch(next); t != nil && errText != "" {
				want += fmt.Sprintf(", %s %s", t[1], strings.TrimSpace(t[2]))
			}
		}
		if errText != "" {
			msg := errText + want
			if messages != "" {
				msg += " (" + messages + ")"
			}
			return msg
		}
	}
	return "see its output"
}

// packageError says why a package failed when none of its tests did: a
// build error, a panic outside a test, a timeout.
func packageError(p *stream.Package) string {
	for _, line := range p.Output {
		t := strings.TrimSpace(line)
		if t == "" || t == "FAIL" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "FAIL\t") || strings.HasPrefix(t, "ok ") {
			continue
		}
		if _, where := records.ParseWhere(t); where {
			continue // the binary's first line says where it ran, not what failed
		}
		return t
	}
	return "see `go test " + p.Path + "`"
}
