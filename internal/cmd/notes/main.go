// Notes runs every note of netnotes and reports what this kernel did with
// each claim: one row per claim with its verdict (confirmed, refined,
// refuted, skipped, or no result) and the evidence the test observed.
//
// It runs `go test -json -count=1 -tags sudo ./...` from the module root
// (not root, the test binaries run their tests in a user namespace of their
// own, see internal/sandbox; what only real root can do, and everything
// privileged where no user namespace can be had, skips with a reason),
// reads the verdict lines the tests log, and prints the table, with a header
// naming the kernel, the architecture, how the notes ran (root, rootless
// user namespace, or unprivileged and why) and the Go version, and a footer
// counting the verdicts. It exits non-zero only when a test failed: a
// refuted claim is a finding, not a failure.
//
// A run can be saved (-save FILE: the `go test -json` stream, each test
// binary's where line included) and read again, here or on another
// machine: -from FILE reports on it, under the header of the machine that
// made it (from its where line); several -from give one column per
// machine, side by side, with the verdicts that differ marked.
//
// With -tests DIR it runs test binaries built beforehand (go test -c
// -tags sudo, one CHAPTER.test per chapter; the image's, see
// internal/cmd/image) in the same phases, each in its chapter's directory
// under test2json, so no Go toolchain is needed.
//
// Usage:
//
//	go run ./internal/cmd/notes [-md report.md] [-html notes.html] [-brief] [-short] [-run regexp] [-save run.json] [packages]
//	go run ./internal/cmd/notes -from run.json                   # a saved run, as its machine saw it
//	go run ./internal/cmd/notes -from a.json -from b.json ...    # saved runs side by side
//	notes -tests /netnotes/tests                                 # prebuilt binaries (the image's entry point)
//	go run ./internal/cmd/notes -readme        # rewrite README.md's table and sample, and each chapter's post.go
//	go run ./internal/cmd/notes -update-seen   # as root on the CI machine: record its verdicts and the sample
//
// Under each claim's verdict the report quotes the post (its section, its
// sentence in Chinese and in English) and lists the commands a reader
// types to see the claim (records.Catalogue); -brief leaves them out.
// -html writes the notes as one page in the post's order (page.go).
//
// `make notes` runs it; `make notes REPORT=report.md` adds -md,
// `HTML=notes.html` -html.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"netnotes/internal/exit"
	"netnotes/internal/gate"
	"netnotes/internal/records"
	"netnotes/internal/sandbox"
	"netnotes/internal/stream"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	md          string
	html        string
	brief       bool
	short       bool
	run         string
	from        []string
	save        string
	tests       string
	readme      bool
	updateSeen  bool
	checkSeen   bool
	recordFacts bool
	sample      bool
	pkgs        []string
}

// run is the tool: read the flags, find the tests, run them (or read a
// saved run), report, record what was asked, and say whether all went well.
// Every step returns an error; this is the one place that prints it.
func run(args []string, stdout, stderr io.Writer) int {
	return exit.Code("notes", notes(args, stdout, stderr), stderr)
}

func notes(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	root, scan, err := records.ScanModule(".")
	if err != nil {
		return exit.CannotRun(err)
	}
	if o.readme {
		return rewriteDocs(root, scan, stderr)
	}
	if len(o.from) > 1 {
		return sideBySide(o.from, o.md, stdout, stderr)
	}
	env := machine()
	if o.updateSeen {
		if !env.Root {
			return exit.CannotRun(errors.New("-update-seen records the CI machine's verdicts as root: run it as root"))
		}
		// New tests since the last recording leave the README's table
		// stale, and the README test would fail this very run.
		if err := writeReadme(root, scan); err != nil {
			return exit.Failed(err)
		}
	}
	var raw *bytes.Buffer // the stream, for the README's sample
	if o.sample {
		raw = &bytes.Buffer{}
	}
	col, goFailed, err := collect(o, root, scan, &env, raw, stdout, stderr)
	if err != nil {
		return err
	}
	if !env.Saved {
		env.Strict = gate.Strict()
	}
	report, err := newReport(root, scan, col, env, goFailed)
	if err != nil {
		return err
	}
	report.Brief = o.brief
	if o.save == "-" { // stdout carries the stream
		stdout = stderr
	}
	if err := writeReport(report, o.md, stdout, stderr); err != nil {
		return err
	}
	return keep(o, root, scan, report, env, raw, stderr)
}

