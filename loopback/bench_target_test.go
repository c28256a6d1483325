//go:build !sudo

package loopback

import (
	"testing"

	"netnotes/internal/bench"
)

// l4Target: without -tags sudo, the host's own address or a skip.
func l4Target(tb testing.TB) (base bench.Config, where string) {
	tb.Helper()
	return hostAddrTarget(tb)
}
