package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench/affinity"
	"netnotes/internal/bench/stats"
	"netnotes/internal/claims"
	"netnotes/internal/nstat"
	"netnotes/internal/osthread"
)

// What a connection costs, a measured note beside U4 ("no three-way
// handshake"): how many connections a second a client and a server make
// over UDS and over TCP to 127.0.0.1, one at a time, each one
//
//	client: socket, connect, write 1 byte, read until EOF, close
//	server: accept, read 1 byte, close
//
// so that one connection is connect + accept + first byte + close on both
// sides, and the next starts only when the last is done (the accept queue
// never fills). The server is a thread of this process (its own locked OS
// thread, blocking system calls through x/sys/unix, which tell the Go
// scheduler); with OneCPU both threads are pinned to the CPU affinity.OneCPU
// names. TCP sets nothing (no TCP_NODELAY: one byte, written once); the
// server closes first, so its side keeps the TIME_WAIT, and
// net.ipv4.tcp_tw_reuse (2 by default: loopback) lets a client port come
// back at once.
//
// The counts that explain the difference: a TCP connection's handshake is
// segments through lo (SYN, SYN-ACK, ACK, then FINs and ACKs at close),
// read from the client socket's TCP_INFO just before its close (one
// sample connection after the timed part) and from the namespace's Tcp
// counters (OutSegs, ActiveOpens) over the timed part; a UDS connect
// queues the new socket on the listener within the call and sends none.

// ConnectResult is one timed run of connections.
type ConnectResult struct {
	Transport Transport
	Placement Placement
	Conns     int64
	Elapsed   time.Duration
	// CPU is the time both threads spent on a CPU over the timed part.
	CPU time.Duration
	// The namespace's Tcp counters over the timed part (other traffic of
	// the namespace included).
	TCPOutSegs, TCPActiveOpens int64
}

// PerSec is the connection rate.
func (r ConnectResult) PerSec() float64 { return float64(r.Conns) / r.Elapsed.Seconds() }

// CPUPerConn is the CPU time of both threads per connection, ns.
func (r ConnectResult) CPUPerConn() float64 {
	return float64(r.CPU.Nanoseconds()) / float64(max(r.Conns, 1))
}

// ConnectSample is one TCP connection's TCP_INFO just before the client
// closes it (the server has closed its side): segments the client sent
// (SYN, the ACK of SYN-ACK, the data byte; on 6.18 the ACK of the
// server's FIN rides later) and received (SYN-ACK, the byte's ACK, the
// server's FIN): 3 and 3 on 6.18.
type ConnectSample struct {
	SegsOut, SegsIn int64
}

// connectWarm is how many connections precede the timed part.
const connectWarm = 64

// MeasureConnect makes connections over tr (UDS or TCP) for about d after
// a warm-up, with the placement pl, and returns what it timed. inNetns,
// when set, makes the sockets (and reads the Tcp counters) in a network
// namespace, as Config.InNetns does.
func MeasureConnect(tr Transport, pl Placement, d time.Duration, inNetns func(func() error) error) (ConnectResult, ConnectSample, error) {
	if tr != UDS && tr != TCP {
		return ConnectResult{}, ConnectSample{}, fmt.Errorf("bench: connections are measured over uds and tcp, not %s", tr)
	}
	if inNetns == nil {
		inNetns = func(fn func() error) error { return fn() }
	}
	var res ConnectResult
	var sample ConnectSample
	err := onOwnGoroutine(func() error {
		var err error
		res, sample, err = measureConnectHere(tr, pl, d, inNetns)
		return err
	})
	return res, sample, err
}