// rewriteDocs is -readme: the README's claim table and each chapter's
// post.go, from the catalogue and the source.
func rewriteDocs(root string, scan *records.Scan, stderr io.Writer) error {
	if err := writeReadme(root, scan); err != nil {
		return exit.Failed(err)
	}
	if err := writeChapterDocs(root); err != nil {
		return exit.Failed(err)
	}
	fmt.Fprintf(stderr, "notes: README.md's claim table and each chapter's %s rewritten\n", records.ChapterDocFile)
	return nil
}

// keep writes what the flags ask for beyond the report (the page, the
// records, the sample) and says whether the run went well: no test
// failed and, with -check-seen, no verdict moved beyond noise.
func keep(o options, root string, scan *records.Scan, report *Report, env Env, raw *bytes.Buffer, stderr io.Writer) error {
	if o.html != "" {
		if err := writePageFile(o.html, root, report); err != nil {
			return exit.Failed(err)
		}
		fmt.Fprintf(stderr, "notes: the page is in %s\n", o.html)
	}
	if err := record(o, root, scan, report, env, stderr); err != nil {
		return err
	}
	if o.sample && !report.Failed() {
		if err := recordSample(root, scan, raw.Bytes(), report); err != nil {
			return exit.Failed(err)
		}
		if err := writeReadme(root, scan); err != nil {
			return exit.Failed(err)
		}
		fmt.Fprintf(stderr, "notes: the sample claims' run kept in %s, and README.md's sample rewritten\n", records.SampleFile)
	}
	if report.Failed() {
		return exit.Failed(nil)
	}
	if o.checkSeen {
		if fatal := report.changedBeyondNoise(); len(fatal) > 0 {
			return exit.Failed(fmt.Errorf("-check-seen: %d verdicts differ from %s: %s", len(fatal), records.SeenFile, strings.Join(fatal, "; ")))
		}
	}
	return nil
}

// parseFlags reads the command line; the flag package has said what is
// wrong with one it refuses.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.md, "md", "", "also write the report as Markdown to `file`")
	fs.StringVar(&o.html, "html", "", "also write the notes as one self-contained page to `file`, in the post's order (open it in a browser)")
	fs.BoolVar(&o.short, "short", false, "pass -short to go test")
	fs.BoolVar(&o.brief, "brief", false, "verdicts and evidence only: not the post's words, nor the commands to see each claim")
	fs.StringVar(&o.run, "run", "", "pass -run `regexp` to go test: only the matching tests")
	fs.Func("from", "report on a saved `go test -json` stream read from `file` instead of running the tests; given again, one column per stream, side by side", func(f string) error {
		o.from = append(o.from, f)
		return nil
	})
	fs.StringVar(&o.save, "save", "", "also write the run's `go test -json` stream to `file` (- for stdout, and the report to stderr), for -from to read here or elsewhere")
	fs.StringVar(&o.tests, "tests", "", "run the test binaries in `directory` (CHAPTER.test, built with go test -c -tags sudo) under test2json, instead of go test")
	fs.BoolVar(&o.readme, "readme", false, "only rewrite README.md's claim table (catalogue, tests, "+records.SeenFile+") and each chapter's "+records.ChapterDocFile+" (catalogue); runs no test")
	fs.BoolVar(&o.updateSeen, "update-seen", false, "as root on the project's CI machine: run every note, record the verdicts in "+records.SeenFile+", the facts under each chapter's "+records.FactsDir+", and rewrite README.md's table")
	fs.BoolVar(&o.checkSeen, "check-seen", false, "on the project's CI machine: exit non-zero when a verdict differs from "+records.SeenFile)
	fs.BoolVar(&o.sample, "record-sample", false, "keep the events of the README's sample claims ("+strings.Join(records.SampleClaims, ", ")+") in "+records.SampleFile+" (-update-seen does)")
	fs.BoolVar(&o.recordFacts, "record-facts", false, "write this run's facts under each chapter's "+records.FactsDir+"/KERNEL/, for the judges' tests to replay")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./internal/cmd/notes [flags] [packages]   (default ./...)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, exit.CannotRun(nil)
	}
	o.pkgs = fs.Args()
	o.sample = o.sample || o.updateSeen
	switch {
	case o.updateSeen && (len(o.from) > 0 || o.tests != "" || o.run != "" || o.short || len(o.pkgs) > 0):
		return o, exit.CannotRun(errors.New("-update-seen records a full run of the source: it takes no -from, -tests, -run, -short or packages"))
	case len(o.from) > 0 && (o.save != "" || o.tests != "" || o.sample):
		return o, exit.CannotRun(errors.New("-from reads a saved run: it takes no -save, -tests or -record-sample"))
	case len(o.from) > 1 && (o.recordFacts || o.checkSeen || o.readme || o.html != ""):
		return o, exit.CannotRun(errors.New("several -from are shown side by side: -record-facts, -check-seen, -readme and -html take one run"))
	}
	if len(o.pkgs) == 0 {
		o.pkgs = []string{"./..."}
	}
	return o, nil
}

