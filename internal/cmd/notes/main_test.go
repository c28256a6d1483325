package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"netnotes/internal/records"
	"netnotes/internal/stream"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonStream writes events as a `go test -json` stream.
func jsonStream(t *testing.T, events ...stream.Event) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range events {
		require.NoError(t, enc.Encode(e))
	}
	return b.String()
}

func TestFirstErrorFindsTheReason(t *testing.T) {
	assert.Equal(t, "boom", firstError([]string{"=== RUN   TestX", "    x_test.go:3: boom", "--- FAIL: TestX (0.00s)"}))
	assert.Equal(t, "panic: nil map", firstError([]string{"=== RUN   TestX", "panic: nil map"}))
	assert.Equal(t, "see its output", firstError([]string{"--- FAIL: TestX (0.00s)"}))
	assert.Equal(t, "needs x", firstError([]string{"    claims.go:61: claim L3: skipped — y", "    x_test.go:3: needs x"}),
		"a verdict line is not the error")
	assert.Equal(t, "cleanup: gone", firstError([]string{"    x_test.go:3: claim V5: refined — y", `    x_test.go:3: facts V5: {"A":1}`, "    x_test.go:9: cleanup: gone"}),
		"nor the facts logged after it")
	assert.Equal(t, "removing tracefs instance x: no such file or directory", firstError([]string{
		`    stack_sudo_test.go:42: facts U3: {"Bytes":1048576}`,
		"    ktrace.go:137: removing tracefs instance x: no such file or directory"}),
		"nor the facts a verdict was judged from")
	where := records.WhereLine(records.Where{Kernel: "6.18.44", Arch: "x86_64", Mode: "root"})
	assert.Equal(t, "FAIL: every verdict rule must be shown going the other way:",
		packageError(&stream.Package{Output: []string{where + "\n", "FAIL: every verdict rule must be shown going the other way:\n", "FAIL\tnetnotes/veth\t1.0s\n"}}),
		"the binary's where line is not why its package failed")
}

func TestRunExitsNonZeroOnlyForFailedTests(t *testing.T) {
	dir := t.TempDir()
	// The report takes R1's verdict only from the test that checks R1.
	scan, err := records.ScanTests("../../..")
	require.NoError(t, err)
	require.NotEmpty(t, scan.Tests("R1"))
	r1 := scan.Tests("R1")[0].Func
	refutedOnly := filepath.Join(dir, "refuted.jsonl")
	require.NoError(t, os.WriteFile(refutedOnly, []byte(jsonStream(t,
		stream.Event{Action: "start", Package: "netnotes/routing"},
		stream.Event{Action: "run", Package: "netnotes/routing", Test: r1},
		stream.Event{Action: "output", Package: "netnotes/routing", Test: r1, Output: "    r1_test.go:20: claim R1: refuted — table local has no 127.0.0.1 entry\n"},
		stream.Event{Action: "pass", Package: "netnotes/routing", Test: r1},
		stream.Event{Action: "pass", Package: "netnotes/routing"},
	)), 0o644))

	var stdout, stderr bytes.Buffer
	md := filepath.Join(dir, "report.md")
	code := run([]string{"-from", refutedOnly, "-md", md}, &stdout, &stderr)
	assert.Equal(t, 0, code, "a refuted claim is a finding: %s", stderr.String())
	assert.Contains(t, stdout.String(), "  R1  refuted    ")
	assert.Contains(t, stdout.String(), "1 refuted")
	report, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(report), "| R1 | ")

	stdout.Reset()
	code = run([]string{"-from", "testdata/root.jsonl"}, &stdout, &stderr)
	assert.Equal(t, 1, code, "the fixture has failed tests")
	assert.Contains(t, stdout.String(), "FAILED:")

	assert.Equal(t, 2, run([]string{"-update-seen", "-short"}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"-no-such-flag"}, &stdout, &stderr))
}

