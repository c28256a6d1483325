package records_test

import (
	"netnotes/internal/records"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The recorded matrix names every claim of the catalogue on every kernel
// line, and writing it back gives the same file.
func TestMatrixFileHoldsEveryClaimOnEveryKernel(t *testing.T) {
	data, err := os.ReadFile("matrix.txt")
	require.NoError(t, err)
	m, err := records.ParseMatrix(data)
	require.NoError(t, err)
	require.NotEmpty(t, m.Kernels)
	for _, c := range records.Catalogue {
		if _, ok := m.Verdicts[c.ID]; !ok {
			t.Errorf("claim %s has no line in matrix.txt: run `go generate ./internal/records`, which gives it one (— until make matrix records it: CONTRIBUTING.md, \"Adding a claim\", step 6)", c.ID)
			continue
		}
		for _, k := range m.Kernels {
			assert.NotEmpty(t, m.Verdict(c.ID, k), "claim %s on %s", c.ID, k)
		}
	}
	assert.Equal(t, string(data), string(m.Format()), "matrix.txt is not as Format writes it: re-record it")
}

func TestParseMatrixRefusesWhatItCannotRead(t *testing.T) {
	_, err := records.ParseMatrix([]byte("kernel 6.1 6.1.0-1\nZ9 confirmed\n"))
	assert.ErrorContains(t, err, "Z9 is not in the catalogue")
	_, err = records.ParseMatrix([]byte("kernel 6.1 6.1.0-1\nL1 confirmed refined\n"))
	assert.ErrorContains(t, err, "want a kernel line or a claim with 1 verdicts")
}
