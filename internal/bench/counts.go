package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/nstat"
)

// Counts are what the kernel did during a raw session's timed part,
// counted so that a run's mode can be told apart from its rate alone (the
// same-CPU 100 B stream is bimodal; see the package doc).
//
// Context switches of the two peers: a voluntary one is a peer blocking
// (the client on a full socket buffer or waiting for an echo, the peer on
// an empty queue), an involuntary one a peer preempted (typically by the
// other peer it just woke). Softirqd counts the switches of the pinned
// CPU's ksoftirqd thread: protocol work (TCP over lo) that the kernel
// deferred from the senders' own calls to a third task.
//
// For TCP, from the client's socket (TCP_INFO): TCPDataSegments is the
// data segments it sent and TCPSegmentsIn the segments it received (the
// peer's ACKs, and its one-byte answers); TCPCwnd is its congestion
// window at the end. A stream of small writes goes out either a segment
// per write, each ACKed at once, or merged: while the congestion window
// is full of unACKed segments (the reader, on the same CPU, has not run
// to ACK them), further writes are appended to the last unsent segment.
// TCPAutoCorking counts the writes held back by autocorking (TcpExt
// TCPAutoCorking of this thread's namespace, other traffic included).
type Counts struct {
	// CPU is the CPU time both peers spent (client thread and peer
	// process's thread, user and system): unlike the rate, it barely
	// moves when other work shares the machine, so Go and C compare by it
	// on a loaded machine too.
	CPU                                time.Duration
	ClientVoluntary, ClientInvoluntary int64
	PeerVoluntary, PeerInvoluntary     int64
	Softirqd                           int64
	TCPDataSegments, TCPSegmentsIn     int64
	TCPCwnd                            int64
	TCPAutoCorking                     int64
	// TCPPacingRate is the connection's pacing rate at the end, bytes a
	// second, and TCPCongestion its congestion control: with BBR (and no
	// fq qdisc on lo) TCP paces itself, holding segments back until the
	// pacing timer fires, and writes made meanwhile merge.
	TCPPacingRate int64
	TCPCongestion string
	// SoftirqdCPU is the pinned CPU's ksoftirqd's time on it within a
	// paired measurement's chunks (MeasurePair only): the protocol work
	// the kernel deferred from the peers' calls, not counted in CPU, and
	// not other work either (Facts' OtherCPU).
	SoftirqdCPU time.Duration
	// ElseBusy and ElseTotal are the other CPUs' busy and total time
	// (/proc/stat's ticks: busy is user, nice, system, irq, softirq and
	// steal) within a paired measurement's chunks (MeasurePair only): a
	// quiet machine's other CPUs idle while the pair runs on its own
	// (Facts' ElseBusy).
	ElseBusy, ElseTotal int64
}

func (a Counts) sub(b Counts) Counts {
	return Counts{a.CPU - b.CPU, a.ClientVoluntary - b.ClientVoluntary, a.ClientInvoluntary - b.ClientInvoluntary,
		a.PeerVoluntary - b.PeerVoluntary, a.PeerInvoluntary - b.PeerInvoluntary,
		a.Softirqd - b.Softirqd, a.TCPDataSegments - b.TCPDataSegments, a.TCPSegmentsIn - b.TCPSegmentsIn,
		a.TCPCwnd, a.TCPAutoCorking - b.TCPAutoCorking, a.TCPPacingRate, a.TCPCongestion, a.SoftirqdCPU - b.SoftirqdCPU,
		a.ElseBusy - b.ElseBusy, a.ElseTotal - b.ElseTotal}
}

// Switches is the number of context switches of both peers.
func (a Counts) Switches() int64 {
	return a.ClientVoluntary + a.ClientInvoluntary + a.PeerVoluntary + a.PeerInvoluntary
}

// PerKiloMsg formats the counts per 1000 messages.
func (a Counts) PerKiloMsg(msgs int64) string {
	k := float64(msgs) / 1000
	if k <= 0 {
		return "no messages"
	}
	f := func(n int64) float64 { return float64(n) / k }
	out := fmt.Sprintf("client blocked %.1f preempted %.1f, peer blocked %.1f preempted %.1f, ksoftirqd %.1f",
		f(a.ClientVoluntary), f(a.ClientInvoluntary), f(a.PeerVoluntary), f(a.PeerInvoluntary), f(a.Softirqd))
	if a.TCPDataSegments > 0 {
		out += fmt.Sprintf(", tcp data segments %.0f, segments in %.0f, autocorked %.0f; at the end cwnd %d, %s pacing %.0f MB/s",
			f(a.TCPDataSegments), f(a.TCPSegmentsIn), f(a.TCPAutoCorking), a.TCPCwnd, a.TCPCongestion, float64(a.TCPPacingRate)/1e6)
	}
	return out
}

