package stream_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

const pkg = "netnotes/uds"

// events writes a `go test -json` stream.
func events(t *testing.T, es ...stream.Event) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range es {
		require.NoError(t, enc.Encode(e))
	}
	return b.String()
}

func run(test string) stream.Event { return stream.Event{Action: "run", Package: pkg, Test: test} }
func out(test, line string) stream.Event {
	return stream.Event{Action: "output", Package: pkg, Test: test, Output: line + "\n"}
}
func end(action, test string) stream.Event {
	return stream.Event{Action: action, Package: pkg, Test: test}
}

func read(t *testing.T, in string) *stream.Reader {
	t.Helper()
	r := stream.NewReader()
	require.NoError(t, r.Read(strings.NewReader(in)))
	return r
}

func verdicts(r *stream.Reader) []string {
	var got []string
	for _, v := range r.Verdicts() {
		got = append(got, v.Test+" "+v.ID+" "+string(v.Verdict))
	}
	return got
}

func TestReaderJoinsLinesSplitAcrossInterleavedEvents(t *testing.T) {
	in := events(t,
		stream.Event{Action: "start", Package: pkg},
		stream.Event{Action: "output", Package: pkg, Test: "TestA", Output: "    a_test.go:9: claim L1: confirmed — first "},
		stream.Event{Action: "output", Package: pkg, Test: "TestB", Output: "    b_test.go:9: claim L2: refined — other "},
		stream.Event{Action: "output", Package: pkg, Test: "TestA", Output: "half\n    a_test.go:10: chatter\n"},
		end("pass", "TestA"),
		// TestB's line never gets its newline: the end of the test flushes it.
		stream.Event{Action: "output", Package: pkg, Test: "TestB", Output: "half"},
		end("pass", "TestB"),
		end("pass", ""),
	) + "go: not JSON, kept as output\n"
	r := read(t, in)
	assert.Equal(t, []stream.Verdict{
		{ID: "L1", Verdict: "confirmed", Evidence: "first half", Package: pkg, Test: "TestA"},
		{ID: "L2", Verdict: "refined", Evidence: "other half", Package: pkg, Test: "TestB"},
	}, r.Verdicts())
	assert.Equal(t, 2, r.Package(pkg).Verdicts)
	assert.Contains(t, r.Package("").Output, "go: not JSON, kept as output")
	assert.Empty(t, r.Problems())
}

// -count=2 runs a test twice; each run ends on its own. The first run
// logged a verdict and then failed: that verdict does not count, though
// the test's last run passed.
func TestReaderCountsEachRunOfATestOnItsOwn(t *testing.T) {
	r := read(t, events(t,
		run("TestU4"),
		out("TestU4", "    b_test.go:9: claim U4: refuted — first run"),
		out("TestU4", "    b_test.go:10: cleanup: leftover socket"),
		end("fail", "TestU4"),
		run("TestU4"),
		out("TestU4", "    b_test.go:9: claim U4: confirmed — second run"),
		end("pass", "TestU4"),
		end("fail", ""),
	))
	assert.Equal(t, []string{"TestU4 U4 confirmed"}, verdicts(r))
	assert.Equal(t, "fail", r.Result(stream.Key{Package: pkg, Test: "TestU4"}), "a test any of whose runs failed failed")
	assert.Equal(t, []stream.Key{{Package: pkg, Test: "TestU4"}}, r.Failed())
}

// The same with subtests: the second run's subtest belongs to the second
// run of its parent.
func TestReaderTiesSubtestsToTheirParentsRun(t *testing.T) {
	r := read(t, events(t,
		run("TestV8"), run("TestV8/podman"),
		out("TestV8/podman", "    r_test.go:9: claim V8: confirmed — first"),
		end("pass", "TestV8/podman"),
		out("TestV8", "    r_test.go:20: cleanup failed"),
		end("fail", "TestV8"),
		run("TestV8"), run("TestV8/podman"),
		out("TestV8/podman", "    r_test.go:9: claim V8: refined — second"),
		end("pass", "TestV8/podman"),
		end("pass", "TestV8"),
	))
	assert.Equal(t, []string{"TestV8/podman V8 refined"}, verdicts(r))
}

