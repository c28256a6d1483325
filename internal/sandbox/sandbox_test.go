package sandbox_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/sandbox"
)

func TestUniqueNamesFitIFNAMSIZ(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		name := sandbox.UniqueName("br")
		assert.LessOrEqual(t, len(name), 15, name)
		assert.False(t, seen[name], "%s twice", name)
		seen[name] = true
	}
}