// collect gathers the tests' events: from a saved run (-from), or by
// running go test (or the prebuilt binaries, -tests), phase by phase. It
// says in env how and where the notes ran, keeps the stream in raw (if not
// nil) and returns what go test said when it failed outside any test.
func collect(o options, root string, scan *records.Scan, env *Env, raw *bytes.Buffer, stdout, stderr io.Writer) (col *stream.Reader, goFailed string, err error) {
	col = stream.NewReader()
	if isTerminal(stderr) {
		col.OnEvent = newProgress(stderr, scan.Module).event
	}
	if len(o.from) == 1 {
		f, err := os.Open(o.from[0])
		if err != nil {
			return nil, "", exit.CannotRun(err)
		}
		defer f.Close()
		if err := col.Read(f); err != nil {
			return nil, "", exit.CannotRun(err)
		}
		// The header is the saved run's machine, not this one.
		*env = savedEnv(col)
		env.Command = "a saved run, read from " + o.from[0]
		return col, "", nil
	}
	saveFile, err := openSave(o.save, stdout)
	if err != nil {
		return nil, "", exit.CannotRun(err)
	}
	defer saveFile.Close()
	var save io.Writer = saveFile
	if raw != nil {
		save = io.MultiWriter(saveFile, raw)
	}
	var commands []string
	for i, phase := range phases(o, scan) {
		commands = append(commands, "go "+strings.Join(phase, " "))
		var c *compiling
		if i == 0 && o.tests == "" { // later phases find every test binary built
			c = startCompiling(stderr, isTerminal(stderr))
			col.OnStart = c.done
		}
		var failed string
		if o.tests != "" {
			failed, err = runBinaries(o.tests, root, scan, phase, col, save, stderr)
		} else {
			failed, err = goTest(root, phase, col, save, stderr)
		}
		if c != nil {
			c.stop()
		}
		if err != nil {
			return nil, "", exit.CannotRun(err)
		}
		if goFailed == "" {
			goFailed = failed
		}
	}
	if err := saveFile.Close(); err != nil {
		return nil, "", exit.Failed(err)
	}
	env.Command = strings.Join(commands, "; then ")
	if o.tests != "" {
		env.Command = "the test binaries in " + o.tests + " (go test -c -tags sudo) under test2json, in the phases of `make notes`"
	}
	if len(commands) > 1 {
		env.Measured = measuredNote(scan)
	}
	if w, ok := col.Where(); ok {
		env.Where = &w
	}
	return col, goFailed, nil
}

// savedEnv is the header of a saved run: its machine, from its where
// line. A stream saved before the test binaries logged one does not say.
func savedEnv(col *stream.Reader) Env {
	w, ok := col.Where()
	if !ok {
		const unsaid = "not recorded in the stream (it has no where line)"
		return Env{Kernel: unsaid, Arch: "unknown", GoVersion: "unknown", Saved: true}
	}
	env := Env{Kernel: w.Kernel, Arch: w.Arch, GoVersion: w.GoVersion, Where: &w, Saved: true}
	switch w.Mode {
	case "root":
		env.Root = true
	case "rootless user namespace":
		env.Rootless = "as the saved run records it"
	default:
		env.NoUserNS = "as the saved run records it: " + w.Mode
	}
	return env
}

