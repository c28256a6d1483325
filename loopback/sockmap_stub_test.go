//go:build !sudo

package loopback

import (
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// The L5 note needs root (BPF, a private namespace, tracefs) and lives in
// sockmap_sudo_test.go, built with -tags sudo. In a plain `go test` it
// still reports, as skipped, so the claim does not go missing.
func TestL5SockmapRedirectSkipsLo(t *testing.T) {
	claims.Check(t, "L5")
	gate.Skip(t, "privileged note (BPF sockhash and sk_msg program, private netns, tracefs), built only with -tags sudo: run %s", gate.RunPrivileged)
}
