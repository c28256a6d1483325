package loopback_test

import (
	"strings"
	"testing"

	"netnotes/internal/claims"
)

// L1: confirmed, in parallel with L2.
func TestFixtureL1(t *testing.T) {
	t.Parallel()
	v := claims.Check(t, "L1")
	v.Confirmed("tcp 5 bytes and udp 5 bytes over 127.0.0.1 with eth0 absent")
}

// L2: a verdict line longer than test2json's 1024-byte output events.
func TestFixtureL2(t *testing.T) {
	t.Parallel()
	v := claims.Check(t, "L2")
	t.Log("some chatter before the verdict")
	v.Refined("net_dev_xmit dev=lo; stack: %s; end of stack", strings.Repeat("ip_finish_output2 <- ", 80))
}

// L4: a perf claim's short verdict.
func TestFixtureL4(t *testing.T) {
	v := claims.Check(t, "L4")
	v.Confirmed("127.0.0.1/own-address round trip ratio 1.02 at 100 B")
}