// newReport builds the report from what the tests logged, beside the
// verdicts seen on the CI machine.
func newReport(root string, scan *records.Scan, col *stream.Reader, env Env, goFailed string) (*Report, error) {
	report := buildReport(records.Catalogue, scan, col, env)
	if goFailed != "" && !report.Failed() {
		report.Failures = append(report.Failures, Failure{Test: "", Package: "go test", Why: goFailed})
	}
	seen, err := records.ReadSeen(filepath.Join(root, records.SeenFile), records.Catalogue)
	if err != nil {
		return nil, exit.CannotRun(err)
	}
	report.SeenOn = seen.Kernel
	report.Changed = seen.Differences(seenFrom(report), records.Catalogue)
	return report, nil
}

// writeReport prints the report, and writes it as Markdown to md if asked.
func writeReport(report *Report, md string, stdout, stderr io.Writer) error {
	report.writeText(stdout, width(stdout))
	if md == "" {
		return nil
	}
	var b bytes.Buffer
	report.writeMarkdown(&b)
	if err := os.WriteFile(md, b.Bytes(), 0o644); err != nil {
		return exit.Failed(err)
	}
	fmt.Fprintf(stderr, "notes: the report is also in %s\n", md)
	return nil
}

// record keeps what -record-facts and -update-seen ask for: the facts under
// each chapter, the verdicts in seen.txt and the README's table. A run
// with a failed test records nothing.
func record(o options, root string, scan *records.Scan, report *Report, env Env, stderr io.Writer) error {
	if !o.recordFacts && !o.updateSeen {
		return nil
	}
	if o.recordFacts && report.Env.Saved && report.Env.Where == nil {
		return exit.Failed(errors.New("-record-facts: the saved run does not say where it ran (no where line), so its facts cannot be filed under its kernel; nothing was recorded"))
	}
	if report.Failed() {
		what := "their facts were not recorded"
		if o.updateSeen {
			what = "neither facts nor verdicts were recorded: fix them and run -update-seen again"
		}
		return exit.Failed(errors.New("tests failed, so " + what))
	}
	n, err := recordFacts(root, report)
	if err != nil {
		return exit.Failed(err)
	}
	fmt.Fprintf(stderr, "notes: recorded the facts of %d claims under each chapter's %s/%s/\n", n, records.FactsDir, kernelDir(env.Kernel))
	if !o.updateSeen {
		return nil
	}
	if err := recordSeen(root, scan, report); err != nil {
		return exit.Failed(err)
	}
	fmt.Fprintf(stderr, "notes: recorded in %s and README.md; review and commit both\n", records.SeenFile)
	return nil
}

// phases returns the go test invocations of a run. The claims judged from
// timing measurements run alone, after everything else (go test runs
// packages in parallel, and a measurement must not share the CPUs with
// other tests); with -run, the reader chose the tests, and one run does.
func phases(o options, scan *records.Scan) [][]string {
	base := []string{"test", "-json", "-count=1", "-tags", "sudo"}
	if o.short {
		base = append(base, "-short")
	}
	if o.run != "" {
		return [][]string{append(append(slices.Clone(base), "-run", o.run), o.pkgs...)}
	}
	// All the notes (./...) are the chapters' packages: the internal ones
	// hold no claim, and their tests are make test's, not the report's
	// (their binaries took 5-10 s of a warm run).
	first := o.pkgs
	if slices.Equal(o.pkgs, []string{"./..."}) {
		first = chaptersFirst(scan)
	}
	pattern := measuredTests(scan)
	if pattern == "" {
		return [][]string{append(slices.Clone(base), first...)}
	}
	// The second phase runs one package at a time: only the measured
	// claims' own, where the reader asked for all (./...). Every other
	// package's binary would start, match no test and end, one after the
	// other: half a minute of a warm run on the project's machine.
	measured := o.pkgs
	if slices.Equal(o.pkgs, []string{"./..."}) {
		measured = measuredPackages(scan)
	}
	return [][]string{
		append(append(slices.Clone(base), "-skip", pattern), first...),
		append(append(slices.Clone(base), "-p", "1", "-run", pattern), measured...),
	}
}