func TestReportNamesATestThatNeverFinished(t *testing.T) {
	const pkg = "netnotes/uds"
	in := jsonStream(t,
		stream.Event{Action: "start", Package: pkg},
		stream.Event{Action: "run", Package: pkg, Test: "TestU3"},
		stream.Event{Action: "output", Package: pkg, Test: "TestU3", Output: "=== RUN   TestU3\n"},
		stream.Event{Action: "output", Package: pkg, Output: "panic: test timed out after 10m0s\n"},
		stream.Event{Action: "fail", Package: pkg},
	)
	col := stream.NewReader()
	require.NoError(t, col.Read(strings.NewReader(in)))
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{
		{ID: "U3", Dir: "uds", Func: "TestU3"},
		{ID: "U8", Dir: "uds", Func: "BenchmarkRoundTrip"},
	}}
	cat := []records.Claim{{ID: "U3", Chapter: "uds", Claim: "no stack"}, {ID: "U8", Chapter: "uds", Claim: "2x"}}
	r := buildReport(cat, scan, col, Env{Root: true})

	require.Len(t, r.Rows, 2)
	assert.Contains(t, r.Rows[0].Evidence, "TestU3 did not finish: panic: test timed out after 10m0s")
	assert.Contains(t, r.Rows[1].Evidence, "BenchmarkRoundTrip is a benchmark: run `make bench`")
	require.Len(t, r.Failures, 1)
	assert.Equal(t, Failure{pkg, "", "panic: test timed out after 10m0s"}, r.Failures[0])
}

// The report's trust rules: parts go under their claim; a verdict counts
// only from the test linked to its claim, anchored at the log prefix, and
// not when that test failed.
func TestReportTrustsOnlyTheLinkedTestsOwnLines(t *testing.T) {
	const pkg = "netnotes/uds"
	out := func(test, text string) stream.Event {
		return stream.Event{Action: "output", Package: pkg, Test: test, Output: text + "\n"}
	}
	in := jsonStream(t,
		stream.Event{Action: "start", Package: pkg},
		out("TestU4", `    backlog_test.go:30: facts U4: {"Admitted":2}`),
		out("TestU4", "    backlog_test.go:31: claim U4/handshake: confirmed — connect before accept"),
		out("TestU4", "    backlog_test.go:31: claim U4/queues: refuted — listen(1) admitted 2"),
		out("TestU4", "    backlog_test.go:32: claim U4: refined — parts: handshake confirmed, queues refuted"),
		stream.Event{Action: "pass", Package: pkg, Test: "TestU4"},
		// Another test logs a verdict for U4: not the one that checks it.
		out("TestOther", "    other_test.go:9: claim U4: confirmed — says another test"),
		stream.Event{Action: "pass", Package: pkg, Test: "TestOther"},
		// A verdict quoted inside a message is not a verdict line.
		out("TestU5", "    inode_test.go:9: want claim U5: confirmed — quoted"),
		// A test that failed after its verdict: not counted.
		out("TestU6", "    lifecycle_test.go:9: claim U6: confirmed — then it failed"),
		out("TestU6", "    lifecycle_test.go:10: cleanup: leftover file"),
		stream.Event{Action: "fail", Package: pkg, Test: "TestU6"},
		stream.Event{Action: "fail", Package: pkg},
	)
	col := stream.NewReader()
	require.NoError(t, col.Read(strings.NewReader(in)))
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{
		{ID: "U4", Dir: "uds", Func: "TestU4"}, {ID: "U5", Dir: "uds", Func: "TestU5"}, {ID: "U6", Dir: "uds", Func: "TestU6"},
	}}
	cat := []records.Claim{{ID: "U4", Chapter: "uds", Claim: "No handshake."}, {ID: "U5", Chapter: "uds", Claim: "Two inodes."}, {ID: "U6", Chapter: "uds", Claim: "Unlink first."}}
	r := buildReport(cat, scan, col, Env{Root: true})

	require.Len(t, r.Rows, 3)
	u4 := r.Rows[0]
	assert.Equal(t, records.Verdict("refined"), u4.Verdict)
	assert.Equal(t, `{"Admitted":2}`, u4.Facts)
	require.Len(t, u4.Parts, 2)
	assert.Equal(t, records.VerdictLine{ID: "U4", Part: "queues", Verdict: "refuted", Evidence: "listen(1) admitted 2"}, u4.Parts[1])
	require.Len(t, r.Stray, 1)
	assert.Equal(t, "TestOther", r.Stray[0].Test)
	assert.Equal(t, noResult, r.Rows[1].Verdict, "a quoted verdict is not one")
	assert.Equal(t, noResult, r.Rows[2].Verdict)
	assert.Contains(t, r.Rows[2].Evidence, "TestU6 failed, so its verdict (if any) is not counted: cleanup: leftover file")

	var b bytes.Buffer
	r.writeText(&b, 100)
	// The stream says "refined", the word before issue 32; the parts show
	// a refuted one, and the column says so.
	assert.Contains(t, b.String(), "  U4  partly refuted  No handshake.\n                        parts: handshake confirmed, queues refuted\n"+
		"                        U4/handshake confirmed\n                          connect before accept\n")
	assert.Contains(t, b.String(), "but is not the test that checks it; not counted")
	b.Reset()
	r.writeMarkdown(&b)
	assert.Contains(t, b.String(), "| U4/queues | *(part)* | refuted | listen(1) admitted 2 |")
}

