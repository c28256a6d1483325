package uds

import (
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

func TestJudgeBacklog(t *testing.T) {
	seen := BacklogFacts{
		Admissions: []Admission{
			{Backlog: 0, Tried: 6, Admitted: 1, Then: "EAGAIN"},
			{Backlog: 1, Tried: 7, Admitted: 2, Then: "EAGAIN"},
			{Backlog: 3, Tried: 9, Admitted: 4, Then: "EAGAIN"},
		},
		FirstConnect: "ok", StateBeforeAccept: "ESTABLISHED", SentBeforeAccept: 18, ReadAfterAccept: 18,
		RecvQ: 2, SendQ: 1, Waiting: 2, BlockingConnect: "EAGAIN", BlockingWaitedMS: 203, SndTimeoMS: 200,
	}
	// As the notes say: connect completes at once, and nothing bounds the
	// connections waiting for accept.
	unbounded := seen
	unbounded.Admissions = []Admission{{Backlog: 0, Tried: 6, Admitted: 6}, {Backlog: 1, Tried: 7, Admitted: 7}}
	unbounded.BlockingConnect = "ok"
	// A reader's server whose listen(0) queue already holds a client nobody
	// accepted: the next non-blocking connect does not complete, it is
	// refused with EAGAIN, so nothing was sent or read.
	full := seen
	full.FirstConnect, full.StateBeforeAccept, full.SentBeforeAccept, full.ReadAfterAccept = "EAGAIN", "", 0, 0
	// Connected at once, but what it sent before accept was lost.
	lost := unbounded
	lost.ReadAfterAccept = 0

	// The connection note, as measured on 6.18 (2 vCPUs, load ~9): UDS
	// connects 2-3x as fast, TCP's connection costs 8 segments in the
	// namespace, UDS's none. It decides nothing of U4's verdict.
	measured := seen
	measured.Connect = &bench.ConnectFacts{Cells: []bench.ConnectCell{
		{Placement: bench.OneCPU, RateUDS: 20602, RateTCP: 8682, CPUUDS: 37519, CPUTCP: 108716, Ratios: []float64{2.373, 3.1183, 2.4423, 1.9817, 2.7998}},
		{Placement: bench.Free, RateUDS: 19276, RateTCP: 8935, CPUUDS: 34373, CPUTCP: 84848, Ratios: []float64{1.2272, 2.9904, 3.768, 2.827, 1.6465}}},
		TCPSample: bench.ConnectSample{SegsOut: 3, SegsIn: 3}, TCPOutSegsPerTCP: 8, TCPOpensPerTCP: 1, PrivateNetns: true}
	// A reader's host whose security module hooks every unix connect (an
	// AppArmor or SELinux policy on the socket) more dearly than the
	// handshake it saves: the note says refuted, the claim is untouched.
	hooked := seen
	hooked.Connect = &bench.ConnectFacts{Cells: []bench.ConnectCell{
		{Placement: bench.OneCPU, RateUDS: 6000, RateTCP: 8682, CPUUDS: 150000, CPUTCP: 108716, Ratios: []float64{0.69, 0.72, 0.66, 0.7, 0.71}}},
		TCPSample: bench.ConnectSample{SegsOut: 3, SegsIn: 3}, TCPOutSegsPerTCP: 8, TCPOpensPerTCP: 1, PrivateNetns: true}
	for _, c := range []struct {
		f    BacklogFacts
		want string
	}{{measured, `"no handshake, so connecting is cheaper" confirmed`}, {hooked, `"no handshake, so connecting is cheaper" refuted`}} {
		if ev := judgeBacklog(c.f).Evidence; !strings.Contains(ev, c.want) {
			t.Errorf("the connection note: want %q in %s", c.want, ev)
		}
	}

	claims.TestJudge(t, "U4", judgeBacklog, []claims.Case[BacklogFacts]{
		{Name: "seen on 6.18 with the connection note: UDS connects 2-3x as fast, deciding nothing", Facts: measured, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "a security hook makes UDS connects dearer: the note refutes, the claim stands as measured", Facts: hooked, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "seen on 6.18: no handshake, an accept queue", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "as the notes say", Facts: unbounded, Want: claims.Confirmed},
		{Name: "a reader's busy server, its listen(0) queue already full: connect refused with EAGAIN", Facts: full, Want: claims.Refuted,
			Parts: map[string]string{"handshake": claims.Refuted, "queues": claims.Refuted}},
		{Name: "data sent before accept lost", Facts: lost, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Refined, "queues": claims.Confirmed}},
	})
}
