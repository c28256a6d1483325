//go:build linux && sudo

package uds_test

import (
	"testing"

	"netnotes/internal/claims"
)

// U5: privileged, and absent from the fixture streams (as if not run).
func TestFixtureU5(t *testing.T) {
	v := claims.Check(t, "U5")
	v.Confirmed("never logged")
}
