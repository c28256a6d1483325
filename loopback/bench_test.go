package loopback

// The performance note (claim L4): "Is 127.0.0.1 faster than the host's own
// IP? No, there is no difference." Traffic to any address of this host is
// routed as type local through lo, so TCP to 127.0.0.1 and TCP to the
// host's own address should cost the same.
//
//	go test -tags sudo -run '^$' -bench . ./loopback   # as yourself or as root
//
// transport=tcp is 127.0.0.1, transport=tcp-hostaddr the other address:
// 198.18.0.1 on a veth device in a private namespace, both transports
// measured inside it. The namespace needs -tags sudo, and root or the
// rootless mode's user namespace (internal/sandbox); without one the
// benchmarks skip. They never listen on the host's own address, which
// would face its LAN.
// The engine, shapes, placements and how to compare machines with
// benchstat are described in internal/bench (`go doc netnotes/internal/bench`)
// and at the top of uds/bench_test.go.
//
// The eBPF shortcut (claim L5) is measured beside UDS and TCP, raw path,
// both placements, the sweep's sizes; tcp-sockmap needs root (BPF) and
// skips without it, naming what is missing:
//
//	sudo go test -run '^$' -bench Sockmap ./loopback                         # uds, tcp, tcp-sockmap
//	sudo go test -run '^$' -bench 'Sockmap/path=raw/.*/transport=tcp-sockmap' ./loopback   # tcp-sockmap alone
//
// (-bench matches each /-separated level of a name on its own, and a
// top-level benchmark is a Go identifier: a bare `-bench tcp-sockmap`
// selects nothing.)

import (
	"net/netip"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/gate"
	"netnotes/internal/sockmap"
)

func sweepL4(b *testing.B, shape bench.Shape) {
	gate.SkipEmulated(b, "a benchmark")
	base, where := l4Target(b)
	checkL4Peers(b, base)
	b.Logf("transport=tcp is 127.0.0.1, transport=tcp-hostaddr is %s (both checked with getpeername)", where)
	for _, placement := range []bench.Placement{bench.OneCPU, bench.Free} {
		for _, size := range bench.Sizes {
			for _, tr := range []bench.Transport{bench.TCP, bench.TCPHostAddr} {
				cfg := base
				cfg.Shape, cfg.Placement, cfg.Size, cfg.Transport = shape, placement, size, tr
				b.Run(cfg.Name(), func(b *testing.B) { bench.Run(b, cfg) })
			}
		}
	}
}

func BenchmarkRoundTrip(b *testing.B) { sweepL4(b, bench.RoundTrip) }

func BenchmarkStream(b *testing.B) { sweepL4(b, bench.Stream) }

// checkL4Peers fails a benchmark whose transports would not reach the
// addresses their names say: transport=tcp 127.0.0.1, tcp-hostaddr the
// other address.
func checkL4Peers(b *testing.B, base bench.Config) {
	b.Helper()
	for tr, want := range map[bench.Transport]netip.Addr{bench.TCP: netip.MustParseAddr("127.0.0.1"), bench.TCPHostAddr: base.Addr} {
		cfg := base
		cfg.Shape, cfg.Placement, cfg.Size, cfg.Transport = bench.RoundTrip, bench.Free, 1, tr
		got, err := bench.Peer(cfg)
		if err != nil {
			b.Fatalf("transport=%s: %v", tr, err)
		}
		if got != want.String() {
			b.Fatalf("transport=%s connects to %s; want %s", tr, got, want)
		}
	}
}

// sweepSockmap measures UDS, TCP and TCP with the sockmap redirect side by
// side, size by size, on the raw path in both placements.
func sweepSockmap(b *testing.B, shape bench.Shape) {
	for _, placement := range []bench.Placement{bench.OneCPU, bench.Free} {
		for _, size := range bench.Sizes {
			for _, tr := range []bench.Transport{bench.UDS, bench.TCP, bench.TCPSockmap} {
				cfg := bench.Config{Shape: shape, Path: bench.Raw, Placement: placement, Transport: tr, Size: size}
				b.Run(cfg.Name(), func(b *testing.B) {
					if tr == bench.TCPSockmap {
						gate.Feature(b, "BPF sockhash maps and sk_msg programs with bpf_msg_redirect_hash", sockmap.Probe, gate.CapBPF)
					}
					bench.Run(b, cfg)
				})
			}
		}
	}
}

func BenchmarkSockmapRoundTrip(b *testing.B) { sweepSockmap(b, bench.RoundTrip) }

func BenchmarkSockmapStream(b *testing.B) { sweepSockmap(b, bench.Stream) }
