package main

import (
	"bytes"
	"netnotes/internal/records"
	"netnotes/internal/stream"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures: testdata/tree is a small fake module whose chapters hold a
// test per case below; testdata/root.jsonl and testdata/user.jsonl are what
// `go test -json -count=1 -tags sudo` printed for those tests as root and as
// an ordinary user (veth's test does not compile, on purpose; U5's test was
// not run; N2 has no test).
var fixtureCatalogue = []records.Claim{
	{ID: "L1", Chapter: "loopback", Claim: "Loopback traffic needs no NIC."},
	{ID: "L2", Chapter: "loopback", Claim: "The skb goes through the stack."},
	{ID: "L3", Chapter: "loopback", Claim: "Own addresses go through lo."},
	{ID: "L4", Chapter: "loopback", Claim: "127.0.0.1 is no faster."},
	{ID: "R1", Chapter: "routing", Claim: "Table local holds 127.0.0.0/8."},
	{ID: "R2", Chapter: "routing", Claim: "An address adds a broadcast entry."},
	{ID: "R3", Chapter: "routing", Claim: "A lookup uses lo."},
	{ID: "U5", Chapter: "uds", Claim: "The inodes differ."},
	{ID: "U8", Chapter: "uds", Claim: "UDS is 2x TCP."},
	{ID: "N1", Chapter: "unlink", Claim: "unlink decrements the link count."},
	{ID: "N2", Chapter: "unlink", Claim: "The space comes back."},
	{ID: "V1", Chapter: "veth", Claim: "veth devices come in pairs."},
}

func fixtureReport(t *testing.T, path string, root bool) *Report {
	t.Helper()
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	col := stream.NewReader()
	require.NoError(t, col.Read(f))
	env := Env{Kernel: "6.18.44-test", Arch: "x86_64", Root: root, GoVersion: "go1.26.8", Command: "go test -json -count=1 -tags sudo ./..."}
	return buildReport(fixtureCatalogue, scan, col, env)
}

// rows indexes the report's rows by claim ID.
func rows(r *Report) map[string][]Row {
	m := map[string][]Row{}
	for _, row := range r.Rows {
		m[row.ID] = append(m[row.ID], row)
	}
	return m
}

func TestReportHasARowForEveryClaimInCatalogueOrder(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	var ids []string
	for _, row := range r.Rows {
		ids = append(ids, row.ID)
	}
	assert.Equal(t, []string{"L1", "L2", "L3", "L4", "R1", "R2", "R3", "U5", "U8", "N1", "N2", "V1"}, ids)
}

func TestReportReadsVerdictsAsRoot(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	got := rows(r)

	assert.Equal(t, records.Verdict("confirmed"), got["L1"][0].Verdict)
	assert.Equal(t, "tcp 5 bytes and udp 5 bytes over 127.0.0.1 with eth0 absent", got["L1"][0].Evidence)

	// test2json split this line over two output events; it comes back whole.
	assert.Equal(t, records.Verdict("refined"), got["L2"][0].Verdict)
	assert.True(t, strings.HasPrefix(got["L2"][0].Evidence, "net_dev_xmit dev=lo; stack: ip_finish_output2 <- "))
	assert.True(t, strings.HasSuffix(got["L2"][0].Evidence, "<- ; end of stack"))
	assert.Equal(t, 80, strings.Count(got["L2"][0].Evidence, "ip_finish_output2"))

	assert.Equal(t, records.Verdict("confirmed"), got["L3"][0].Verdict, "root runs the privileged note")
	assert.Equal(t, records.Verdict("refuted"), got["R1"][0].Verdict)

	// The performance rows point at the full sweep.
	assert.Contains(t, got["L4"][0].Evidence, "ratio 1.02 at 100 B (short run; the full sweep: `make bench`)")
	assert.Contains(t, got["U8"][0].Evidence, "`make bench`")

	// A verdict followed by a failure is not counted: the test could not
	// finish observing, and the row says so.
	assert.Equal(t, noResult, got["R3"][0].Verdict)
	assert.Contains(t, got["R3"][0].Evidence, "TestFixtureR3 failed, so its verdict (if any) is not counted: cleanup found a leftover link")
}

func TestReportExplainsClaimsWithoutAVerdict(t *testing.T) {
	got := rows(fixtureReport(t, "testdata/root.jsonl", true))

	r2 := got["R2"][0]
	assert.Equal(t, noResult, r2.Verdict)
	assert.Contains(t, r2.Evidence, "TestFixtureR2 failed, so its verdict (if any) is not counted: Not equal, expected 2, actual 1 (broadcast entries after link up)")
	assert.Contains(t, r2.Evidence, "rerun: `go test -tags sudo -count=1 -v -run '^TestFixtureR2$' ./routing`")

	assert.Contains(t, got["U5"][0].Evidence, "TestFixtureU5 did not run")
	assert.Contains(t, got["N2"][0].Evidence, `no test checks this claim yet (nothing calls claims.Check(t, "N2") in unlink/)`)
	assert.Contains(t, got["V1"][0].Evidence, "netnotes/veth did not build: veth/fixture_test.go:11:35: undefined: undefined")
}

func TestReportCountsFailuresButNotRefutations(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	assert.True(t, r.Failed())
	var failed []string
	for _, f := range r.Failures {
		failed = append(failed, f.Package+" "+f.Test+": "+f.Why)
	}
	assert.Equal(t, []string{
		"netnotes/routing TestFixtureR2/link_up: Not equal, expected 2, actual 1 (broadcast entries after link up)",
		"netnotes/routing TestFixtureR3: cleanup found a leftover link",
		"netnotes/veth : veth/fixture_test.go:11:35: undefined: undefined",
	}, failed)
	assert.Equal(t, map[records.Verdict]int{"confirmed": 4, "refined": 2, "refuted": 1, "no result": 5}, r.Counts)

	// The same stream without its failures: a refuted claim alone exits 0.
	clean := &Report{Counts: map[records.Verdict]int{"refuted": 1}}
	assert.False(t, clean.Failed())
}

func TestReportFlagsVerdictsForUnknownClaims(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	require.Len(t, r.Unknown, 1)
	assert.Equal(t, "Q1", r.Unknown[0].ID)
	assert.Equal(t, "TestFixtureU8", r.Unknown[0].Test)
}

func TestReportAsAnOrdinaryUserSkipsThePrivilegedNotesWithAReason(t *testing.T) {
	r := fixtureReport(t, "testdata/user.jsonl", false)
	got := rows(r)
	l3 := got["L3"][0]
	assert.Equal(t, records.Verdict("skipped"), l3.Verdict)
	assert.Contains(t, l3.Evidence, "needs root")
	assert.Contains(t, l3.Evidence, "sudo make notes")

	assert.Contains(t, got["U5"][0].Evidence, "TestFixtureU5 did not run (privileged)")
	assert.Contains(t, got["U5"][0].Evidence, "-exec sudo")
	assert.Len(t, r.Rows, len(fixtureCatalogue), "the same rows as root")
	assert.Equal(t, 1, r.Counts["skipped"])
}

func TestTextReportShowsHeaderTableAndFooter(t *testing.T) {
	r := fixtureReport(t, "testdata/user.jsonl", false)
	var b bytes.Buffer
	r.writeText(&b, 100)
	out := b.String()
	for _, want := range []string{
		"kernel  6.18.44-test, x86_64\n",
		"as      not root: the privileged notes skip; for all of them, run `sudo make notes`\n",
		"go      go1.26.8\n",
		"\nloopback/\n  L1  confirmed       Loopback traffic needs no NIC.\n                        tcp 5 bytes and udp 5 bytes over 127.0.0.1 with eth0 absent\n",
		"  L3  skipped         Own addresses go through lo.\n                        needs root",
		"  R3  no result       A lookup uses lo.\n                        TestFixtureR3 failed, so its verdict (if any) is not counted",
		"claim Q1, which the catalogue does not hold",
		"12 claims, 12 rows: 3 confirmed, 2 refined, 1 refuted, 1 skipped, 5 no result; 3 failed tests\n",
		"FAILED:\n  netnotes/routing TestFixtureR2/link_up: Not equal",
		"A refuted claim is a finding",
	} {
		assert.Contains(t, out, want)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "                 ") {
			assert.LessOrEqual(t, len([]rune(line)), 100, "wrapped: %q", line)
		}
	}
}