// The measured claims' tests run alone, after the others; a -run of the
// reader's own is one run.
func TestMeasuredClaimsRunAloneAfterTheOthers(t *testing.T) {
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{
		{ID: "U3", Dir: "uds", Func: "TestU3"},
		{ID: "U8", Dir: "uds", Func: "TestU8Measured"},
		{ID: "L4", Dir: "loopback", Func: "TestL4Measured"},
	}}
	got := phases(options{pkgs: []string{"./..."}}, scan)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"test", "-json", "-count=1", "-tags", "sudo", "-skip", "^(TestL4Measured|TestU8Measured)$", "./uds", "./loopback"}, got[0])
	assert.Equal(t, []string{"test", "-json", "-count=1", "-tags", "sudo", "-p", "1", "-run", "^(TestL4Measured|TestU8Measured)$", "./loopback", "./uds"}, got[1])
	got = phases(options{pkgs: []string{"./loopback"}}, scan)
	assert.Equal(t, []string{"test", "-json", "-count=1", "-tags", "sudo", "-p", "1", "-run", "^(TestL4Measured|TestU8Measured)$", "./loopback"}, got[1])

	got = phases(options{run: "U3", short: true, pkgs: []string{"./uds"}}, scan)
	assert.Equal(t, [][]string{{"test", "-json", "-count=1", "-tags", "sudo", "-short", "-run", "U3", "./uds"}}, got)
}

func TestKernelDirNamesTheKernelLine(t *testing.T) {
	assert.Equal(t, "linux-6.18", kernelDir("6.18.44-fc-v782"))
	assert.Equal(t, "linux-5.10", kernelDir("5.10.0-30-cloud-amd64"))
	assert.Equal(t, "linux-6.1", kernelDir("6.1.0-27-cloud-amd64"))
	assert.Equal(t, "linux-weird", kernelDir("weird"))
}

// CI fails on a changed verdict, but lets a measured part move between
// decided and undecided: that is what a spread does.
func TestCheckSeenFailsOnChangesBeyondNoise(t *testing.T) {
	r := &Report{Changed: []records.Difference{
		{Key: "U8/2x-at-100b", Was: "undecided", Is: "refuted", Noise: true},
		{Key: "L4", Was: "confirmed", Is: "refined", Noise: true},
		{Key: "U8/gap-shrinks", Was: "confirmed", Is: "refuted"},
		{Key: "U4/queues", Was: "refuted", Is: "refined"},
	}}
	assert.Equal(t, []string{
		"U8/gap-shrinks: confirmed on that machine, refuted now",
		"U4/queues: refuted on that machine, refined now",
	}, r.changedBeyondNoise())
}

