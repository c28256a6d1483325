package bench

import (
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// latencies is a histogram of round-trip times (HdrHistogram: 1 ns to a
// minute, three significant digits, so any percentile is within 0.1% of
// the true value), kept only for RoundTrip, the shape whose op is a
// request answered. A stream's op is a write into a socket buffer: its
// time says nothing about when the peer got the message.
type latencies struct{ h *hdrhistogram.Histogram }

func newLatencies(shape Shape) latencies {
	if shape != RoundTrip {
		return latencies{}
	}
	return latencies{hdrhistogram.New(1, int64(time.Minute), 3)}
}

// start reads the clock before an op; a stream reads none, so that its
// loop is the same as without percentiles.
func (l latencies) start() time.Time {
	if l.h == nil {
		return time.Time{}
	}
	return time.Now()
}

// record adds the time since began: one round trip, the two clock reads
// (some tens of ns, under 1% of a round trip over a socket) included.
func (l latencies) record(began time.Time) {
	if l.h != nil {
		l.add(time.Since(began))
	}
}

// add counts one round trip of d.
func (l latencies) add(d time.Duration) {
	// A value beyond a minute is clamped rather than lost: it is the tail.
	_ = l.h.RecordValue(min(int64(d), l.h.HighestTrackableValue()))
}

// percentiles are the metrics' names with the percentile each reports.
var percentiles = []struct {
	Metric string
	Q      float64
}{{"p50-ns/op", 50}, {"p99-ns/op", 99}, {"p99.9-ns/op", 99.9}}

// Latency is one run's round-trip time at the percentiles of
// percentiles; zero for a stream.
type Latency struct {
	P50, P99, P999 time.Duration
	N              int64 // round trips timed
}

// Values lists the percentiles in the order of the metrics p50, p99, p99.9.
func (l Latency) Values() []time.Duration { return []time.Duration{l.P50, l.P99, l.P999} }

func (l latencies) summary() Latency {
	if l.h == nil || l.h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) time.Duration { return time.Duration(l.h.ValueAtQuantile(p)) }
	return Latency{P50: q(50), P99: q(99), P999: q(99.9), N: l.h.TotalCount()}
}

// report adds the percentiles to b's metrics.
func (l latencies) report(b *testing.B) {
	if l.h == nil || l.h.TotalCount() == 0 {
		return
	}
	for _, p := range percentiles {
		b.ReportMetric(float64(l.h.ValueAtQuantile(p.Q)), p.Metric)
	}
}
