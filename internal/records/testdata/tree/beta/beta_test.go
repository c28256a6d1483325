//go:build linux

package beta

import (
	"testing"

	. "example.com/fake/internal/claims"
)

// Z9 is not in the catalogue.
func TestUnknown(t *testing.T) { Check(t, "Z9") }

// A1 belongs to chapter alpha.
func TestMisplaced(t *testing.T) { Check(t, "A1") }

// The ID is computed: nobody can tell which claim this checks.
func TestComputed(t *testing.T) {
	for _, id := range []string{"A1"} {
		Check(t, id)
	}
}
