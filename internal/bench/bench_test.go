package bench

import (
	"strings"
	"testing"
	"time"

	"netnotes/internal/bench/stats"
)

func TestConfigValidateRejectsBadInput(t *testing.T) {
	good := Config{Shape: RoundTrip, Path: Raw, Placement: OneCPU, Transport: UDS, Size: 100}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"shape":     func(c *Config) { c.Shape = "pingpong" },
		"path":      func(c *Config) { c.Path = "ebpf" },
		"placement": func(c *Config) { c.Placement = "numa" },
		"transport": func(c *Config) { c.Transport = "sctp" },
		"size 0":    func(c *Config) { c.Size = 0 },
		"size big":  func(c *Config) { c.Size = MaxSize + 1 },
		"no addr":   func(c *Config) { c.Transport = TCPHostAddr },
		"pipe conn": func(c *Config) { c.Transport, c.Path = Pipe, NetConn },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: %+v accepted; want an error", name, c)
		}
		if _, err := startSession(c); err == nil {
			t.Errorf("%s: startSession accepted %+v", name, c)
		}
	}
}

func TestNameIsBenchstatKeyValue(t *testing.T) {
	c := Config{Shape: Stream, Path: NetConn, Placement: Free, Transport: TCP, Size: 65536}
	if got, want := c.Name(), "path=netconn/placement=free/transport=tcp/size=65536"; got != want {
		t.Errorf("Name() = %q; want %q", got, want)
	}
}

// Every path, shape and transport moves data end to end: a short Measure
// of each returns messages, and the peer (process or goroutine) ends
// cleanly.
func TestMeasureEveryPathShapeTransport(t *testing.T) {
	for _, path := range []Path{Raw, NetConn} {
		for _, shape := range []Shape{RoundTrip, Stream} {
			for _, tr := range []Transport{UDS, TCP, UDSSeqpacket, Pipe} {
				c := Config{Shape: shape, Path: path, Placement: OneCPU, Transport: tr, Size: 1000}
				if c.Validate() != nil {
					continue
				}
				r, err := Measure(c, 20*time.Millisecond)
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				if r.Msgs <= 0 || r.MsgsPerSec() <= 0 {
					t.Errorf("%s: %d messages in %v", c, r.Msgs, r.Elapsed)
				}
			}
		}
	}
}

// BenchmarkHarnessCall measures what the raw path adds per system call,
// without a socket: getppid(2) through RawSyscall (what the engine uses)
// and through the scheduler-aware Syscall (entersyscall/exitsyscall).
func BenchmarkHarnessCall(b *testing.B) {
	b.Run("call=rawsyscall", func(b *testing.B) {
		for b.Loop() {
			rawGetppid()
		}
	})
	b.Run("call=syscall", func(b *testing.B) {
		for b.Loop() {
			goGetppid()
		}
	})
}

// A Comparison's table shows its Also transports and, for the same-CPU
// cells, the ratio by CPU time per message (B's over A's, pair by pair).
func TestTableShowsAlsoAndCPURatio(t *testing.T) {
	c := NewComparison(Config{Path: Raw}, UDS, TCP, []Shape{Stream}, []Placement{OneCPU, Free}, []int{100})
	c.Also = []Transport{Pipe}
	c.Measurer = func(cfg Config, _ time.Duration) (Result, error) {
		ns := map[Transport]time.Duration{UDS: 1000, TCP: 1500, Pipe: 400}[cfg.Transport]
		return Result{Config: cfg, Msgs: 1000, Elapsed: 1000 * ns, Counts: Counts{CPU: 1000 * ns}}, nil
	}
	if err := c.Run(3, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got := c.Measurements(3); got != 18 {
		t.Errorf("Measurements(3) = %d; want 3 reps x 2 cells x 3 transports", got)
	}
	cell := Cell{Stream, OneCPU, 100}
	if r := c.CPURatio(cell); r.N != 3 || r.Median != 1.5 {
		t.Errorf("CPU ratio %+v; want 1.5 from 3 pairs", r)
	}
	if got := stats.Median(c.RatesOf(Pipe, cell)); got != 2.5e6 {
		t.Errorf("pipe rate %.0f; want 2500000", got)
	}
	tab := c.Table()
	for _, want := range []string{"pipe msg/s", "2500000", "by CPU", " 1.50x 1.50-1.50"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
}
