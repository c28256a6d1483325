package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/vm"
)

// A kernel's stream, as test2json gives it: a claim's line split over two
// output events, a part's line, a facts line and a failed test.
const kernelStream = `{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    nic_sudo_test.go:96: claim L1: confirmed — lo"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":" tx_dropped +0\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: facts U4: {\"Admitted\":2}\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: claim U4/handshake: confirmed — before accept\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: claim U4/queues: refuted — admitted 2\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: claim U4: refined — see parts\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU5","Output":"    x.go:1: claim U5: refined — one\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU5b","Output":"    x.go:1: claim U5: confirmed — two\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU6","Output":"quoted: claim U6: refuted — not a verdict\n"}
{"Action":"pass","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU4"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU5"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU5b"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU6"}
{"Action":"output","Package":"netnotes/veth","Test":"TestV1/sub","Output":"    x.go:1: claim V1: confirmed — then a cleanup failed\n"}
{"Action":"fail","Package":"netnotes/veth","Test":"TestV1/sub"}
{"Action":"fail","Package":"netnotes/veth","Test":"TestV1"}
{"Action":"output","Package":"netnotes/veth","Test":"TestV2","Output":"    x.go:1: claim V2: refuted — then it hung until -timeout\n"}
{"Action":"output","Package":"netnotes/veth","Output":"panic: test timed out after 5m0s\n"}
{"Action":"fail","Package":"netnotes/veth"}
`

func TestReadColumn(t *testing.T) {
	var c column
	require.NoError(t, c.readColumn([]byte(kernelStream)))
	v, ev, facts, failed := c.Verdicts, c.Evidence, c.Facts, c.Failed
	assert.Equal(t, records.Verdict("confirmed"), v["L1"])
	assert.Equal(t, []string{"lo tx_dropped +0"}, ev["L1"])
	assert.Equal(t, records.Verdict("confirmed"), v["U4/handshake"])
	assert.Equal(t, records.Verdict("refined"), v["U4"])
	assert.Equal(t, records.Verdict("refined/confirmed"), v["U5"], "two tests that disagree")
	assert.NotContains(t, v, "U6", "a verdict quoted in other text is not one")
	assert.JSONEq(t, `{"Admitted":2}`, string(facts["U4"]))
	assert.NotContains(t, v, "V1", "a test that failed gives no verdict")
	assert.NotContains(t, v, "V2", "nor one that did not finish (no pass event)")
	assert.Equal(t, []string{"netnotes/veth TestV1", "netnotes/veth TestV2 (did not finish)"}, failed)
}

func TestRowKeysPutPartsUnderTheirClaim(t *testing.T) {
	keys := rowKeys([]column{{Verdicts: map[string]records.Verdict{"U4/handshake": "confirmed", "U4/backlog": "refined"}}})
	i := indexOf(keys, "U4")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, []string{"U4", "U4/backlog", "U4/handshake"}, keys[i:i+3])
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// What is recorded is what check compares with; host columns are not
// recorded (the CI machine's seen.txt has them), and a difference is named.
func TestRecordThenCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "matrix.txt")
	cols := []column{
		{Kernel: "5.10", Release: "5.10.0-46-cloud-amd64", Verdicts: map[string]records.Verdict{"L1": "confirmed", "R1": "confirmed", "U4/handshake": "confirmed"}},
		{Kernel: "6.12", Release: "6.12.117+deb12-cloud-amd64", Verdicts: map[string]records.Verdict{"L1": "confirmed"}},
		{Kernel: "host", Release: "6.18.44", Verdicts: map[string]records.Verdict{"L1": "refuted"}},
	}
	require.NoError(t, record(path, cols))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "kernel 5.10 5.10.0-46-cloud-amd64\n")
	assert.Contains(t, string(data), "R1 confirmed -\n")
	assert.NotContains(t, string(data), "host")

	diffs, err := check(path, cols)
	require.NoError(t, err)
	assert.Empty(t, diffs)

	cols[1].Verdicts["L1"] = "refuted"
	delete(cols[0].Verdicts, "R1")
	diffs, err = check(path, cols)
	require.NoError(t, err)
	assert.Equal(t, []string{`R1 on 5.10: recorded "confirmed", now ""`, `L1 on 6.12: recorded "confirmed", now "refuted"`}, diffs)

	m, err := records.ReadMatrix(path)
	require.NoError(t, err)
	assert.Equal(t, records.Verdict("confirmed"), m.Verdict("U4/handshake", "5.10"))
	assert.Equal(t, records.Verdict(""), m.Verdict("U4/handshake", "6.12"))
}

func TestKernelDir(t *testing.T) {
	for release, want := range map[string]string{
		"5.10.0-46-cloud-amd64":      "linux-5.10",
		"6.1.0-56-cloud-amd64":       "linux-6.1",
		"6.12.117+deb12-cloud-amd64": "linux-6.12",
	} {
		assert.Equal(t, want, kernelDir(release), release)
	}
	assert.False(t, strings.ContainsAny(kernelDir("weird/ one"), "/ "))
}