// The seen check against the real seen file: a run that saw what CI saw
// passes; each of these edits of the file (what a regression looks like
// from the other side) fails it, and a measured part's move between
// decided and undecided does not.
func TestCheckSeenCatchesEachRegression(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", records.SeenFile))
	require.NoError(t, err)
	ci, err := records.ParseSeen(data, records.Catalogue)
	require.NoError(t, err)
	check := func(seenText []byte) []string {
		t.Helper()
		seen, err := records.ParseSeen(seenText, records.Catalogue)
		require.NoError(t, err)
		return (&Report{Changed: seen.Differences(ci, records.Catalogue)}).changedBeyondNoise()
	}
	require.Empty(t, check(data), "the run saw what CI saw")

	// edit sets key's line to verdict ("" deletes it).
	edit := func(key, verdict string) []byte {
		t.Helper()
		var out []string
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, _ := strings.Cut(line, " "); k == key {
				found = true
				require.NotEqual(t, verdict, v, "%s is already %s in %s: pick another edit", key, v, records.SeenFile)
				if verdict == "" {
					continue
				}
				line = key + " " + verdict
			}
			out = append(out, line)
		}
		require.True(t, found, "%s has no line for %s", records.SeenFile, key)
		return []byte(strings.Join(out, "\n"))
	}
	for _, c := range []struct{ key, to string }{
		{"L5/redirect", "refined"},
		{"U9/more-secure", "refined"},
		{"L5", "refuted"},
		{"U8", "confirmed"},
		{"U4/queues", ""},
	} {
		name := c.key + " " + c.to
		if c.to == "" {
			name = c.key + " deleted"
		}
		t.Run(name, func(t *testing.T) {
			assert.NotEmpty(t, check(edit(c.key, c.to)), "the check missed it")
		})
	}

	// A measured part that the spread moves to undecided, and its claim
	// with it, are noise; from confirmed to refuted is not (whatever L4
	// the recorded run saw).
	confirmed := records.Seen{Kernel: ci.Kernel, Verdicts: maps.Clone(ci.Verdicts), Parts: maps.Clone(ci.Parts)}
	confirmed.Parts["L4/no-difference"] = records.Confirmed
	confirmed.Verdicts["L4"] = records.Confirmed
	moved := records.Seen{Kernel: ci.Kernel, Verdicts: maps.Clone(ci.Verdicts), Parts: maps.Clone(ci.Parts)}
	moved.Parts["L4/no-difference"] = records.Undecided
	moved.Verdicts["L4"] = records.Undecided
	assert.Empty(t, (&Report{Changed: confirmed.Differences(moved, records.Catalogue)}).changedBeyondNoise())
	moved.Parts["L4/no-difference"] = records.Refuted
	moved.Verdicts["L4"] = records.Refuted
	assert.NotEmpty(t, (&Report{Changed: confirmed.Differences(moved, records.Catalogue)}).changedBeyondNoise(), "confirmed to refuted is no spread")
}

func TestRecordFactsWritesWhatTheLinkedTestsSaw(t *testing.T) {
	root := t.TempDir()
	r := &Report{Env: Env{Kernel: "6.18.44-x", Arch: "x86_64", Root: true, GoVersion: "go1.26.8"}, Rows: []Row{
		{ID: "U4", Verdict: "refined", Facts: `{"Admitted":2}`, Parts: []records.VerdictLine{{ID: "U4", Part: "queues", Verdict: "refuted"}}},
		{ID: "U5", Verdict: noResult},
		{ID: "U6", Verdict: "confirmed"}, // logged no facts
	}}
	n, err := recordFacts(root, r)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	rec, err := records.ReadRecorded(filepath.Join(root, "uds"), "U4")
	require.NoError(t, err)
	require.Len(t, rec, 1)
	assert.Equal(t, "Linux 6.18.44-x, x86_64, as root, go1.26.8", rec[0].Kernel)
	assert.Equal(t, map[string]records.Verdict{"queues": "refuted"}, rec[0].Parts)
	assert.JSONEq(t, `{"Admitted":2}`, string(rec[0].Facts))
}

