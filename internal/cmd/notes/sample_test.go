package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// The README's sample of `make notes` output is what the report prints
// today for the recorded run of the sample claims: a change to the report,
// the catalogue or the recorded run needs `go generate ./internal/records`.
func TestReadmeSampleIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	scan, err := records.ScanTests(root)
	require.NoError(t, err)
	seen, err := records.ReadSeen(filepath.Join(root, records.SeenFile), records.Catalogue)
	require.NoError(t, err)
	want, err := readmeSample(root, scan, seen)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	have, ok := records.Between(readme, records.SampleBegin, records.SampleEnd)
	require.True(t, ok, "README.md has no %s ... %s", records.SampleBegin, records.SampleEnd)
	assert.Equal(t, want, have, "README.md's sample is stale: run go generate ./internal/records")
	for _, id := range records.SampleClaims {
		assert.Contains(t, have, "\n  "+id+"  ", "the sample shows no row for %s", id)
	}
}

// The sample keeps only the sample claims' tests' events.
func TestSampleStreamKeepsOnlyTheSampleClaimsTests(t *testing.T) {
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{{ID: "U8", Dir: "uds", Func: "TestU8X"}, {ID: "U4", Dir: "uds", Func: "TestU4X"}}}
	in := jsonStream(t,
		stream.Event{Action: "start", Package: "netnotes/uds"},
		stream.Event{Action: "output", Package: "netnotes/uds", Test: "TestU8X/sub", Output: "    x_test.go:1: claim U8: refined — x\n"},
		stream.Event{Action: "output", Package: "netnotes/uds", Test: "TestU4X", Output: "    x_test.go:1: claim U4: refined — y\n"},
		stream.Event{Action: "pass", Package: "netnotes/uds", Test: "TestU8X"},
	)
	out := string(sampleStream([]byte(in), scan))
	assert.Contains(t, out, "claim U8")
	assert.Contains(t, out, `"Test":"TestU8X"`)
	assert.NotContains(t, out, "claim U4")
	assert.NotContains(t, out, `"Action":"start"`)
}
