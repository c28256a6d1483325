//go:build !sudo

package loopback

import (
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/gate"
)

// l4Target: without -tags sudo there is no private namespace, and the
// other address must never be one of the host's own (a listener there is
// open to the LAN), so L4 skips.
func l4Target(tb testing.TB) (base bench.Config, where string) {
	tb.Helper()
	gate.Skip(tb, "needs a private network namespace for an address other than 127.0.0.1 "+
		"(a listener on the host's own address would face its LAN): run `make notes` or go test -tags sudo ./loopback, "+
		"which make one as root or, as yourself, in a user namespace")
	return bench.Config{}, ""
}
