//go:build linux && sudo

package alpha_test

import (
	"testing"

	c "example.com/fake/internal/claims"
)

const idTwo = "A2"

// A2 is checked through an aliased import and a constant, in a privileged file.
func TestAlphaTwo(t *testing.T) {
	c.Check(t, idTwo)
}
