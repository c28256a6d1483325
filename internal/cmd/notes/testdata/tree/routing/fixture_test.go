package routing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
)

// R1: refuted is a finding, not a failure.
func TestFixtureR1(t *testing.T) {
	v := claims.Check(t, "R1")
	v.Refuted("no broadcast 127.0.0.0 entry; table local has 3 entries")
}

// R2: fails before its verdict, in a subtest, through testify.
func TestFixtureR2(t *testing.T) {
	t.Run("link up", func(t *testing.T) {
		claims.Check(t, "R2")
		require.Equal(t, 2, 1, "broadcast entries after link up")
	})
}

// R3: gives a verdict, then fails.
func TestFixtureR3(t *testing.T) {
	v := claims.Check(t, "R3")
	v.Confirmed("entry dev nn1-3 (index 2); RouteGet dev lo")
	t.Errorf("cleanup found a leftover link")
}