func measureConnectHere(tr Transport, pl Placement, d time.Duration, inNetns func(func() error) error) (ConnectResult, ConnectSample, error) {
	res := ConnectResult{Transport: tr, Placement: pl}
	var sample ConnectSample
	k, err := startConnector(tr, pl, inNetns)
	if err != nil {
		return res, sample, err
	}
	defer k.close()
	for range connectWarm {
		if err := k.conn(); err != nil {
			return res, sample, fmt.Errorf("warming up: %w", err)
		}
	}
	out0, opens0 := tcpCounters()
	cpu0, cpuOK := k.cpu()
	start := time.Now()
	deadline := start.Add(d)
	for {
		for range 16 {
			if err := k.conn(); err != nil {
				return res, sample, err
			}
		}
		res.Conns += 16
		if !time.Now().Before(deadline) {
			break
		}
	}
	res.Elapsed = time.Since(start)
	if cpu1, ok := k.cpu(); ok && cpuOK {
		res.CPU = cpu1 - cpu0
	}
	out1, opens1 := tcpCounters()
	res.TCPOutSegs, res.TCPActiveOpens = out1-out0, opens1-opens0
	if tr == TCP {
		if sample, err = k.sample(); err != nil {
			return res, sample, err
		}
	}
	return res, sample, k.close()
}

// tcpCounters reads the calling thread's namespace's Tcp OutSegs and
// ActiveOpens (0 where it cannot).
func tcpCounters() (outSegs, activeOpens int64) {
	outSegs, _ = nstat.Read("snmp", "Tcp", "OutSegs")
	activeOpens, _ = nstat.Read("snmp", "Tcp", "ActiveOpens")
	return outSegs, activeOpens
}

// connector is a listener with its server thread, and the calling
// thread (locked, thrown away after: onOwnGoroutine) set up as the
// client: pinned with OneCPU, in the namespace of inNetns.
type connector struct {
	family    int
	sa        unix.Sockaddr
	ln        int
	serverTid int
	done      chan error
	serving   bool
	undo      []func()
}

// startConnector listens over tr in inNetns's namespace (nil: this
// thread's), starts the server and sets up the calling thread as the
// client; close undoes it all.
func startConnector(tr Transport, pl Placement, inNetns func(func() error) error) (k *connector, err error) {
	if tr != UDS && tr != TCP {
		return nil, fmt.Errorf("bench: connections are measured over uds and tcp, not %s", tr)
	}
	if inNetns == nil {
		inNetns = func(fn func() error) error { return fn() }
	}
	k = &connector{family: unix.AF_INET, ln: -1, done: make(chan error, 1)}
	defer func() {
		if err != nil {
			k.close()
			k = nil
		}
	}()
	err = inNetns(func() error { return k.listen(tr) })
	if err != nil {
		return k, err
	}
	cpu := -1
	if pl == OneCPU {
		if cpu, err = affinity.OneCPU(); err != nil {
			return k, err
		}
	}
	k.serve(cpu)
	if cpu >= 0 {
		restore, err := affinity.PinThread(cpu)
		if err != nil {
			return k, err
		}
		k.undo = append(k.undo, restore)
	}
	// socket(2) takes the calling thread's namespace: the client thread
	// joins the listener's (one call per connection through inNetns
	// would time its job queue).
	leave, err := joinNetnsOf(inNetns)
	if err != nil {
		return k, err
	}
	k.undo = append(k.undo, leave)
	return k, nil
}

