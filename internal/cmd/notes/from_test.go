package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// Saved runs (-from), each made by hand as `go test -json` would give it.
// The report reads a claim's verdict only from the test that checks it
// (the source scan), so the streams use the real tests' names.

// node is the machine the saved runs below ran on: not this one.
var node = records.Where{Host: "node-7", Kernel: "6.1.0-40-cloud-amd64", Arch: "x86_64", GoVersion: "go1.26.8",
	Mode: "root", Container: "podman", PIDNamespace: "own"}

// writeSaved writes a stream to a file: the where line each chapter's
// binary logs before its first test (left out for w nil), then events.
func writeSaved(t *testing.T, w *records.Where, events ...stream.Event) string {
	t.Helper()
	var pre []stream.Event
	if w != nil {
		pre = append(pre, stream.Event{Action: "start", Package: "netnotes/routing"},
			stream.Event{Action: "output", Package: "netnotes/routing", Output: records.WhereLine(*w) + "\n"})
	}
	path := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, os.WriteFile(path, []byte(jsonStream(t, append(pre, events...)...)), 0o644))
	return path
}

// testOf is the name of the test that checks claim id.
func testOf(t *testing.T, id string) (pkg, test string) {
	t.Helper()
	scan, err := records.ScanTests("../../..")
	require.NoError(t, err)
	refs := scan.Tests(id)
	require.NotEmpty(t, refs, id)
	return scan.Module + "/" + refs[0].Dir, refs[0].Func
}

// verdictEvents are a run of claim id's test that logs lines and ends
// with action.
func verdictEvents(t *testing.T, id, action string, lines ...string) []stream.Event {
	pkg, test := testOf(t, id)
	es := []stream.Event{{Action: "run", Package: pkg, Test: test}}
	for _, l := range lines {
		es = append(es, stream.Event{Action: "output", Package: pkg, Test: test, Output: l + "\n"})
	}
	return append(es, stream.Event{Action: action, Package: pkg, Test: test})
}

func runNotes(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// Issue 32: the header and the Markdown title named this machine's kernel
// and mode, not the saved run's.
func TestFromNamesTheSavedRunsMachine(t *testing.T) {
	path := writeSaved(t, &node, verdictEvents(t, "R1", "pass", "    table_sudo_test.go:40: claim R1: confirmed — 127.0.0.0/8 local dev lo")...)
	md := filepath.Join(t.TempDir(), "report.md")
	code, out, errs := runNotes(t, "-from", path, "-md", md)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "netnotes: what the saved run's kernel did with each claim of the notes\n  kernel  6.1.0-40-cloud-amd64, x86_64\n")
	assert.Contains(t, out, "  where   on node-7; in a podman container; its own PID namespace\n")
	assert.Contains(t, out, "  go      go1.26.8\n")
	report, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(report), "# netnotes: verdicts on Linux 6.1.0-40-cloud-amd64 (x86_64) on node-7\n"), "%s", report)

	// A stream saved before the binaries logged a where line says so,
	// rather than lend it this machine's name.
	old := writeSaved(t, nil, verdictEvents(t, "R1", "pass", "    table_sudo_test.go:40: claim R1: confirmed — 127.0.0.0/8 local dev lo")...)
	_, out, _ = runNotes(t, "-from", old)
	assert.Contains(t, out, "  kernel  not recorded in the stream (it has no where line), unknown\n")
}

// moduleCopy makes a module to run the tool in (-record-facts writes
// under the module's chapters): go.mod, routing's R1 test and the seen
// file, copied from this repository.
func moduleCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "routing/table_sudo_test.go", records.SeenFile} {
		data, err := os.ReadFile(filepath.Join("../../..", f))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir
}

// Issue 32: -record-facts with -from wrote a foreign stream's facts under
// this machine's kernel, where TestJudge would replay them as this
// kernel's. They go under the kernel the stream ran on; a stream that
// does not say where it ran records nothing.
func TestRecordFactsFromASavedRunFilesThemUnderItsKernel(t *testing.T) {
	lines := []string{
		`    table_sudo_test.go:39: facts R1: {"Routes":["127.0.0.0/8"]}`,
		"    table_sudo_test.go:40: claim R1: confirmed — 127.0.0.0/8 local dev lo",
	}
	path := writeSaved(t, &node, verdictEvents(t, "R1", "pass", lines...)...)
	unsaid := writeSaved(t, nil, verdictEvents(t, "R1", "pass", lines...)...)
	dir := moduleCopy(t)
	t.Chdir(dir)

	code, _, errs := runNotes(t, "-from", path, "-record-facts")
	require.Equal(t, 0, code, errs)
	rec, err := records.ReadRecorded(filepath.Join(dir, "routing"), "R1")
	require.NoError(t, err)
	require.Len(t, rec, 1)
	assert.Equal(t, "Linux 6.1.0-40-cloud-amd64, x86_64, as root, go1.26.8", rec[0].Kernel)
	entries, err := os.ReadDir(filepath.Join(dir, "routing", records.FactsDir))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "linux-6.1", entries[0].Name(), "filed under the stream's kernel, not this machine's")

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "routing", "testdata")))
	code, _, errs = runNotes(t, "-from", unsaid, "-record-facts")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "does not say where it ran")
	assert.NoDirExists(t, filepath.Join(dir, "routing", "testdata"))
}