// A claim with a row per test (V8: the topology and each runtime) keeps
// every row's facts, not the last row's alone.
func TestRecordFactsKeepsEveryRowOfAClaim(t *testing.T) {
	root := t.TempDir()
	r := &Report{Env: Env{Kernel: "6.18.44-x", Arch: "x86_64", Root: true, GoVersion: "go1.26.8"}, Rows: []Row{
		{ID: "V8", Verdict: "confirmed", Facts: `{"Bridge":"br"}`, Test: "TestV8A"},
		{ID: "V8", Verdict: "confirmed", Facts: `{"Runtime":{"Part":"podman"}}`, Test: "TestV8C"},
		{ID: "V8", Verdict: "skipped", Test: "TestV8D"},
		{ID: "V8", Verdict: "refuted", Facts: `{"Runtime":{"Part":"docker"}}`, Test: "TestV8E"},
	}}
	dir := filepath.Join(root, "veth", records.FactsDir, "linux-6.18")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "V8.json"), []byte("an earlier recording's last row"), 0o644))
	n, err := recordFacts(root, r)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	rec, err := records.ReadRecorded(filepath.Join(root, "veth"), "V8")
	require.NoError(t, err)
	var tests []string
	for _, x := range rec {
		tests = append(tests, x.Test+" "+string(x.Verdict))
	}
	assert.Equal(t, []string{"TestV8A confirmed", "TestV8C confirmed", "TestV8E refuted"}, tests)
	_, err = os.Stat(filepath.Join(dir, "V8.json"))
	assert.True(t, os.IsNotExist(err), "V8.json, an earlier recording's last row, is gone: %v", err)
}

// claims.Judge logs the facts after the verdict (so that `go test -v`
// shows the verdict first); streams saved before that have them first.
// Either way they belong to that test's verdict on that claim.
func TestFactsAfterTheVerdictBelongToIt(t *testing.T) {
	const pkg = "netnotes/uds"
	out := func(test, text string) stream.Event {
		return stream.Event{Action: "output", Package: pkg, Test: test, Output: text + "\n"}
	}
	in := jsonStream(t,
		stream.Event{Action: "start", Package: pkg},
		out("TestU4", "    backlog_test.go:31: claim U4/handshake: confirmed — connect before accept"),
		out("TestU4", "    backlog_test.go:31: claim U4/queues: refuted — listen(1) admitted 2"),
		out("TestU4", "    backlog_test.go:32: claim U4: refined — parts: handshake confirmed, queues refuted"),
		out("TestU4", `    backlog_test.go:32: facts U4: {"Admitted":2}`),
		stream.Event{Action: "pass", Package: pkg, Test: "TestU4"},
		out("TestU5", `    inode_test.go:9: facts U5: {"Inodes":2}`),
		out("TestU5", "    inode_test.go:9: claim U5: refined — two inodes"),
		stream.Event{Action: "pass", Package: pkg, Test: "TestU5"},
		stream.Event{Action: "pass", Package: pkg},
	)
	col := stream.NewReader()
	require.NoError(t, col.Read(strings.NewReader(in)))
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{{ID: "U4", Dir: "uds", Func: "TestU4"}, {ID: "U5", Dir: "uds", Func: "TestU5"}}}
	cat := []records.Claim{{ID: "U4", Chapter: "uds", Claim: "No handshake."}, {ID: "U5", Chapter: "uds", Claim: "Two inodes."}}
	r := buildReport(cat, scan, col, Env{Root: true})
	require.Len(t, r.Rows, 2)
	assert.Equal(t, `{"Admitted":2}`, r.Rows[0].Facts)
	require.Len(t, r.Rows[0].Parts, 2)
	assert.Equal(t, `{"Inodes":2}`, r.Rows[1].Facts)
}