// Each Debian kernel's facts go where the judges' tests read them, with
// the verdicts of the claim and its parts; the host's, skipped claims and
// claims whose tests disagree are not recorded.
func TestRecordFactsPerKernelLine(t *testing.T) {
	root := t.TempDir()
	cols := []column{
		{Kernel: "6.1", Release: "6.1.0-56-cloud-amd64",
			Verdicts: map[string]records.Verdict{"U4": "refined", "U4/handshake": "confirmed", "L4": "skipped", "U5": "refined/confirmed"},
			Facts:    map[string]json.RawMessage{"U4": json.RawMessage(`{"Admitted":2}`), "L4": json.RawMessage(`{}`), "U5": json.RawMessage(`{}`)}},
		{Kernel: "host", Release: "6.18.44", Verdicts: map[string]records.Verdict{"U4": "refined"}, Facts: map[string]json.RawMessage{"U4": json.RawMessage(`{}`)}},
	}
	n, err := recordFacts(root, cols)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := records.ReadRecorded(filepath.Join(root, "uds"), "U4")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, records.Verdict("refined"), got[0].Verdict)
	assert.Equal(t, map[string]records.Verdict{"handshake": "confirmed"}, got[0].Parts)
	assert.Contains(t, got[0].Kernel, "6.1.0-56-cloud-amd64")
	assert.JSONEq(t, `{"Admitted":2}`, string(got[0].Facts))
	_, err = os.Stat(filepath.Join(root, "uds", records.FactsDir, "linux-6.1", "U4.json"))
	assert.NoError(t, err)
}

// Recording one architecture's kernels keeps the other's columns as they
// were, amd64's first; an arm64 column's facts go to a directory of its
// own and name its machine.
func TestRecordKeepsTheOtherArchitecture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "matrix.txt")
	amd := []column{
		{Kernel: "6.1", Release: "6.1.0-56-cloud-amd64", Verdicts: map[string]records.Verdict{"N3": "confirmed", "N3/unlink": "confirmed"}},
		{Kernel: "6.12", Release: "6.12.117+deb12-cloud-amd64", Verdicts: map[string]records.Verdict{"N3": "confirmed"}},
	}
	require.NoError(t, record(path, amd))
	arm := []column{{Kernel: "arm64:6.1", Release: "6.1.0-57-cloud-arm64", Verdicts: map[string]records.Verdict{"N3": "refined", "N3/unlink": "refined"}}}
	require.NoError(t, record(path, arm))
	m, err := records.ReadMatrix(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"6.1", "6.12", "arm64:6.1"}, m.Kernels)
	assert.Equal(t, records.Verdict("confirmed"), m.Verdict("N3/unlink", "6.1"))
	assert.Equal(t, records.Verdict("refined"), m.Verdict("N3/unlink", "arm64:6.1"))
	assert.Equal(t, records.Verdict(""), m.Verdict("N3/unlink", "6.12"))

	// Recording amd64's 6.1 again replaces that column alone, in its place.
	amd[0].Verdicts["N3"] = "refuted"
	require.NoError(t, record(path, amd[:1]))
	m, err = records.ReadMatrix(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"6.1", "6.12", "arm64:6.1"}, m.Kernels)
	assert.Equal(t, records.Verdict("refuted"), m.Verdict("N3", "6.1"))
	assert.Equal(t, records.Verdict("refined"), m.Verdict("N3", "arm64:6.1"))

	root := t.TempDir()
	arm[0].Facts = map[string]json.RawMessage{"N3": json.RawMessage(`{"Arch":"arm64"}`)}
	n, err := recordFacts(root, arm)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := records.ReadRecorded(filepath.Join(root, "unlink"), "N3")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Kernel, "6.1.0-57-cloud-arm64 aarch64")
	_, err = os.Stat(filepath.Join(root, "unlink", records.FactsDir, "linux-6.1-arm64", "N3.json"))
	assert.NoError(t, err)
}

func TestAForeignArchitectureGetsLongerUnlessTold(t *testing.T) {
	host := vm.HostArch()
	var foreign vm.Arch
	for _, a := range vm.Arches {
		if a.Name != host.Name {
			foreign = a
		}
	}
	if foreign.Name == "" {
		t.Skip("no architecture other than this machine's is known to the vm package")
	}
	o := options{timeout: 6 * time.Minute}
	if got := o.timeoutFor(host); got != 6*time.Minute {
		t.Errorf("this machine's architecture: %v; want the default 6m", got)
	}
	if got := o.timeoutFor(foreign); got != 12*time.Minute {
		t.Errorf("%s by default: %v; want 12m", foreign.Name, got)
	}
	o.timeoutSet = true
	if got := o.timeoutFor(foreign); got != 6*time.Minute {
		t.Errorf("%s with -timeout 6m: %v; want what was asked", foreign.Name, got)
	}
}

// Issue 32: the matrix read streams apart from the report, and as loosely:
// a test run twice whose first run failed after its verdict, a claim
// whose parts say otherwise, and the continuation of a multi-line t.Log
// each gave a verdict. It reads them through the report's reader now.
func TestReadColumnTrustsOnlyWhatTheStreamVouchesFor(t *testing.T) {
	const in = `{"Action":"run","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    nic_sudo_test.go:96: claim L1: refuted — eth0 carried it\n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    nic_sudo_test.go:99: cleanup: a link was left\n"}
{"Action":"fail","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"run","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    nic_sudo_test.go:96: claim L1: confirmed — lo only\n"}
{"Action":"pass","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"run","Package":"netnotes/uds","Test":"TestU4"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: claim U4/handshake: refuted — accept first\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU4","Output":"    judge.go:1: claim U4: confirmed — parts: handshake refuted\n"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU4"}
{"Action":"run","Package":"netnotes/uds","Test":"TestU5"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU5","Output":"    inode_test.go:9: observed:\n"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU5","Output":"        inode_test.go:10: claim U5: refuted — inside a message\n"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU5"}
`
	var c column
	require.NoError(t, c.readColumn([]byte(in)))
	assert.Equal(t, map[string]records.Verdict{"L1": "confirmed"}, c.Verdicts)
	assert.Equal(t, []string{"netnotes/loopback TestL1"}, c.Failed)
	require.Len(t, c.Problems, 1)
	assert.Contains(t, c.Problems[0], "claim U4 says confirmed, but its parts (handshake refuted) combine to refuted")
}