// counts reads the counts now: the client thread's switches from
// getrusage, the rest from /proc (zero where unreadable).
func (s *session) counts() Counts {
	var out Counts
	if s.child == nil {
		return out
	}
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_THREAD, &ru) == nil {
		out.ClientVoluntary, out.ClientInvoluntary = ru.Nvcsw, ru.Nivcsw
	}
	pid := s.child.Process.Pid
	out.PeerVoluntary, out.PeerInvoluntary = procSwitches(fmt.Sprintf("/proc/%d/task/%d/status", pid, pid))
	// This thread's own time from its clock (its schedstat lags while it
	// runs); the peer's from schedstat, up to date as the peer is off
	// the CPU whenever this thread runs on it. Where either is
	// unreadable, no CPU time at all: half of it would skew a ratio, and
	// without it the judges decide by msgs/s and say so.
	if peer, ok := schedstatCPU(fmt.Sprintf("/proc/%d/task/%d/schedstat", pid, pid)); ok {
		if own, ok := threadCPU(); ok {
			out.CPU = own + peer
		}
	}
	out.Softirqd = s.softirqdSwitches()
	if s.cfg.Transport != Pipe && s.cfg.Transport != UDS && s.cfg.Transport != UDSSeqpacket {
		if ti, err := unix.GetsockoptTCPInfo(s.wfd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			out.TCPDataSegments, out.TCPSegmentsIn = int64(ti.Data_segs_out), int64(ti.Segs_in)
			out.TCPCwnd = int64(ti.Snd_cwnd)
			out.TCPPacingRate = int64(min(ti.Pacing_rate, 1<<62))
		}
		out.TCPCongestion, _ = unix.GetsockoptString(s.wfd, unix.IPPROTO_TCP, unix.TCP_CONGESTION)
		out.TCPAutoCorking, _ = nstat.Read("netstat", "TcpExt", "TCPAutoCorking")
	}
	return out
}

// softirqdSwitches is the context switches of the pinned CPU's ksoftirqd
// so far (0 without a pinned CPU).
func (s *session) softirqdSwitches() int64 {
	if s.softirqd <= 0 {
		return 0
	}
	v, i := procSwitches(fmt.Sprintf("/proc/%d/status", s.softirqd))
	return v + i
}

// softirqdCPU is the pinned CPU's ksoftirqd's time on CPU so far (0
// without a pinned CPU or a readable schedstat).
func (s *session) softirqdCPU() time.Duration {
	if s.softirqd <= 0 {
		return 0
	}
	d, _ := schedstatCPU(fmt.Sprintf("/proc/%d/schedstat", s.softirqd))
	return d
}

// elseTicks is the busy and total ticks so far of every CPU but cpu, from
// /proc/stat (0, 0 where it is unreadable, or there is no other CPU).
func elseTicks(cpu int) (busy, total int64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	return parseElseTicks(string(data), cpu)
}

// parseElseTicks reads /proc/stat's per-CPU lines ("cpu1 user nice system
// idle iowait irq softirq steal ...") for every CPU but cpu.
func parseElseTicks(stat string, cpu int) (busy, total int64) {
	for _, line := range strings.Split(stat, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" || f[0] == fmt.Sprintf("cpu%d", cpu) {
			continue
		}
		var v [8]int64
		for i := range v {
			v[i], _ = strconv.ParseInt(f[i+1], 10, 64)
		}
		b := v[0] + v[1] + v[2] + v[5] + v[6] + v[7] // user nice system irq softirq steal
		busy, total = busy+b, total+b+v[3]+v[4]      // + idle iowait
	}
	return busy, total
}

// ksoftirqd returns the pid of the ksoftirqd thread of cpu, or 0.
func ksoftirqd(cpu int) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf("ksoftirqd/%d\n", cpu)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && string(comm) == want {
			return pid
		}
	}
	return 0
}

// schedstatCPU reads the time on CPU from a schedstat file; false where
// it is unreadable (a kernel without CONFIG_SCHED_INFO has none).
func schedstatCPU(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	return parseSchedstat(b)
}

// parseSchedstat reads the first field of a schedstat file: nanoseconds
// on CPU.
func parseSchedstat(b []byte) (time.Duration, bool) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns), err == nil
}

// threadCPU is the calling thread's CPU time so far.
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// procSwitches reads voluntary_ctxt_switches and nonvoluntary_ctxt_switches
// from a /proc status file.
func procSwitches(path string) (vol, invol int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "voluntary_ctxt_switches":
			vol = n
		case "nonvoluntary_ctxt_switches":
			invol = n
		}
	}
	return vol, invol
}
