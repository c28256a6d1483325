package bench

import (
	"os"
	"testing"
	"time"
	"unsafe"

	"netnotes/internal/claims"
)

func TestMeasureConnectCountsTCPHandshake(t *testing.T) {
	for _, tr := range []Transport{UDS, TCP} {
		r, s, err := MeasureConnect(tr, OneCPU, 100*time.Millisecond, nil)
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		if r.Conns < 16 || r.CPU <= 0 {
			t.Errorf("%s: %d connections, CPU %v", tr, r.Conns, r.CPU)
		}
		t.Logf("%s: %.0f connections/s, %.1f µs CPU each, Tcp OutSegs %d ActiveOpens %d, sample %+v",
			tr, r.PerSec(), r.CPUPerConn()/1e3, r.TCPOutSegs, r.TCPActiveOpens, s)
		if tr == TCP && s.SegsOut < 3 {
			t.Errorf("a TCP connection sent %d segments before close; a handshake alone is 2 from the client", s.SegsOut)
		}
	}
}

// connectCell is a hand-made cell: five pairs around r, ±spread.
func connectCell(p Placement, r, spread float64) ConnectCell {
	return ConnectCell{Placement: p, RateUDS: r * 10000, RateTCP: 10000, CPUUDS: 50000 / r, CPUTCP: 50000,
		Ratios: []float64{r, r - spread, r + spread, r - spread/2, r + spread/2}}
}

func TestJudgeConnect(t *testing.T) {
	// What a TCP connection over lo sends, seen on 6.18: the client's
	// TCP_INFO before its close, 3 out (SYN, ACK, the byte) and 3 in
	// (SYN-ACK, the byte's ACK, the server's FIN); 8 OutSegs a connection
	// in the namespace (both ends counted, the close's FINs and ACKs too).
	counts := ConnectFacts{TCPSample: ConnectSample{SegsOut: 3, SegsIn: 3}, TCPOutSegsPerTCP: 8, TCPOpensPerTCP: 1, PrivateNetns: true}
	with := func(cells ...ConnectCell) ConnectFacts {
		f := counts
		f.Cells = cells
		return f
	}
	cases := []struct {
		name string
		f    ConnectFacts
		want claims.Verdict
	}{
		{"UDS connects 1.8x as fast on one CPU", with(connectCell(OneCPU, 1.8, 0.1), connectCell(Free, 1.5, 0.2)), claims.Confirmed},
		// A reader's host where an LSM hook (an AppArmor or SELinux
		// policy on unix sockets) makes every UDS connect dearer than the
		// handshake it saves: no segments, yet slower.
		{"a UDS connect slowed by a security hook", with(connectCell(OneCPU, 0.7, 0.05)), claims.Refuted},
		{"an interval straddling 1 decides nothing", with(connectCell(OneCPU, 1.0, 0.1)), claims.Undecided},
		{"free placement does not decide", with(connectCell(Free, 0.5, 0.01), connectCell(OneCPU, 1.5, 0.1)), claims.Confirmed},
		{"no handshake in the counters", ConnectFacts{Cells: []ConnectCell{connectCell(OneCPU, 1.5, 0.1)}}, claims.Undecided},
		{"nothing measured on one CPU", with(connectCell(Free, 1.5, 0.1)), claims.Skipped},
	}
	for _, c := range cases {
		got := JudgeConnect(c.f)
		if got.Verdict != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got.Verdict, got.Evidence, c.want)
		}
	}
}

func TestPageAligned(t *testing.T) {
	for _, n := range []int{1, 100, 4096, 65536} {
		b := pageAligned(n)
		if len(b) != n || cap(b) != n {
			t.Errorf("pageAligned(%d): len %d cap %d", n, len(b), cap(b))
		}
		if addr := uintptr(unsafe.Pointer(unsafe.SliceData(b))); addr%uintptr(os.Getpagesize()) != 0 {
			t.Errorf("pageAligned(%d) starts at %#x", n, addr)
		}
	}
}
