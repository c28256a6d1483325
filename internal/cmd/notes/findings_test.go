package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// What `make notes` printed on a fresh machine without podman or docker,
// with L4's 64 KiB stream cell straddling its band: under "Different from
// the project's machine ..., a finding" it listed "L4 confirmed there,
// refined here", "V8 confirmed/refuted there, confirmed/skipped here" and
// the runtimes' parts "— here". None of them is a finding: an undecided
// measurement, and parts that did not run here, are listed apart with
// what would decide each. N3/rm, decided on both sides, is a finding.
func TestReportListsOnlyDecidedDifferencesAsFindings(t *testing.T) {
	log := func(pkg, test, text string) stream.Event {
		return stream.Event{Action: "output", Package: pkg, Test: test, Output: "    x_test.go:9: " + text + "\n"}
	}
	pass := func(pkg, test string) stream.Event { return stream.Event{Action: "pass", Package: pkg, Test: test} }
	skip := func(pkg, test string) stream.Event { return stream.Event{Action: "skip", Package: pkg, Test: test} }
	const lo, veth, unlink = "netnotes/loopback", "netnotes/veth", "netnotes/unlink"
	in := jsonStream(t,
		log(lo, "TestL4", "claim L4/no-difference: undecided — stream 65536 B 0.90-1.02x (straddles); 1 of 4 cells straddle the band's edge"),
		log(lo, "TestL4", "claim L4: refined — parts: no-difference undecided"),
		log(lo, "TestL5", "claim L5/speed: undecided — round trip 100 B 0.88-1.30x (measured under load: other work took 28% of the measured CPU's time, more than 5%); 1 of 1 cells measured under load; measured under: other work took 28% of the measured CPU's time; load average 20.34 when the measurement started"),
		log(lo, "TestL5", "claim L5: undecided — parts: speed undecided"),
		pass(lo, "TestL5"),
		pass(lo, "TestL4"),
		log(veth, "TestV8A", "claim V8/bridge-port: confirmed — h1 and h2 are ports of br0"),
		log(veth, "TestV8A", "claim V8: confirmed — parts: bridge-port confirmed"),
		pass(veth, "TestV8A"),
		log(veth, "TestV8C", "claim V8: skipped — podman is not installed: apt-get install podman netavark runc"),
		skip(veth, "TestV8C"),
		log(veth, "TestV8D", "claim V8: skipped — podman is not installed: apt-get install podman slirp4netns"),
		skip(veth, "TestV8D"),
		log(unlink, "TestN3", "claim N3/rm: refuted — rm renamed the file"),
		log(unlink, "TestN3", "claim N3: refuted — parts: rm refuted"),
		pass(unlink, "TestN3"),
		stream.Event{Action: "pass", Package: lo}, stream.Event{Action: "pass", Package: veth}, stream.Event{Action: "pass", Package: unlink},
	)
	col := stream.NewReader()
	require.NoError(t, col.Read(strings.NewReader(in)))
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{
		{ID: "L4", Dir: "loopback", Func: "TestL4"}, {ID: "L5", Dir: "loopback", Func: "TestL5"}, {ID: "N3", Dir: "unlink", Func: "TestN3"},
		{ID: "V8", Dir: "veth", Func: "TestV8A"}, {ID: "V8", Dir: "veth", Func: "TestV8C"}, {ID: "V8", Dir: "veth", Func: "TestV8D"},
	}}
	cat := []records.Claim{{ID: "L4", Chapter: "loopback", Claim: "No faster."}, {ID: "L5", Chapter: "loopback", Claim: "A sockmap."}, {ID: "N3", Chapter: "unlink", Claim: "rm calls unlinkat."},
		{ID: "V8", Chapter: "veth", Claim: "A container's veth."}}
	r := buildReport(cat, scan, col, Env{Root: true})
	ci := records.Seen{Kernel: "the project's machine", Verdicts: map[string]records.Verdict{"L4": "confirmed", "L5": "confirmed", "N3": "confirmed", "V8": "confirmed/refuted"},
		Parts: map[string]records.Verdict{"L4/no-difference": "confirmed", "L5/speed": "confirmed", "N3/rm": "confirmed", "V8/bridge-port": "confirmed",
			"V8/podman": "confirmed", "V8/podman-rootless": "refuted"}}
	r.SeenOn = ci.Kernel
	r.Changed = ci.Differences(seenFrom(r), cat)

	var b bytes.Buffer
	r.writeText(&b, 200)
	out := b.String()
	found, apart, ok := strings.Cut(out, "Not decided on both machines, so no finding")
	require.True(t, ok, "no section for the differences that are no finding:\n%s", out)
	_, found, _ = strings.Cut(found, "a finding:\n")
	assert.Equal(t, "  N3                 confirmed there, refuted here\n  N3/rm              confirmed there, refuted here\n\n", found)
	for _, want := range []string{
		"  L4                 confirmed there, refined here\n",
		"  L4/no-difference   confirmed there, undecided here\n" +
			"                        undecided here, so no finding: its spread straddles the claim's threshold (stream 65536 B 0.90-1.02x",
		"  L5                 confirmed there, undecided here\n                        undecided here, so no finding: see its undecided parts\n",
		"  L5/speed           confirmed there, undecided here\n" +
			"                        undecided here, so no finding: measured under: other work took 28% of the measured CPU's time;",
		"  V8                 confirmed/refuted there, confirmed/skipped here\n",
		"  V8/podman          confirmed there, — here\n                        not run here: podman is not installed: apt-get install podman netavark runc",
		"  V8/podman-rootless refuted there, — here\n",
	} {
		assert.Contains(t, apart, want)
	}

	// What would decide each: a spread, a longer measurement; the load, a quieter machine.
	assert.Contains(t, strings.Join(strings.Fields(apart), " "), "(straddles); 1 of 4 cells straddle the band's edge); a longer measurement may decide it (`make bench`)")
	assert.Contains(t, strings.Join(strings.Fields(apart), " "), "load average 20.34 when the measurement started; a run on a quieter machine decides it")

	b.Reset()
	r.writeMarkdown(&b)
	md := b.String()
	assert.Contains(t, md, "a finding:\n\n- N3: confirmed there, refuted here\n- N3/rm: confirmed there, refuted here\n\nNot decided on both machines")
	assert.Contains(t, md, "- V8/podman: confirmed there, — here: not run here: podman is not installed")
	// The verdict column shows the parts: L4's one part could not decide.
	assert.Contains(t, md, "| L4 | No faster. | undecided: no-difference |")
}
