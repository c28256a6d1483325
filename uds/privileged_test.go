//go:build !sudo

package uds_test

import (
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// The privileged notes live in *_sudo_test.go, built with -tags sudo. In a
// plain `go test` they still report, as skipped, so no claim goes missing.

func TestU3_UDSBypassesTheNetworkStack(t *testing.T) {
	claims.Check(t, "U3")
	gate.Skip(t, "privileged note (private netns, tracefs), built only with -tags sudo: run %s", gate.RunPrivileged)
}

func TestU9_FilePermissionsGateConnect(t *testing.T) {
	claims.Check(t, "U9")
	gate.Skip(t, "privileged note (a client as another uid), built only with -tags sudo: run %s", gate.RunPrivileged)
}
