package loopback

import (
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// "Is 127.0.0.1 faster than the host's own IP? No, there is no difference."
//
// TCP to 127.0.0.1 versus TCP to another address of this host (see
// l4Target), raw path, both peers on one CPU, both shapes, 100 B and
// 64 KiB, in pairs whose two sides are timed in alternating chunks
// (bench.MeasurePair; bench.L4Windows: 10 round-trip pairs of 25 ms a
// side, 24 pairs of 100 B streams of 30 ms and 20 of 64 KiB streams of
// 50 ms, enough for a stream's TCP modes): about 7 s on a quiet machine,
// set-up and warm-up included. No speed is asserted: the judge
// reads the ratios with their spread (judgeL4), by CPU time per message,
// which a little other work barely moves; a cell measured while other
// work took more than bench.MaxOtherCPU of its CPU decides nothing. Run
// it alone: other tests on the same CPUs move it.
// `make bench` has the full table.
func TestL4LoopbackAddressVersusHostAddress(t *testing.T) {
	v := claims.Check(t, "L4")
	gate.SkipEmulated(t, "a measurement of a few seconds")
	gate.SkipShort(t, "a measurement of a few seconds")
	base, where := l4Target(t)
	facts, table, err := bench.SameCPU(base, bench.TCP, bench.TCPHostAddr, bench.L4Windows)
	if err != nil {
		t.Fatalf("measuring: %v", err)
	}
	// Both addresses really measured, never one twice.
	if facts.PeerA != "127.0.0.1" || facts.PeerB != base.Addr.String() {
		t.Fatalf("tcp connected to %s and tcp-hostaddr to %s; want 127.0.0.1 and %s", facts.PeerA, facts.PeerB, base.Addr)
	}

	t.Logf("TCP to 127.0.0.1 versus TCP to %s, raw path, both peers on one CPU:\n%s", where, table)
	claims.Judge(v, facts, judgeL4)
}