// listen makes the listener, in the calling thread's namespace: on a
// socket file in a directory of its own (UDS) or on 127.0.0.1's port the
// kernel picks (TCP).
func (k *connector) listen(tr Transport) error {
	if tr == UDS {
		k.family = unix.AF_UNIX
		dir, err := os.MkdirTemp("", "nn")
		if err != nil {
			return err
		}
		// Every connect needs the path: it goes at the end.
		k.undo = append(k.undo, func() { os.RemoveAll(dir) })
		k.sa = &unix.SockaddrUnix{Name: filepath.Join(dir, "c.sock")}
	} else {
		k.sa = &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	}
	ln, err := unix.Socket(k.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	k.ln = ln
	k.undo = append(k.undo, func() { unix.Close(ln) })
	if err := unix.Bind(ln, k.sa); err != nil {
		return fmt.Errorf("bind %v: %w", k.sa, err)
	}
	if err := unix.Listen(ln, 128); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if tr == TCP {
		if k.sa, err = unix.Getsockname(ln); err != nil {
			return err
		}
	}
	return nil
}

// serve starts the server: a locked thread of its own, pinned like the
// client (cpu; -1: not pinned).
func (k *connector) serve(cpu int) {
	started := make(chan int, 1)
	go osthread.Throwaway(func() {
		started <- unix.Gettid()
		if cpu >= 0 {
			var one unix.CPUSet
			one.Set(cpu)
			if err := unix.SchedSetaffinity(0, &one); err != nil {
				k.done <- err
				return
			}
		}
		k.done <- serveConnections(k.ln)
	})
	k.serverTid = <-started
	k.serving = true
}

// conn makes one connection: socket, connect, write 1 byte, read until
// the server's EOF, close.
func (k *connector) conn() error {
	fd, err := unix.Socket(k.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, k.sa); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if n, err := unix.Write(fd, []byte{'x'}); n != 1 {
		return fmt.Errorf("write: %d B, %v", n, err)
	}
	var b [1]byte
	for {
		n, err := unix.Read(fd, b[:])
		if err == unix.EINTR {
			continue
		}
		if n != 0 || err != nil {
			return fmt.Errorf("the server answered instead of closing (%d B, %v)", n, err)
		}
		return nil
	}
}

// sample makes one more TCP connection and reads its client's TCP_INFO
// before the close.
func (k *connector) sample() (ConnectSample, error) {
	fd, err := unix.Socket(k.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return ConnectSample{}, err
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, k.sa); err != nil {
		return ConnectSample{}, err
	}
	if _, err := unix.Write(fd, []byte{'x'}); err != nil {
		return ConnectSample{}, err
	}
	var b [1]byte
	_, _ = unix.Read(fd, b[:])
	ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return ConnectSample{}, fmt.Errorf("TCP_INFO: %w", err)
	}
	return ConnectSample{SegsOut: int64(ti.Segs_out), SegsIn: int64(ti.Segs_in)}, nil
}

// cpu is the CPU time of the client thread and the server thread so far;
// false where either is unreadable (the result then has none).
func (k *connector) cpu() (time.Duration, bool) {
	server, ok := schedstatCPU(fmt.Sprintf("/proc/self/task/%d/schedstat", k.serverTid))
	client, ok2 := threadCPU()
	return client + server, ok && ok2
}

// close ends the server (a last connection whose byte is 'q') and undoes
// the setup; it may be called more than once.
func (k *connector) close() error {
	var err error
	if k.serving {
		k.serving = false
		fd, e := unix.Socket(k.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if e == nil {
			if e = unix.Connect(fd, k.sa); e == nil {
				_, e = unix.Write(fd, []byte{'q'})
			}
			unix.Close(fd)
		}
		if e != nil {
			err = fmt.Errorf("stopping the server: %w", e)
		} else if e := <-k.done; e != nil {
			err = fmt.Errorf("server: %w", e)
		}
	}
	for i := len(k.undo) - 1; i >= 0; i-- {
		k.undo[i]()
	}
	k.undo = nil
	return err
}

// RunConnect benchmarks connections: one connection (connect + accept +
// first byte + close) per b.Loop iteration, over tr with the placement
// pl, on this namespace's lo. It reports connections/s and, for TCP, the
// namespace's Tcp OutSegs per connection (tcp-segs/op: both ends'
// segments, other traffic of the namespace included).
func RunConnect(b *testing.B, tr Transport, pl Placement) {
	b.Helper()
	b.ReportAllocs()
	var segs int64
	err := onOwnGoroutine(func() error {
		k, err := startConnector(tr, pl, nil)
		if err != nil {
			return err
		}
		defer k.close()
		for range connectWarm {
			if err := k.conn(); err != nil {
				return err
			}
		}
		out0, _ := tcpCounters()
		for b.Loop() {
			if err := k.conn(); err != nil {
				return err
			}
		}
		out1, _ := tcpCounters()
		segs = out1 - out0
		return k.close()
	})
	if err != nil {
		b.Fatalf("connections over %s (%s): %v", tr, pl, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
	b.ReportMetric(float64(segs)/float64(b.N), "tcp-segs/op")
}

// serveConnections accepts connections until one's byte is 'q': per
// connection, read one byte and close. The calls are the scheduler-aware
// ones (unix.Read, not the raw path's): client and server are threads of
// one process, and a raw blocking call would keep its P from the other.
func serveConnections(ln int) error {
	var b [1]byte
	for {
		fd, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		var n int
		for {
			if n, err = unix.Read(fd, b[:]); err != unix.EINTR {
				break
			}
		}
		unix.Close(fd)
		if n != 1 {
			return fmt.Errorf("reading the first byte: %d B, %v", n, err)
		}
		if b[0] == 'q' {
			return nil
		}
	}
}

// joinNetnsOf moves the calling thread (locked, and thrown away after:
// onOwnGoroutine) into the namespace inNetns runs in, and returns the
// function that moves it back. Without a namespace it does nothing.
func joinNetnsOf(inNetns func(func() error) error) (leave func(), err error) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, err
	}
	var target *os.File
	err = inNetns(func() error {
		var e error
		target, e = os.Open("/proc/thread-self/ns/net")
		return e
	})
	if err != nil {
		self.Close()
		return nil, err
	}
	defer target.Close()
	var a, b unix.Stat_t
	if unix.Fstat(int(self.Fd()), &a) == nil && unix.Fstat(int(target.Fd()), &b) == nil && a.Ino == b.Ino && a.Dev == b.Dev {
		self.Close()
		return func() {}, nil
	}
	runtime.LockOSThread() // already locked (onOwnGoroutine); counted once more
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		self.Close()
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("setns: %w", err)
	}
	return func() {
		_ = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET)
		self.Close()
		runtime.UnlockOSThread()
	}, nil
}

