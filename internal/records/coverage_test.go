package records_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
)

// The catalogue and the tests must agree: every claim has a test that calls
// claims.Check with its ID, in the catalogue's chapter, and no Check names an
// ID the catalogue does not hold. The scanner reads the source of every test
// file, privileged ones too, so this holds whichever tags a run uses.

func scanRepository(t *testing.T) *records.Scan {
	t.Helper()
	scan, err := records.ScanTests("../..")
	require.NoError(t, err)
	return scan
}

func TestEveryClaimHasATest(t *testing.T) {
	var missing []string
	for _, c := range scanRepository(t).Untested(records.Catalogue) {
		missing = append(missing, "\n  "+c.ID+" ("+c.Chapter+"/): "+c.Claim)
	}
	if len(missing) > 0 {
		t.Errorf("%d claims of the catalogue have no test calling claims.Check(t, \"ID\") (CONTRIBUTING.md, \"Adding a claim\", step 3):%s",
			len(missing), strings.Join(missing, ""))
	}
}

func TestEveryCheckNamesACatalogueClaim(t *testing.T) {
	scan := scanRepository(t)
	for _, r := range scan.Unknown(records.Catalogue) {
		t.Errorf("%s:%d: %s checks claim %q, which is not in the catalogue (internal/records/catalogue.go)",
			r.File, r.Line, r.Func, r.ID)
	}
	for _, p := range scan.Problems {
		t.Errorf("%s: %s", p.Pos, p.Msg)
	}
	for _, r := range scan.Misplaced(records.Catalogue) {
		c, _ := records.Lookup(r.ID)
		t.Errorf("%s:%d: %s checks claim %s, which the catalogue puts in chapter %s/: move the test or fix the catalogue",
			r.File, r.Line, r.Func, r.ID, c.Chapter)
	}
}

// A claim's test carries the claim's ID at the head of its name
// (TestL3OwnAddressGoesThroughLo), so that `-run '^TestL3'` runs it and a
// reader finds it from the ID: CONTRIBUTING.md, "Adding a claim", step 3.
func TestEveryCheckIsInATestNamedAfterItsClaim(t *testing.T) {
	for _, r := range scanRepository(t).Refs {
		if !strings.HasPrefix(r.Func, "Test"+r.ID) && !strings.HasPrefix(r.Func, "Benchmark"+r.ID) {
			t.Errorf("%s:%d: %s checks claim %s: name it Test%s<WhatItShows> (CONTRIBUTING.md, \"Adding a claim\", step 3)",
				r.File, r.Line, r.Func, r.ID, r.ID)
		}
	}
}

// Every verdict rule can go both ways: each claim's judge is registered
// (claims.Register), and after a full run of its chapter's tests the
// chapter's TestMain (claims.Main) fails when no refuting case of that
// judge ran. That check runs, not reads: here, only that every chapter
// wires it.
func TestEveryChapterChecksItsJudgesRefute(t *testing.T) {
	for _, c := range scanRepository(t).Uncheckable(records.Catalogue) {
		t.Errorf("claim %s (%s/): no TestMain calling claims.Main(m, %q) in an untagged test file of %s/, so nothing checks that its judge's refuting case ran",
			c.ID, c.Chapter, c.Chapter, c.Chapter)
	}
}

// A claim removed from the catalogue leaves no recorded facts or drill
// behind: no judge's table reads them, so nothing else would notice.
func TestRecordedFactsNameAClaimOfTheirChapter(t *testing.T) {
	chapters := map[string]bool{}
	for _, c := range records.Catalogue {
		chapters[c.Chapter] = true
	}
	for chapter := range chapters {
		files, err := filepath.Glob(filepath.Join("../..", chapter, records.FactsDir, "*", "*.json"))
		require.NoError(t, err)
		drills, err := filepath.Glob(filepath.Join("../..", chapter, records.DrillsDir, "*.json"))
		require.NoError(t, err)
		for _, f := range append(files, drills...) {
			id, _, _ := strings.Cut(filepath.Base(f), ".")
			if c, ok := records.Lookup(id); !ok || c.Chapter != chapter {
				t.Errorf("%s: claim %s is not a claim of %s/ in the catalogue: a removed claim's facts go with it (CONTRIBUTING.md, \"Removing a claim\")", strings.TrimPrefix(f, "../../"), id, chapter)
			}
		}
	}
}
