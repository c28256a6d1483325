//go:build linux && sudo

package bench

import (
	"testing"
	"time"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
	"netnotes/internal/sockmap"
)

// tcp-sockmap measures what its name says: in a private namespace, a
// thousand messages of 100 B over tcp-sockmap move lo's byte counter by
// less than one tenth of the payload (what moves is the connection's own
// end: FIN and ACKs), while over plain tcp, the control, lo carries at
// least every payload byte.
// equiv: ip -s link show lo
//
// (before and after)
func TestSockmapTransportSkipsLo(t *testing.T) {
	gate.Feature(t, "BPF sockhash and sk_msg redirect", sockmap.Probe, gate.CapBPF)
	const msgs, size = 1000, 100
	const payload = msgs * size
	ns := sandbox.New(t)
	for _, tr := range []Transport{TCPSockmap, TCP} {
		for _, shape := range []Shape{RoundTrip, Stream} {
			c := Config{Shape: shape, Path: Raw, Placement: Free, Transport: tr, Size: size, InNetns: ns.Do}
			s, err := startSession(c)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			before := ns.Counters(t, "lo")
			for range msgs {
				if err := s.Op(); err != nil {
					s.Close()
					t.Fatalf("%s: %v", c, err)
				}
			}
			if err := s.Finish(); err != nil {
				s.Close()
				t.Fatalf("%s: %v", c, err)
			}
			moved := ns.Counters(t, "lo").Sub(before)
			if err := s.Close(); err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			t.Logf("%s: %d messages, lo %v", c, msgs, moved)
			switch {
			case tr == TCPSockmap && moved.TxBytes >= payload/10:
				t.Errorf("%s: lo sent %d B for %d B of messages; the redirect should keep them off lo", c, moved.TxBytes, payload)
			case tr == TCP && moved.TxBytes < payload:
				t.Errorf("%s: lo sent %d B for %d B of messages; plain TCP should carry them all", c, moved.TxBytes, payload)
			}
		}
	}
}

// tcp-sockmap runs in every shape and placement, at the smallest and the
// largest size of the sweep.
func TestMeasureSockmapEveryShape(t *testing.T) {
	gate.Feature(t, "BPF sockhash and sk_msg redirect", sockmap.Probe, gate.CapBPF)
	for _, shape := range []Shape{RoundTrip, Stream} {
		for _, placement := range []Placement{OneCPU, Free} {
			for _, size := range []int{Sizes[0], Sizes[len(Sizes)-1]} {
				c := Config{Shape: shape, Path: Raw, Placement: placement, Transport: TCPSockmap, Size: size}
				r, err := Measure(c, 20*time.Millisecond)
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				if r.Msgs <= 0 {
					t.Errorf("%s: %d messages in %v", c, r.Msgs, r.Elapsed)
				}
				t.Logf("%s: %.0f msgs/s", c, r.MsgsPerSec())
			}
		}
	}
}
