//go:build linux && sudo

package loopback_test

import (
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// L3: privileged; skips with the gate's reason when not root.
func TestFixtureL3(t *testing.T) {
	v := claims.Check(t, "L3")
	gate.Root(t)
	v.Confirmed("route type local dev lo; lo tx +5, nn1-2a tx +0")
}