// chaptersFirst lists the chapters' packages, the one with the most notes
// first: go test runs two test binaries at a time on two CPUs, in the
// order it is given packages (a package named twice runs once), and the
// chapters' privileged notes take longest. Started last, as ./... orders
// packages, veth alone made the last 16 s of a warm run's first phase.
func chaptersFirst(scan *records.Scan) []string {
	count := map[string]int{}
	for _, ref := range scan.Refs {
		count["./"+ref.Dir]++
	}
	pkgs := slices.Collect(maps.Keys(count))
	slices.SortFunc(pkgs, func(a, b string) int {
		if c := count[b] - count[a]; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return pkgs
}

// measuredPackages lists the packages of the measured claims' tests,
// "./loopback", in the order of the catalogue.
func measuredPackages(scan *records.Scan) []string {
	var pkgs []string
	for _, id := range records.Measured() {
		for _, ref := range scan.Tests(id) {
			if p := "./" + ref.Dir; !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs
}

// measuredTests is a -run pattern for the top-level tests of the measured
// claims.
func measuredTests(scan *records.Scan) string {
	var names []string
	for _, id := range records.Measured() {
		for _, ref := range scan.Tests(id) {
			if !slices.Contains(names, ref.Func) {
				names = append(names, regexp.QuoteMeta(ref.Func))
			}
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return "^(" + strings.Join(names, "|") + ")$"
}

// measuredNote says, for the header, which claims were measured alone.
func measuredNote(scan *records.Scan) string {
	var ids []string
	for _, id := range records.Measured() {
		if len(scan.Tests(id)) > 0 {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ", ") + " measured alone, one package at a time, after the other notes had finished"
}

// kernelDir names this kernel as a directory of recorded facts: "linux-6.18"
// for any 6.18.x release.
func kernelDir(release string) string {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return "linux-" + strings.Map(func(r rune) rune {
			if r == '/' || r == ' ' {
				return '-'
			}
			return r
		}, release)
	}
	minor := strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	return "linux-" + parts[0] + "." + minor
}

// recordFacts writes the facts of every claim that got a verdict from its
// linked test, with that verdict, for the judges' tests to replay: a claim
// with one such row in ID.json, a claim with several (V8: the topology and
// each runtime) a file per row, named by its test.
func recordFacts(root string, r *Report) (int, error) {
	n := 0
	recorded := func(row Row) bool {
		return row.Facts != "" && row.Verdict != noResult && row.Verdict != records.Skipped
	}
	rows := map[string]int{}
	for _, row := range r.Rows {
		if recorded(row) {
			rows[row.ID]++
		}
	}
	for _, row := range r.Rows {
		if !recorded(row) {
			continue
		}
		rec := records.Recorded{Kernel: r.Env.describe(), Verdict: row.Verdict, Facts: json.RawMessage(row.Facts)}
		if rows[row.ID] > 1 {
			rec.Test = row.Test
		}
		for _, p := range row.Parts {
			if rec.Parts == nil {
				rec.Parts = map[string]records.Verdict{}
			}
			rec.Parts[p.Part] = p.Verdict
		}
		if err := records.RecordFacts(root, kernelDir(r.Env.Kernel), row.ID, rec); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// goTest runs go in root, feeding its JSON stream to col (and save). It
// returns a description of go's non-zero exit status, if any.
func goTest(root string, args []string, col *stream.Reader, save io.Writer, stderr io.Writer) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("cannot run go: %w", err)
	}
	readErr := col.Read(io.TeeReader(out, save))
	err = cmd.Wait()
	if readErr != nil {
		return "", readErr
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("go test exited with status %d", exit.ExitCode()), nil
	}
	return "", err
}

// machine describes this machine for the header, and how the tests will
// run: as root; or, not root, in a user namespace of their own, which the
// test binaries make for themselves (internal/sandbox), as this probe just
// did; or unprivileged, with the reason.
func machine() Env {
	where := gate.Where()
	env := Env{Kernel: "unknown", Arch: runtime.GOARCH, GoVersion: runtime.Version(), Where: &where, ForRealRoot: gate.RealRootHint()}
	switch gate.CurrentMode() {
	case gate.RealRoot:
		env.Root = true
	case gate.Rootless:
		env.Rootless = "root of the user namespace this runs in"
	default:
		if err := sandbox.ProbeUserNamespace(); err != nil {
			env.NoUserNS = err.Error()
		} else {
			env.Rootless = fmt.Sprintf("uid %d mapped to 0, with its own network and mount namespaces", os.Geteuid())
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		env.Kernel = unix.ByteSliceToString(u.Release[:])
		env.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	return env
}

func writeReadme(root string, scan *records.Scan) error {
	if err := addNotSeen(root); err != nil {
		return err
	}
	seen, err := records.ReadSeen(filepath.Join(root, records.SeenFile), records.Catalogue)
	if err != nil {
		return err
	}
	path := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	matrix, err := records.ReadMatrix(filepath.Join(root, records.MatrixFile))
	if err != nil {
		return err
	}
	updated, err := records.SpliceTable(readme, records.ReadmeMatrixTable(records.Catalogue, scan, seen, matrix))
	if err != nil {
		return err
	}
	sample, err := readmeSample(root, scan, seen)
	if err != nil {
		return err
	}
	if updated, err = records.Splice(updated, records.SampleBegin, records.SampleEnd, sample); err != nil {
		return err
	}
	return os.WriteFile(path, updated, 0o644)
}

// writeChapterDocs writes each chapter's generated doc (records.ChapterDoc).
func writeChapterDocs(root string) error {
	done := map[string]bool{}
	for _, c := range records.Catalogue {
		if done[c.Chapter] {
			continue
		}
		done[c.Chapter] = true
		path := filepath.Join(root, c.Chapter, records.ChapterDocFile)
		if err := os.WriteFile(path, records.ChapterDoc(records.Catalogue, c.Chapter), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// addNotSeen gives a claim new to the catalogue its lines in seen.txt and
// matrix.txt: NotSeen (—), until a root run (-update-seen) and make matrix
// -record record what the kernels did.
func addNotSeen(root string) error {
	seenPath := filepath.Join(root, records.SeenFile)
	seen, err := records.ReadSeen(seenPath, records.Catalogue)
	if err != nil {
		return err
	}
	if len(seen.Verdicts) < len(records.Catalogue) {
		if err := os.WriteFile(seenPath, seen.Format(records.Catalogue), 0o644); err != nil {
			return err
		}
	}
	matrixPath := filepath.Join(root, records.MatrixFile)
	m, err := records.ReadMatrix(matrixPath)
	if err != nil {
		return err
	}
	if m.AddNotSeen(records.Catalogue) {
		return os.WriteFile(matrixPath, m.Format(), 0o644)
	}
	return nil
}

// recordSeen writes this run's verdicts as the CI machine's, then the README.
func recordSeen(root string, scan *records.Scan, r *Report) error {
	seen := seenFrom(r)
	path := filepath.Join(root, records.SeenFile)
	if err := os.WriteFile(path, seen.Format(records.Catalogue), 0o644); err != nil {
		return err
	}
	return writeReadme(root, scan)
}

// seenFrom turns a report into the seen file's content: one verdict per
// claim ("confirmed/refined" when its tests disagree), NotSeen for no result.
func seenFrom(r *Report) records.Seen {
	seen := records.Seen{
		Kernel:   r.Env.describe(),
		Verdicts: map[string]records.Verdict{},
		Parts:    map[string]records.Verdict{},
	}
	for _, row := range r.Rows {
		if row.Verdict == noResult {
			continue
		}
		seen.Verdicts[row.ID] = seen.Verdicts[row.ID].Join(row.Verdict)
		for _, p := range row.Parts {
			key := row.ID + "/" + p.Part
			seen.Parts[key] = seen.Parts[key].Join(p.Verdict)
		}
	}
	return seen
}
