package unlink_test

import (
	"testing"

	"netnotes/internal/claims"
)

// N1: a plain pass with a verdict.
func TestFixtureN1(t *testing.T) {
	v := claims.Check(t, "N1")
	v.Confirmed("nlink 1 -> 2 after link, 1 after unlink")
}
