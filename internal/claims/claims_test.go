package claims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/claims"
)

func TestLineRoundTrips(t *testing.T) {
	line := claims.Line("L3", claims.Confirmed, "route type local dev lo;\n lo tx +5")
	assert.Equal(t, "claim L3: confirmed — route type local dev lo; lo tx +5", line)

	id, verdict, evidence, ok := claims.Parse("    l3_test.go:42: " + line + "\n")
	assert.True(t, ok)
	assert.Equal(t, []string{"L3", "confirmed", "route type local dev lo; lo tx +5"}, []string{id, verdict, evidence})

	_, _, _, ok = claims.Parse("claim L3 is fine")
	assert.False(t, ok)
}

func TestCatalogueIDsAreUniqueAndComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range claims.Catalogue {
		assert.False(t, seen[c.ID], "%s twice", c.ID)
		seen[c.ID] = true
		assert.NotEmpty(t, c.Chapter, c.ID)
		assert.NotEmpty(t, c.Claim, c.ID)
	}
	assert.Len(t, claims.Catalogue, 32) // ../shared/CLAIMS.md
}