func TestReaderTakesOnlyATestLogsOwnHead(t *testing.T) {
	r := read(t, events(t,
		run("TestL1"),
		// t.Log("first\nclaim L1: ...") prints the second line indented
		// by eight, with no head: a continuation, not a verdict; nor one
		// that quotes a head of its own.
		out("TestL1", "    a_test.go:5: first"),
		out("TestL1", "        claim L1: refuted — continued"),
		out("TestL1", "        b_test.go:3: claim L1: refuted — a head inside a message"),
		out("TestL1", "        b_test.go:4: facts L1: {\"Dev\":\"eth0\"}"),
		out("TestL1", "    a_test.go:6: want claim L1: refuted — quoted"),
		out("TestL1", "    a_test.go:7: claim L1: confirmed — its own"),
		end("pass", "TestL1"),
	))
	v := r.Verdicts()
	require.Len(t, v, 1)
	assert.Equal(t, "its own", v[0].Evidence)
	assert.Empty(t, v[0].Facts)
}

func TestReaderRefusesAStreamThatContradictsItself(t *testing.T) {
	for _, c := range []struct {
		name   string
		events []stream.Event
		want   string // in the problem
	}{
		{"parts that do not combine to the claim's verdict", []stream.Event{
			run("TestU4"),
			out("TestU4", "    j.go:1: claim U4/handshake: refuted — accept came first"),
			out("TestU4", "    j.go:1: claim U4/queues: refuted — no queue"),
			out("TestU4", "    j.go:2: claim U4: confirmed — parts: handshake refuted, queues refuted"),
			end("pass", "TestU4"),
		}, "claim U4 says confirmed, but its parts (handshake refuted, queues refuted) combine to refuted"},
		{"a part logged twice", []stream.Event{
			run("TestU4"),
			out("TestU4", "    j.go:1: claim U4/handshake: confirmed — one"),
			out("TestU4", "    j.go:1: claim U4/handshake: confirmed — two"),
			out("TestU4", "    j.go:2: claim U4: confirmed — parts: handshake confirmed"),
			end("pass", "TestU4"),
		}, "part handshake is logged twice"},
		{"two verdicts from one run of a test", []stream.Event{
			run("TestU4"),
			out("TestU4", "    j.go:2: claim U4: confirmed — first"),
			out("TestU4", "    j.go:2: claim U4: refuted — second"),
			end("pass", "TestU4"),
		}, "logged 2 verdicts for claim U4 in one run (confirmed, refuted)"},
		{"a passing parent whose subtest failed", []stream.Event{
			run("TestU4"), run("TestU4/listen"),
			out("TestU4/listen", "    j.go:9: listen: EADDRINUSE"),
			end("fail", "TestU4/listen"),
			out("TestU4", "    j.go:2: claim U4: confirmed — all well"),
			end("pass", "TestU4"),
		}, "passed, though a subtest under it failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := read(t, events(t, c.events...))
			assert.Empty(t, r.Verdicts(), "nothing of it counts")
			p := r.Problems()
			require.Len(t, p, 1)
			assert.Contains(t, p[0].String(), c.want)
			assert.Equal(t, "TestU4", p[0].Test)
		})
	}
}

