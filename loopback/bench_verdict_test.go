package loopback

import (
	"testing"
	"time"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// "Is 127.0.0.1 faster than the host's own IP? No, there is no difference."
//
// TCP to 127.0.0.1 versus TCP to another address of this host (see
// l4Target), raw path, both peers on one CPU, both shapes, 100 B, 4 KiB and
// 64 KiB, 5 interleaved pairs of 0.1 s each. No speed is asserted; the
// verdict comes from the geometric mean of the ratios (confirmed within
// 0.85-1.18). `make bench` has the full table.
// equiv: make bench   (or: go test -run '^$' -bench . ./loopback)
func TestL4LoopbackAddressVersusHostAddress(t *testing.T) {
	v := claims.Check(t, "L4")
	gate.SkipEmulated(t, "a measurement of a few seconds")
	gate.SkipShort(t, "a measurement of a few seconds")
	base, where := l4Target(t)
	c := bench.NewComparison(base, bench.TCP, bench.TCPHostAddr,
		[]bench.Shape{bench.RoundTrip, bench.Stream}, []bench.Placement{bench.OneCPU}, []int{100, 4096, 65536})

	if err := c.Run(5, 100*time.Millisecond); err != nil {
		t.Fatalf("measuring: %v", err)
	}

	t.Logf("TCP to 127.0.0.1 versus TCP to %s, raw path, both peers on one CPU:\n%s", where, c.Table())
	verdict, evidence := bench.L4Verdict(c, where)
	bench.Record(t, v, verdict, evidence)
}
