package records_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
)

func TestReadmeTableMatchesTheCatalogue(t *testing.T) {
	seen, err := records.ReadSeen("seen.txt", records.Catalogue)
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)

	matrix, err := records.ReadMatrix("matrix.txt")
	require.NoError(t, err)
	want, err := records.SpliceTable(readme, records.ReadmeMatrixTable(records.Catalogue, scanRepository(t), seen, matrix))
	require.NoError(t, err)
	if got, want := strings.Split(table(readme), "\n"), strings.Split(table(want), "\n"); !slices.Equal(got, want) {
		var diff []string
		for _, l := range want {
			if !slices.Contains(got, l) {
				diff = append(diff, "want: "+l)
			}
		}
		for _, l := range got {
			if !slices.Contains(want, l) {
				diff = append(diff, "have: "+l)
			}
		}
		t.Errorf("README.md's claim table is out of date: run `go generate ./internal/records` (CONTRIBUTING.md, \"Adding a claim\", step 6)\n%s", strings.Join(diff, "\n"))
	}
}

// table is the README's claim table, what the generator writes.
func table(readme []byte) string {
	s := string(readme)
	_, after, _ := strings.Cut(s, records.TableBegin)
	before, _, _ := strings.Cut(after, records.TableEnd)
	return before
}

func TestSeenFileHoldsEveryClaimOnce(t *testing.T) {
	data, err := os.ReadFile("seen.txt")
	require.NoError(t, err)
	seen, err := records.ParseSeen(data, records.Catalogue)
	require.NoError(t, err)
	for _, c := range records.Catalogue {
		if _, ok := seen.Verdicts[c.ID]; !ok {
			t.Errorf("claim %s has no line in seen.txt: run `go generate ./internal/records`, which gives it one (— until a root run records it: CONTRIBUTING.md, \"Adding a claim\", step 6)", c.ID)
		}
	}
	if t.Failed() {
		return
	}
	for key, v := range seen.Parts {
		id, _, _ := strings.Cut(key, "/")
		_, ok := records.Lookup(id)
		assert.True(t, ok, "%s: a part of a claim not in the catalogue", key)
		assert.NotEqual(t, records.NotSeen, v, key)
	}
	assert.Equal(t, string(seen.Format(records.Catalogue)), string(data),
		"seen.txt is written by `go run ./internal/cmd/notes -update-seen`, not by hand")
}

func TestSeenFileRoundTripsAndRejectsNonsense(t *testing.T) {
	in := records.Seen{Kernel: "Linux 6.18.44 x86_64, as root", Verdicts: map[string]records.Verdict{"A1": "confirmed", "A2": "refined"}}
	out, err := records.ParseSeen(in.Format(fakeCatalogue), fakeCatalogue)
	require.NoError(t, err)
	assert.Equal(t, in.Kernel, out.Kernel)
	assert.Equal(t, records.Verdict("confirmed"), out.Verdict("A1"))
	assert.Equal(t, records.NotSeen, out.Verdict("A3"))

	_, err = records.ParseSeen([]byte("Q7 confirmed\n"), fakeCatalogue)
	assert.ErrorContains(t, err, `claim "Q7" is not in the catalogue`)
	_, err = records.ParseSeen([]byte("A1 confirmed\nA1 refuted\n"), fakeCatalogue)
	assert.ErrorContains(t, err, "A1 twice")
	_, err = records.ParseSeen([]byte("A1\n"), fakeCatalogue)
	assert.ErrorContains(t, err, "has no value")
	_, err = records.ParseSeen([]byte("A1 true\n"), fakeCatalogue)
	assert.ErrorContains(t, err, `"true" is not a verdict`)
	out, err = records.ParseSeen([]byte("A1 undecided\nA1/small undecided\n"), fakeCatalogue)
	require.NoError(t, err, "a claim whose measured part is undecided is undecided")
	assert.Equal(t, records.Undecided, out.Verdict("A1"))
	_, err = records.ParseSeen([]byte("A1/Small undecided\n"), fakeCatalogue)
	assert.ErrorContains(t, err, "not a part name")
}

