package bench

import "testing"

// Run benchmarks one configuration: setup (connection, peer, placement,
// warm-up) outside the timer, one message or round trip per b.Loop
// iteration, and for Stream the wait for the peer to have everything
// inside the timer. It reports bytes (one message per op), allocations
// and msgs/s, and for RoundTrip the latency of a round trip at the 50th,
// 99th and 99.9th percentiles (p50-ns/op, p99-ns/op, p99.9-ns/op): the
// mean (ns/op) hides the tail that a reader choosing a transport for
// requests cares about. The loop runs on a goroutine of its own, whose
// thread may leave the process's descriptor table (see
// session.privateFiles).
func Run(b *testing.B, c Config) {
	b.Helper()
	b.SetBytes(int64(c.Size))
	b.ReportAllocs()
	err := onOwnGoroutine(func() error {
		s, err := startSession(c)
		if err != nil {
			return err
		}
		if err := s.privateFiles(); err != nil {
			s.Close()
			return err
		}
		lat := newLatencies(c.Shape)
		for b.Loop() {
			began := lat.start()
			if err := s.Op(); err != nil {
				s.Close()
				return err
			}
			lat.record(began)
		}
		lat.report(b)
		// b.Loop stopped the timer; the stream is not done until the peer
		// has read it all, so that wait is timed too.
		b.StartTimer()
		err = s.Finish()
		b.StopTimer()
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		b.Fatalf("%s: %v", c, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