// Issue 32: a stream with a test run twice (-count=2) kept only the
// test's last result, so a first run that logged a verdict and then
// failed was counted.
func TestFromDoesNotCountARunThatFailed(t *testing.T) {
	first := verdictEvents(t, "R1", "fail",
		"    table_sudo_test.go:40: claim R1: refuted — no 127.0.0.0/8 entry",
		"    table_sudo_test.go:50: cleanup: a link was left")
	second := verdictEvents(t, "R1", "pass", "    table_sudo_test.go:40: claim R1: confirmed — 127.0.0.0/8 local dev lo")
	path := writeSaved(t, &node, append(first, second...)...)
	code, out, _ := runNotes(t, "-from", path)
	assert.Equal(t, 1, code, "a run failed")
	assert.Contains(t, out, "  R1  confirmed  ")
	assert.NotContains(t, out, "R1  refuted")
	assert.NotContains(t, out, "1 refuted")
}

// Issue 32: part lines that contradict their claim line, two verdicts
// from one test, a passing parent whose subtest failed and the indented
// continuation of a multi-line t.Log were each read as a verdict.
func TestFromRefusesWhatTheStreamContradicts(t *testing.T) {
	pkg, u4 := testOf(t, "U4")
	for _, c := range []struct {
		name   string
		events []stream.Event
		want   string
	}{
		{"parts against their claim", verdictEvents(t, "U4", "pass",
			"    backlog_test.go:31: claim U4/handshake: refuted — accept first",
			"    backlog_test.go:31: claim U4/queues: refuted — no queue",
			"    backlog_test.go:32: claim U4: confirmed — parts: handshake refuted, queues refuted",
		), "claim U4 says confirmed, but its parts (handshake refuted, queues refuted) combine to refuted"},
		{"two verdicts from one test", verdictEvents(t, "U4", "pass",
			"    backlog_test.go:32: claim U4: confirmed — first",
			"    backlog_test.go:32: claim U4: refuted — second",
		), "logged 2 verdicts for claim U4 in one run"},
		{"a passing parent whose subtest failed", []stream.Event{
			{Action: "run", Package: pkg, Test: u4}, {Action: "run", Package: pkg, Test: u4 + "/listen"},
			{Action: "output", Package: pkg, Test: u4 + "/listen", Output: "    backlog_test.go:20: listen: EADDRINUSE\n"},
			{Action: "fail", Package: pkg, Test: u4 + "/listen"},
			{Action: "output", Package: pkg, Test: u4, Output: "    backlog_test.go:32: claim U4: confirmed — all well\n"},
			{Action: "pass", Package: pkg, Test: u4},
		}, "passed, though a subtest under it failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := runNotes(t, "-from", writeSaved(t, &node, c.events...))
			assert.Equal(t, 1, code, "a stream that contradicts itself is refused")
			assert.Contains(t, out, "  U4  no result  ")
			assert.Contains(t, out, "! the stream contradicts itself: "+pkg+" "+u4)
			assert.Contains(t, out, c.want)
		})
	}

	t.Run("a continuation line", func(t *testing.T) {
		// t.Log("observed:\nclaim U4: refuted — ...") prints its second
		// line indented by eight: not a verdict.
		code, out, _ := runNotes(t, "-from", writeSaved(t, &node, verdictEvents(t, "U4", "pass",
			"    backlog_test.go:30: observed:",
			"        backlog_test.go:32: claim U4: refuted — inside a message")...))
		assert.Equal(t, 0, code)
		assert.Contains(t, out, "  U4  no result  ")
		assert.NotContains(t, out, "1 refuted")
	})
}

// Saved runs of several machines side by side: a column each, labelled
// from its where line, a difference marked where both sides decided.
func TestFromSeveralIsATableOfMachines(t *testing.T) {
	laptop := records.Where{Host: "laptop", Kernel: "6.18.44", Arch: "x86_64", Mode: "root", GoVersion: "go1.26.8"}
	pod := records.Where{Host: "node-7", Kernel: "6.1.0-40-cloud-amd64", Arch: "x86_64", Mode: "root",
		Container: "kubernetes", PIDNamespace: "own", MissingCaps: []string{"CAP_SYS_ADMIN"}, ProcSysReadOnly: true}
	a := writeSaved(t, &laptop, slices.Concat(
		verdictEvents(t, "R1", "pass", "    table_sudo_test.go:40: claim R1: confirmed — 127.0.0.0/8 local dev lo"),
		verdictEvents(t, "U4", "pass", "    backlog_test.go:32: claim U4: confirmed — connect before accept"),
	)...)
	b := writeSaved(t, &pod, slices.Concat(
		verdictEvents(t, "R1", "pass", "    table_sudo_test.go:40: claim R1: refuted — no 127.0.0.0/8 entry"),
		verdictEvents(t, "U4", "skip", "    claims.go:70: claim U4: skipped — needs CAP_NET_ADMIN: run the container with --cap-add NET_ADMIN"),
	)...)
	md := filepath.Join(t.TempDir(), "side.md")
	code, out, errs := runNotes(t, "-from", a, "-from", b, "-md", md)
	require.Equal(t, 0, code, errs)
	for _, want := range []string{
		"netnotes: 2 saved runs side by side\n",
		"  2  " + b + "  Linux 6.1.0-40-cloud-amd64 (x86_64) on node-7, as root in a kubernetes container (its own PID namespace; without CAP_SYS_ADMIN; /proc/sys read-only)\n",
		"claim   laptop     node-7\n",
		"kernel  6.18.44    6.1.0-40-cloud-amd64\n",
		"as      root       root-in-a-kubernetes-container\n",
		"where   -          own-pidns,-SYS_ADMIN,ro-sysctl\n",
		"R1      confirmed  refuted *\n",
		"U4      confirmed  skipped\n",
		"Different where both sides decided, a finding: 1\n  R1: laptop confirmed; node-7 refuted\n",
		"Decided on some runs only, not a finding (each undecided or skipped line says why): 1\n  U4: laptop confirmed; node-7 skipped\n      node-7: needs CAP_NET_ADMIN",
	} {
		assert.Contains(t, out, want)
	}
	table, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(table), "| R1 | confirmed | **refuted** \\* |")
}
