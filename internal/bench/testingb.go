package bench

import "testing"

// Run benchmarks one configuration: setup (connection, peer, placement,
// warm-up) outside the timer, one message or round trip per b.Loop
// iteration, and for Stream the wait for the peer to have everything
// inside the timer. It reports bytes (one message per op), allocations
// and msgs/s.
func Run(b *testing.B, c Config) {
	b.Helper()
	s, err := Start(c)
	if err != nil {
		b.Fatalf("%s: %v", c, err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			b.Errorf("%s: %v", c, err)
		}
	}()
	b.SetBytes(int64(c.Size))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Op(); err != nil {
			b.Fatalf("%s: %v", c, err)
		}
	}
	// b.Loop stopped the timer; the stream is not done until the peer
	// has read it all, so that wait is timed too.
	b.StartTimer()
	err = s.Finish()
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %v", c, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
