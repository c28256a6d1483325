package uds_test

import (
	"testing"

	"netnotes/internal/claims"
)

// U8: a perf claim's short verdict, and a verdict line for an ID that is not
// in the catalogue, logged by hand.
func TestFixtureU8(t *testing.T) {
	v := claims.Check(t, "U8")
	t.Log(claims.Line("Q1", claims.Confirmed, "made up"))
	v.Refined("uds/tcp round trip 1.41x at 100 B, 2.3x at 64 KiB")
}
