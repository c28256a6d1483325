package bench

import (
	"testing"
	"time"
)

func TestRoundTripsReportPercentiles(t *testing.T) {
	// 997 round trips of 1 µs and three of 5 ms: the median and the 99th
	// percentile are the microsecond, the 99.9th a slow one.
	res := testing.Benchmark(func(b *testing.B) {
		lat := newLatencies(RoundTrip)
		for range 997 {
			lat.add(time.Microsecond)
		}
		for range 3 {
			lat.add(5 * time.Millisecond)
		}
		lat.report(b)
	})
	within := func(metric string, lo, hi time.Duration) {
		t.Helper()
		got, ok := res.Extra[metric]
		if !ok {
			t.Fatalf("no %s among %v", metric, res.Extra)
		}
		if got < float64(lo) || got > float64(hi) {
			t.Errorf("%s = %.0f ns; want %v to %v", metric, got, lo, hi)
		}
	}
	// HdrHistogram keeps three significant digits.
	within("p50-ns/op", 999*time.Nanosecond, 1001*time.Nanosecond)
	within("p99-ns/op", 999*time.Nanosecond, 1001*time.Nanosecond)
	within("p99.9-ns/op", 4995*time.Microsecond, 5005*time.Microsecond)
}

func TestStreamsReportNoPercentiles(t *testing.T) {
	// A stream's op ends when the write is buffered, not when the peer has
	// the message: no latency to report, and no clock read in its loop.
	res := testing.Benchmark(func(b *testing.B) {
		lat := newLatencies(Stream)
		if began := lat.start(); !began.IsZero() {
			b.Errorf("a stream's op read the clock")
		}
		lat.record(time.Now())
		lat.report(b)
	})
	for _, p := range percentiles {
		if _, ok := res.Extra[p.Metric]; ok {
			t.Errorf("a stream reported %s", p.Metric)
		}
	}
}