func TestMarkdownReportIsATable(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	var b bytes.Buffer
	r.writeMarkdown(&b)
	out := b.String()
	assert.Contains(t, out, "# netnotes: verdicts on Linux 6.18.44-test (x86_64)\n")
	assert.Contains(t, out, "- **Ran as:** root (the privileged notes ran)\n")
	assert.Contains(t, out, "| ID | Claim | Verdict | Evidence |\n|----|-------|---------|----------|\n")
	assert.Contains(t, out, "| R1 | Table local holds 127.0.0.0/8. | refuted | no broadcast 127.0.0.0 entry; table local has 3 entries |\n")
	assert.Contains(t, out, "| Q1 | *(not in the catalogue)* | confirmed |")
	assert.Equal(t, len(r.Rows)+1+1, strings.Count(out, "\n| "), "a line per row, the unknown one and the header")
}

func TestSeenTakesOneVerdictPerClaim(t *testing.T) {
	r := fixtureReport(t, "testdata/root.jsonl", true)
	r.Rows = append(r.Rows, Row{ID: "L1", Verdict: "refined"}, Row{ID: "L1", Verdict: "confirmed"})
	seen := seenFrom(r)
	assert.Equal(t, "Linux 6.18.44-test, x86_64, as root, go1.26.8", seen.Kernel)
	assert.Equal(t, records.Verdict("confirmed/refined"), seen.Verdict("L1"))
	assert.Equal(t, records.Verdict("refuted"), seen.Verdict("R1"))
	assert.Equal(t, records.NotSeen, seen.Verdict("N2"))
}

