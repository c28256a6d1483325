package records_test

import (
	"netnotes/internal/records"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCatalogue goes with the fake module in testdata/tree.
var fakeCatalogue = []records.Claim{
	{ID: "A1", Chapter: "alpha", Claim: "the first claim"},
	{ID: "A2", Chapter: "alpha", Claim: "the second claim"},
	{ID: "A3", Chapter: "alpha", Claim: "a claim nobody checks"},
}

func TestScanFindsChecksAndTheirTests(t *testing.T) {
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)
	assert.Equal(t, "example.com/fake", scan.Module)

	assert.Equal(t, []records.TestRef{
		{ID: "A2", Dir: "alpha", File: "alpha/alpha_sudo_test.go", Line: 15, Func: "TestAlphaTwo", Privileged: true},
		{ID: "A1", Dir: "alpha", File: "alpha/alpha_test.go", Line: 12, Func: "TestAlphaOne"},
		{ID: "Z9", Dir: "beta", File: "beta/beta_test.go", Line: 12, Func: "TestUnknown"},
		{ID: "A1", Dir: "beta", File: "beta/beta_test.go", Line: 15, Func: "TestMisplaced"},
	}, scan.Refs, "testdata and nested modules are skipped; other{}.Check is not claims.Check")

	require.Len(t, scan.Problems, 1)
	assert.Equal(t, "beta/beta_test.go:20", scan.Problems[0].Pos)
	assert.Contains(t, scan.Problems[0].Msg, "not a string literal")
}

func TestScanNamesEveryDisagreement(t *testing.T) {
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)

	untested := scan.Untested(fakeCatalogue)
	require.Len(t, untested, 1)
	assert.Equal(t, "A3", untested[0].ID)

	unknown := scan.Unknown(fakeCatalogue)
	require.Len(t, unknown, 1)
	assert.Equal(t, "TestUnknown", unknown[0].Func)

	misplaced := scan.Misplaced(fakeCatalogue)
	require.Len(t, misplaced, 1)
	assert.Equal(t, "TestMisplaced", misplaced[0].Func)

	assert.Len(t, scan.Tests("A1"), 2)
}

func TestScanRefusesANonModule(t *testing.T) {
	_, err := records.ScanTests("testdata")
	assert.ErrorContains(t, err, "not a module root")
}

func TestScanFindsTheChaptersMains(t *testing.T) {
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)
	require.Len(t, scan.Mains, 2)
	assert.Equal(t, records.MainRef{Chapter: "alpha", Dir: "alpha", File: "alpha/main_test.go"}, scan.Mains[0])
	assert.True(t, scan.Mains[1].Tagged, "beta's is in a file the build ignores")

	var ids []string
	cat := append(fakeCatalogue[:1:1], records.Claim{ID: "B1", Chapter: "beta", Claim: "a beta claim"})
	for _, c := range scan.Uncheckable(cat) {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"B1"}, ids, "beta/'s TestMain is in an ignored file")
}
