package bench

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
)

// Shape is the workload: how the two peers use the connection.
type Shape string

const (
	// RoundTrip: the client writes a message, the peer echoes it, the client
	// reads all of it back before the next one. Latency-bound.
	RoundTrip Shape = "roundtrip"
	// Stream: the client writes messages back to back and the peer reads
	// them; timed until the peer has received everything. Throughput-bound.
	Stream Shape = "stream"
)

// Path is the I/O path both peers use.
type Path string

const (
	// Raw: blocking read/write system calls through x/sys/unix, the client
	// on a locked OS thread, the peer in a child process: the kernel's cost.
	Raw Path = "raw"
	// NetConn: net.Conn through Go's poller, both peers goroutines of this
	// process: what a Go program sees.
	NetConn Path = "netconn"
)

// Placement says where the two peers run.
type Placement string

const (
	// OneCPU: both peers pinned to one CPU with sched_setaffinity (for the
	// raw path the client's thread and the peer process; for the netconn
	// path every thread of this process, as `taskset -c N` would). Every
	// hand-over is a same-CPU context switch: the stable placement.
	OneCPU Placement = "onecpu"
	// Free: the scheduler decides; hand-overs may be cross-CPU wakeups.
	Free Placement = "free"
)

// Transport is the kind of connection.
type Transport string

const (
	UDS          Transport = "uds"           // AF_UNIX SOCK_STREAM, bound to a path
	UDSSeqpacket Transport = "uds-seqpacket" // AF_UNIX SOCK_SEQPACKET: message boundaries kept
	TCP          Transport = "tcp"           // TCP to 127.0.0.1, TCP_NODELAY on both ends
	TCPHostAddr  Transport = "tcp-hostaddr"  // TCP to a non-loopback address of this host, TCP_NODELAY
)

// Config is one experiment.
type Config struct {
	Shape     Shape
	Path      Path
	Placement Placement
	Transport Transport
	Size      int // message size in bytes, 1 to MaxSize

	// Addr is the address TCPHostAddr listens on and connects to. TCP
	// always uses 127.0.0.1 and ignores it.
	Addr netip.Addr
	// InNetns, when set, runs socket creation inside a network namespace
	// (sandbox.NS.Do fits). Sockets stay in the namespace they were made in.
	InNetns func(func() error) error
	// Congestion, when set, is the congestion control of both ends of a
	// TCP connection ("cubic", "bbr"), set with setsockopt(TCP_CONGESTION)
	// on the measurement's own sockets; "" leaves the namespace's
	// net.ipv4.tcp_congestion_control. Other transports ignore it. Only one the kernel has already
	// (net.ipv4.tcp_available_congestion_control) is taken: setting
	// another as root would load its module into the host's kernel.
	Congestion string
	// Warmup, when positive, is how many messages (round trips) are
	// exchanged untimed before timing instead of the default (warmup).
	// A round trip has no mode to settle into, and the notes' short
	// measurements spend what they save on more pairs.
	Warmup int
}

// MaxSize bounds Config.Size.
const MaxSize = 1 << 20

// Name is the sub-benchmark name below the shape, in the key=value form
// benchstat groups by: "path=raw/placement=onecpu/transport=uds/size=100".
func (c Config) Name() string {
	name := fmt.Sprintf("path=%s/placement=%s/transport=%s/size=%d", c.Path, c.Placement, c.Transport, c.Size)
	if c.Congestion != "" && c.isTCP() {
		name += "/cc=" + c.Congestion
	}
	return name
}

// isTCP reports whether the transport is a TCP connection.
func (c Config) isTCP() bool {
	return c.Transport == TCP || c.Transport == TCPHostAddr || c.Transport == TCPSockmap
}

// congestionAvailable reports whether the kernel has congestion control
// cc already, as net.ipv4.tcp_available_congestion_control lists them (a
// module not yet loaded is not listed; setting it as root would load it).
func congestionAvailable(cc string) error {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	if err != nil {
		return fmt.Errorf("bench: reading the available congestion controls: %w", err)
	}
	if !slices.Contains(strings.Fields(string(b)), cc) {
		return fmt.Errorf("bench: congestion control %s is not available (net.ipv4.tcp_available_congestion_control: %s); modprobe tcp_%s would add it", cc, strings.TrimSpace(string(b)), cc)
	}
	return nil
}

func (c Config) String() string { return string(c.Shape) + "/" + c.Name() }

// Validate reports a configuration the engine cannot run.
func (c Config) Validate() error {
	switch c.Shape {
	case RoundTrip, Stream:
	default:
		return fmt.Errorf("bench: unknown shape %q (want %q or %q)", c.Shape, RoundTrip, Stream)
	}
	switch c.Path {
	case Raw, NetConn:
	default:
		return fmt.Errorf("bench: unknown path %q (want %q or %q)", c.Path, Raw, NetConn)
	}
	switch c.Placement {
	case OneCPU, Free:
	default:
		return fmt.Errorf("bench: unknown placement %q (want %q or %q)", c.Placement, OneCPU, Free)
	}
	switch c.Transport {
	case Pipe: // pipe.go
	case UDS, UDSSeqpacket, TCP:
	case TCPSockmap:
	case TCPHostAddr:
		if !c.Addr.IsValid() {
			return fmt.Errorf("bench: transport %s needs Config.Addr (an address of a private namespace)", c.Transport)
		}
	default:
		return fmt.Errorf("bench: unknown transport %q", c.Transport)
	}
	if c.Congestion != "" && c.isTCP() {
		if err := congestionAvailable(c.Congestion); err != nil {
			return err
		}
	}
	if c.Size < 1 || c.Size > MaxSize {
		return fmt.Errorf("bench: message size %d out of range 1..%d", c.Size, MaxSize)
	}
	if (c.Transport == UDSSeqpacket || c.Transport == Pipe) && c.Path == NetConn {
		return fmt.Errorf("bench: transport %s is measured on the raw path only", c.Transport)
	}
	return validateSockmap(c)
}
