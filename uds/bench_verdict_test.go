package uds

import (
	"testing"
	"time"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// "For small messages (about 100 bytes) UDS performs more than twice as well
// as lo; with large messages the protocol stack's overhead matters less."
//
// A short version of `make bench` (which has the full table): UDS versus TCP
// over 127.0.0.1, raw path, both peers on one CPU, both shapes, 100 B and
// 64 KiB, 5 interleaved pairs of 0.1 s each. Nothing here asserts a speed; the
// verdict comes from the ratios, with margins noise does not cross.
// equiv: make bench   (or: go test -run '^$' -bench . ./uds)
func TestU8UDSVersusTCPOverLoopback(t *testing.T) {
	v := claims.Check(t, "U8")
	gate.SkipEmulated(t, "a measurement of a few seconds")
	gate.SkipShort(t, "a measurement of a few seconds")
	c := bench.NewComparison(bench.Config{Path: bench.Raw}, bench.UDS, bench.TCP,
		[]bench.Shape{bench.RoundTrip, bench.Stream}, []bench.Placement{bench.OneCPU}, []int{100, 65536})

	if err := c.Run(5, 100*time.Millisecond); err != nil {
		t.Fatalf("measuring: %v", err)
	}

	t.Logf("UDS versus TCP, raw path, both peers on one CPU:\n%s", c.Table())
	verdict, evidence := bench.U8Verdict(c)
	bench.Record(t, v, verdict, evidence)
}