// The header says how the notes ran; rerun commands need sudo only when
// the privileged notes could not run at all.
func TestHeaderSaysHowTheNotesRan(t *testing.T) {
	for _, c := range []struct {
		env       Env
		as, rerun string
	}{
		{Env{Root: true}, "root (the privileged notes ran)", "go test -tags sudo -count=1"},
		{Env{Rootless: "uid 1000 mapped to 0"}, "rootless user namespace (uid 1000 mapped to 0)", "go test -tags sudo -count=1"},
		{Env{NoUserNS: "NETNOTES_USERNS=off"}, "unprivileged (not root, and no user namespace: NETNOTES_USERNS=off)", "go test -tags sudo -exec sudo"},
	} {
		r := &Report{Env: c.env}
		assert.True(t, strings.HasPrefix(r.asRoot(), c.as), "%+v: %s", c.env, r.asRoot())
		assert.Contains(t, rerun(c.env, "netnotes/loopback", "netnotes", "TestX"), c.rerun, "%+v", c.env)
	}
}

// In a container the header says where, and tells a reader who is uid 0
// there what to change instead of sudo.
func TestHeaderSaysWhereALiveRunRan(t *testing.T) {
	w := records.Where{Kernel: "6.18.44", Arch: "x86_64", Mode: "rootless user namespace", Container: "podman", PIDNamespace: "own",
		MissingCaps: []string{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}, ProcSysReadOnly: true}
	r := &Report{Env: Env{Rootless: "root of the user namespace this runs in", Where: &w,
		ForRealRoot: "run the container with --privileged (or --cap-add SYS_ADMIN --cap-add NET_ADMIN)"}}
	var b strings.Builder
	r.writeText(&b, 200)
	assert.Contains(t, b.String(), "  where   a podman container; a PID namespace of its own; missing CAP_SYS_ADMIN, CAP_NET_ADMIN (in the host's user namespace); /proc/sys read-only\n")
	assert.Contains(t, b.String(), "for those, run the container with --privileged")
	assert.NotContains(t, b.String(), "sudo")

	r.Env.Where = nil // a saved run: its stream says where, not this machine
	b.Reset()
	r.writeText(&b, 200)
	assert.NotContains(t, b.String(), "  where ")
}

// A test that logged a verdict and then never ended (its binary killed by
// -timeout while it hung in cleanup) gets no event from `go test -json`:
// its line is not counted, and the row says the test did not finish.
func TestReportDoesNotCountATestThatDidNotFinish(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"start","Package":"netnotes/loopback"}`,
		`{"Action":"run","Package":"netnotes/loopback","Test":"TestFixtureL1"}`,
		`{"Action":"output","Package":"netnotes/loopback","Test":"TestFixtureL1","Output":"=== RUN   TestFixtureL1\n"}`,
		`{"Action":"output","Package":"netnotes/loopback","Test":"TestFixtureL1","Output":"    fixture_test.go:14: claim L1: refuted — eth0 carried 5 bytes\n"}`,
		`{"Action":"run","Package":"netnotes/loopback","Test":"TestFixtureL4"}`,
		`{"Action":"output","Package":"netnotes/loopback","Test":"TestFixtureL4","Output":"    fixture_test.go:28: claim L4: confirmed — ratio 1.02 at 100 B\n"}`,
		`{"Action":"output","Package":"netnotes/loopback","Output":"panic: test timed out after 10m0s\n"}`,
		`{"Action":"fail","Package":"netnotes/loopback","Elapsed":600}`,
	}, "\n")
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)
	col := stream.NewReader()
	require.NoError(t, col.Read(strings.NewReader(in)))
	r := buildReport(fixtureCatalogue, scan, col, Env{Root: true})
	got := rows(r)
	for _, id := range []string{"L1", "L4"} {
		assert.Equal(t, noResult, got[id][0].Verdict, id)
		assert.Contains(t, got[id][0].Evidence, "did not finish", id)
		assert.Contains(t, got[id][0].Evidence, "panic: test timed out after 10m0s", id)
	}
	assert.Zero(t, r.Counts["refuted"]+r.Counts["confirmed"])
	assert.True(t, r.Failed(), "the package failed")
}