// ConnectFacts is what the connection note saw: per placement, UDS's and
// TCP's connection rates in interleaved pairs, the CPU time per
// connection, and the counts that explain them.
type ConnectFacts struct {
	Cells []ConnectCell `json:"cells"`
	// TCP's segments per connection, from the client's TCP_INFO of one
	// connection, and from the namespace's Tcp counters over the TCP runs
	// and over the UDS runs (per connection).
	TCPSample        ConnectSample `json:"tcpSample"`
	TCPOutSegsPerTCP float64       `json:"tcpOutSegsPerTCPConn"`
	TCPOpensPerTCP   float64       `json:"tcpActiveOpensPerTCPConn"`
	TCPOutSegsPerUDS float64       `json:"tcpOutSegsPerUDSConn"`
	// PrivateNetns: the counters are a namespace's of the measurement's
	// own (nothing else counted); otherwise other traffic is included.
	PrivateNetns bool `json:"privateNetns"`
}

// ConnectCell is one placement's pairs: UDS/TCP connections a second.
type ConnectCell struct {
	Placement Placement `json:"placement"`
	RateUDS   float64   `json:"rateUDS"` // median connections a second
	RateTCP   float64   `json:"rateTCP"`
	CPUUDS    float64   `json:"cpuUDS"` // median CPU ns per connection, both threads
	CPUTCP    float64   `json:"cpuTCP"`
	Ratios    []float64 `json:"ratios"` // UDS/TCP rate, one per interleaved pair
}

// Interval is the cell's interval of pair ratios, as the U8 and L4
// verdicts take theirs (CellFacts.Interval).
func (c ConnectCell) Interval() Interval { return CellFacts{Ratios: c.Ratios}.Interval() }