func TestSeenKeepsPartsAndNamesWhatChanged(t *testing.T) {
	ci := records.Seen{Kernel: "k", Verdicts: map[string]records.Verdict{"A1": "refined", "A2": "confirmed"},
		Parts: map[string]records.Verdict{"A1/small": "undecided", "A1/shrinks": "refuted"}}
	out, err := records.ParseSeen(ci.Format(fakeCatalogue), fakeCatalogue)
	require.NoError(t, err)
	assert.Equal(t, ci.Parts, out.Parts)
	assert.Contains(t, string(ci.Format(fakeCatalogue)), "A1 refined\nA1/shrinks refuted\nA1/small undecided\nA2 confirmed\n")

	here := records.Seen{Verdicts: map[string]records.Verdict{"A1": "refined", "A2": "refuted", "A3": "confirmed"},
		Parts: map[string]records.Verdict{"A1/small": "confirmed", "A1/shrinks": "skipped"}}
	diffs := ci.Differences(here, fakeCatalogue)
	assert.Equal(t, []records.Difference{
		{Key: "A1/shrinks", Was: "refuted", Is: "skipped"},
		{Key: "A1/small", Was: "undecided", Is: "confirmed"},
		{Key: "A2", Was: "confirmed", Is: "refuted"},
		{Key: "A3", Was: records.NotSeen, Is: "confirmed"},
	}, diffs, "A3 appeared; A1/shrinks was not observed here, listed apart")
	assert.False(t, diffs[1].Noise, "A1/small is not a measured part")
	assert.True(t, diffs[2].Flip())
	var findings []string
	for _, d := range diffs {
		if d.Finding() {
			findings = append(findings, d.Key)
		}
	}
	assert.Equal(t, []string{"A2"}, findings, "only a decided verdict against a decided verdict is a finding")

	// A part that disappears is a difference.
	gone := records.Seen{Verdicts: map[string]records.Verdict{"A1": "refined", "A2": "confirmed"},
		Parts: map[string]records.Verdict{"A1/small": "undecided"}}
	assert.Equal(t, []records.Difference{{Key: "A1/shrinks", Was: "refuted", Is: records.NotSeen}},
		ci.Differences(gone, fakeCatalogue))
}

func TestReadmeTableFromTheFakeTree(t *testing.T) {
	scan, err := records.ScanTests("testdata/tree")
	require.NoError(t, err)
	seen := records.Seen{Kernel: "Linux 6.18.44 x86_64, as root", Verdicts: map[string]records.Verdict{"A1": "confirmed"}}

	table := records.ReadmeTable(fakeCatalogue, scan, seen)
	assert.Contains(t, table, "(Linux 6.18.44 x86_64, as root)")
	assert.Contains(t, table, "| A1 | the first claim |  | [alpha/](alpha/) | [TestAlphaOne](alpha/alpha_test.go), [TestMisplaced](beta/beta_test.go) | confirmed |\n")
	assert.Contains(t, table, "| A2 | the second claim |  | [alpha/](alpha/) | [TestAlphaTwo](alpha/alpha_sudo_test.go) (root) | — |\n")
	assert.Contains(t, table, "| A3 | a claim nobody checks |  | [alpha/](alpha/) | — | — |\n")

	readme := []byte("# x\n\n" + records.TableBegin + "\nold\n" + records.TableEnd + "\n\nrest\n")
	got, err := records.SpliceTable(readme, table)
	require.NoError(t, err)
	assert.Equal(t, "# x\n\n"+records.TableBegin+"\n"+table+records.TableEnd+"\n\nrest\n", string(got))

	_, err = records.SpliceTable([]byte("no markers"), table)
	assert.ErrorContains(t, err, "markers")
}

// The README's prose counts the claims ("a verdict for 36 of the 40
// claims", the image's table): a claim added or removed changes them, and
// no generator does.
func TestReadmeCountsEveryClaim(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	counts := regexp.MustCompile(`of the (\d+)\b`).FindAllSubmatch(readme, -1)
	require.NotEmpty(t, counts, `README.md no longer says "of the N claims"`)
	for _, m := range counts {
		if n, _ := strconv.Atoi(string(m[1])); n != len(records.Catalogue) {
			t.Errorf("README.md says %q, the catalogue holds %d claims: correct the count by hand, and the counts of verdicts beside it (\"gives a verdict for **N**\" as an ordinary user, the image's modes), from a run (CONTRIBUTING.md, \"Adding a claim\", step 6)", m[0], len(records.Catalogue))
		}
	}
}