func TestReaderFindsWhereTheRunRan(t *testing.T) {
	node := records.Where{Host: "node-1", Kernel: "6.12.48+deb13-amd64", Arch: "x86_64", Mode: "root", Container: "podman", PIDNamespace: "own"}
	line := func(p string, w records.Where) stream.Event {
		return stream.Event{Action: "output", Package: p, Output: records.WhereLine(w) + "\n"}
	}
	r := read(t, events(t, stream.Event{Action: "start", Package: "netnotes/loopback"}, line("netnotes/loopback", node), line("netnotes/uds", node)))
	w, ok := r.Where()
	require.True(t, ok)
	assert.Equal(t, node, w)
	assert.Empty(t, r.Problems())
	assert.Equal(t, "Linux 6.12.48+deb13-amd64 (x86_64) on node-1, as root in a podman container (its own PID namespace)", stream.Describe(w))

	_, ok = read(t, events(t, out("TestX", "    x.go:1: said netnotes where: {\"kernel\":\"1\"}"))).Where()
	assert.False(t, ok, "a where line quoted in a message is not one")

	// Two machines' streams pasted into one: refused.
	other := node
	other.Host, other.Kernel = "node-2", "6.1.0-40-amd64"
	p := read(t, events(t, line("netnotes/loopback", node), line("netnotes/uds", other))).Problems()
	require.Len(t, p, 1)
	assert.Contains(t, p[0].What, "one stream holds runs of different machines")
}

func TestSummaryIsAColumn(t *testing.T) {
	r := read(t, events(t,
		run("TestU4"),
		out("TestU4", `    j.go:1: facts U4: {"Admitted":2}`),
		out("TestU4", "    j.go:1: claim U4/handshake: confirmed — before accept"),
		out("TestU4", "    j.go:1: claim U4/queues: refuted — admitted 2"),
		out("TestU4", "    j.go:2: claim U4: refined — parts: handshake confirmed, queues refuted"),
		end("pass", "TestU4"),
		run("TestU5"), out("TestU5", "    x.go:1: claim U5: refined — one"), end("pass", "TestU5"),
		run("TestU5b"), out("TestU5b", "    x.go:1: claim U5: confirmed — two"), end("pass", "TestU5b"),
		run("TestU6"), run("TestU6/sub"),
		out("TestU6/sub", "    x.go:1: claim U6: confirmed — then a cleanup failed"),
		out("TestU6/sub", "    x.go:2: cleanup: leftover file"),
		end("fail", "TestU6/sub"), end("fail", "TestU6"),
		run("TestU7"), out("TestU7", "    x.go:1: claim U7: refuted — then it hung"),
		stream.Event{Action: "output", Package: pkg, Output: "panic: test timed out after 5m0s\n"},
		end("fail", ""),
	))
	s := r.Summary()
	assert.Equal(t, map[string]records.Verdict{"U4": "refined", "U4/handshake": "confirmed", "U4/queues": "refuted", "U5": "refined/confirmed"}, s.Verdicts)
	assert.Equal(t, []string{"one", "two"}, s.Evidence["U5"])
	assert.JSONEq(t, `{"Admitted":2}`, string(s.Facts["U4"]))
	assert.Equal(t, []string{"netnotes/uds TestU6", "netnotes/uds TestU7 (did not finish)"}, s.Failed)
	assert.Equal(t, "cleanup: leftover file", s.Why["netnotes/uds TestU6"])
}

func TestTableMarksCells(t *testing.T) {
	cols := []stream.Column{
		{Head: []string{"node-1", "6.12"}, Verdicts: map[string]records.Verdict{"L1": "confirmed", "U4/queues": "refuted"}},
		{Head: []string{"node-2", "6.1"}, Verdicts: map[string]records.Verdict{"L1": "refuted"}},
	}
	var b bytes.Buffer
	stream.WriteTable(&b, []string{"claim", ""}, cols, func(col int, row string) string {
		if row == "L1" && col == 1 {
			return "*"
		}
		return ""
	})
	got := b.String()
	assert.Contains(t, got, "claim        node-1     node-2\n             6.12       6.1\n")
	assert.Contains(t, got, "L1           confirmed  refuted *\n")
	assert.Contains(t, got, "U4           -          -\n  U4/queues  refuted    -\n")
}
