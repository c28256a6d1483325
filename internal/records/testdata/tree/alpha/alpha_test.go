package alpha_test

import (
	"testing"

	"example.com/fake/internal/claims"
)

// A1 is checked in a plain test, from inside a subtest.
func TestAlphaOne(t *testing.T) {
	t.Run("inner", func(t *testing.T) {
		claims.Check(t, "A1")
	})
}

// A helper that is not a Check call with the same name.
func TestNotACheck(t *testing.T) {
	other{}.Check(t, "A9")
}

type other struct{}

func (other) Check(*testing.T, string) {}
