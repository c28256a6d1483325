package records_test

import (
	"netnotes/internal/records"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLineRoundTrips(t *testing.T) {
	line := records.Line("L3", records.Confirmed, "route type local dev lo;\n lo tx +5")
	assert.Equal(t, "claim L3: confirmed — route type local dev lo; lo tx +5", line)

	l, ok := records.ParseLine("    l3_test.go:42: " + line + "\n")
	assert.True(t, ok)
	assert.Equal(t, records.VerdictLine{ID: "L3", Verdict: records.Confirmed, Evidence: "route type local dev lo; lo tx +5"}, l)

	_, ok = records.ParseLine("claim L3 is fine")
	assert.False(t, ok)
}

// The catalogue's shape, not its size: a claim is added by adding a row
// (CONTRIBUTING.md, "Adding a claim"), with nothing else to count.
func TestCatalogueIDsAreUniqueAndComplete(t *testing.T) {
	root, err := records.FindModuleRoot(".")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, c := range records.Catalogue {
		assert.False(t, seen[c.ID], "%s twice", c.ID)
		seen[c.ID] = true
		// One letter per chapter, then a number: the tools sort and
		// match claim lines by that shape.
		assert.Regexp(t, `^[A-Z][0-9]+$`, c.ID)
		assert.DirExists(t, filepath.Join(root, c.Chapter), "%s's chapter", c.ID)
		assert.NotEmpty(t, c.Claim, c.ID)
		assert.NotEmpty(t, c.Post.English, c.ID)
	}
	assert.NotEmpty(t, records.Catalogue)
}

func TestWhereLineRoundTrips(t *testing.T) {
	w := records.Where{Host: "node-1", Kernel: "6.12.117+deb12-cloud-amd64", Arch: "x86_64", Mode: "root",
		Container: "podman", PIDNamespace: "own", MissingCaps: []string{"CAP_SYS_ADMIN"}, ProcSysReadOnly: true, Lockdown: "none"}
	got, ok := records.ParseWhere(records.WhereLine(w) + "\n")
	assert.True(t, ok)
	assert.Equal(t, w, got)

	_, ok = records.ParseWhere(`said netnotes where: {"kernel":"6.1"}`)
	assert.False(t, ok, "a where line quoted inside other text is not one")
	_, ok = records.ParseWhere(`netnotes where: {"arch":"x86_64"}`)
	assert.False(t, ok, "a where line without a kernel says nothing")
}

// A verdict is a test's own log line: "    file.go:N: claim ...", with
// four spaces at any depth of subtests. The continuation of a multi-line
// message is indented by eight, and what it says is not a verdict.
func TestParseLogLineTakesOnlyALogMessagesHead(t *testing.T) {
	l, ok := records.ParseLogLine("    l3_test.go:42: claim L3/lookup: confirmed — local dev lo\n")
	assert.True(t, ok)
	assert.Equal(t, records.VerdictLine{ID: "L3", Part: "lookup", Verdict: "confirmed", Evidence: "local dev lo"}, l)
	for _, line := range []string{
		"        claim L3: refuted — a continuation",
		"        l3_test.go:43: claim L3: refuted — a head inside a continuation",
		"    l3_test.go:42: x.go:1: claim L3: refuted — a head inside a message",
		"claim L3: refuted — no head",
	} {
		_, ok := records.ParseLogLine(line)
		assert.False(t, ok, line)
	}
	id, facts, ok := records.ParseLogFacts(`    l3_test.go:41: facts L3: {"Dev":"lo"}`)
	assert.True(t, ok)
	assert.Equal(t, "L3", id)
	assert.JSONEq(t, `{"Dev":"lo"}`, string(facts))
	_, _, ok = records.ParseLogFacts(`        l3_test.go:41: facts L3: {"Dev":"eth0"}`)
	assert.False(t, ok, "a continuation's facts are not the test's")
}