// MeasureConnections measures the connection note: per placement, reps
// interleaved pairs of UDS and TCP runs of about d each (which goes first
// alternates), and the counts.
func MeasureConnections(placements []Placement, reps int, d time.Duration, inNetns func(func() error) error, privateNetns bool,
	onProgress func(done, total int, what string)) (ConnectFacts, error) {
	f := ConnectFacts{PrivateNetns: privateNetns}
	var tcpSegs, tcpOpens, tcpConns, udsSegs, udsConns int64
	total, done := reps*len(placements)*2, 0
	for _, pl := range placements {
		var rates, cpus [2][]float64
		for rep := range reps {
			order := []Transport{UDS, TCP}
			if rep%2 == 1 {
				order = []Transport{TCP, UDS}
			}
			for _, tr := range order {
				if onProgress != nil {
					onProgress(done, total, fmt.Sprintf("connect/%s/%s", pl, tr))
				}
				r, s, err := MeasureConnect(tr, pl, d, inNetns)
				if err != nil {
					return f, fmt.Errorf("connections over %s (%s): %w", tr, pl, err)
				}
				i := 0
				if tr == TCP {
					i = 1
					tcpSegs += r.TCPOutSegs
					tcpOpens += r.TCPActiveOpens
					tcpConns += r.Conns
					if f.TCPSample == (ConnectSample{}) {
						f.TCPSample = s
					}
				} else {
					udsSegs += r.TCPOutSegs
					udsConns += r.Conns
				}
				rates[i] = append(rates[i], r.PerSec())
				cpus[i] = append(cpus[i], r.CPUPerConn())
				done++
			}
		}
		c := ConnectCell{Placement: pl, RateUDS: math.Round(stats.Median(rates[0])), RateTCP: math.Round(stats.Median(rates[1])),
			CPUUDS: math.Round(stats.Median(cpus[0])), CPUTCP: math.Round(stats.Median(cpus[1]))}
		for i := range rates[0] {
			c.Ratios = append(c.Ratios, math.Round(1e4*rates[0][i]/rates[1][i])/1e4)
		}
		f.Cells = append(f.Cells, c)
	}
	per := func(n, of int64) float64 { return math.Round(100*float64(n)/float64(max(of, 1))) / 100 }
	f.TCPOutSegsPerTCP, f.TCPOpensPerTCP, f.TCPOutSegsPerUDS = per(tcpSegs, tcpConns), per(tcpOpens, tcpConns), per(udsSegs, udsConns)
	return f, nil
}

// JudgeConnect decides "UDS needs no handshake, so connecting is cheaper"
// from the same-CPU cell's interval of UDS/TCP pair ratios (Interval; the
// free-placement cell is shown beside it, as U8's are): wholly above 1,
// confirmed (UDS connects faster); wholly below, refuted; straddling 1,
// undecided. The handshake it rests on is read from the counts: a TCP
// connection that sent fewer than 3 segments (SYN, ACK, the byte), or
// opened no connection in the counters, leaves the verdict undecided, as
// nothing then shows a handshake to save.
func JudgeConnect(f ConnectFacts) claims.Finding {
	var same *ConnectCell
	var words []string
	for i, c := range f.Cells {
		if len(c.Ratios) == 0 {
			continue
		}
		w := fmt.Sprintf("%s: UDS %.0f vs TCP %.0f connections/s, UDS/TCP %s over %d pairs",
			placementWord(c.Placement), c.RateUDS, c.RateTCP, c.Interval(), len(c.Ratios))
		if c.CPUUDS > 0 && c.CPUTCP > 0 {
			w += fmt.Sprintf("; CPU per connection (both threads) %.0f vs %.0f ns", c.CPUUDS, c.CPUTCP)
		}
		words = append(words, w)
		if c.Placement == OneCPU {
			same = &f.Cells[i]
		}
	}
	if same == nil {
		return claims.SkipPart("no same-CPU measurement of connections")
	}
	ns := "the namespace's Tcp counters (other traffic included)"
	if f.PrivateNetns {
		ns = "the Tcp counters of the measurement's own namespace"
	}
	counts := fmt.Sprintf("a TCP connection sent %d and received %d segments before its client's close (TCP_INFO); %s: %.2f OutSegs and %.2f ActiveOpens per TCP connection, %.2f OutSegs per UDS connection",
		f.TCPSample.SegsOut, f.TCPSample.SegsIn, ns, f.TCPOutSegsPerTCP, f.TCPOpensPerTCP, f.TCPOutSegsPerUDS)
	ev := strings.Join(words, "; ") + "; " + counts
	iv := same.Interval()
	switch {
	case f.TCPSample.SegsOut < 3 || f.TCPOpensPerTCP < 0.5:
		return claims.Undecide("%s: the counters show no TCP handshake to save", ev)
	case iv.Above(1):
		return claims.Confirm("%s", ev)
	case iv.Below(1):
		return claims.Refute("%s: UDS connects more slowly despite sending no segments", ev)
	case !iv.Decisive():
		return claims.Undecide("%s: too few pairs to decide", ev)
	}
	return claims.Undecide("%s: the same-CPU interval straddles equal rates", ev)
}

func placementWord(p Placement) string {
	if p == OneCPU {
		return "same CPU"
	}
	return "free placement"
}
