package uds

import (
	"fmt"
	"strings"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// BacklogFacts is what U4's test saw, connecting to listeners on which
// nobody calls accept.
type BacklogFacts struct {
	// One per listen(backlog): how many non-blocking connects got in, of
	// how many tried, and how the first refused one was refused ("EAGAIN";
	// "" when every one got in).
	Admissions []Admission
	// The first client of a listen(1), before anyone calls accept: what its
	// non-blocking connect returned ("ok", or an errno such as
	// "EINPROGRESS"), its state then (sock_diag), the bytes it could send,
	// and the bytes accept's socket then read of them.
	FirstConnect      string
	StateBeforeAccept string
	SentBeforeAccept  int
	ReadAfterAccept   int
	// sock_diag of that listen(1) socket with its clients waiting: Recv-Q
	// (connections waiting) and Send-Q (the backlog), as ss shows them.
	RecvQ, SendQ uint32
	Waiting      int // inodes the listener lists as waiting
	// A blocking connect to the same listener, bounded by SO_SNDTIMEO.
	BlockingConnect  string // "ok" or the errno
	BlockingWaitedMS int64
	SndTimeoMS       int64

	// What a connection costs (a measured note beside the claim, deciding
	// nothing of it): connect + accept + first byte + close, UDS against
	// TCP over 127.0.0.1 (bench.MeasureConnections). Nil when not
	// measured, with the reason in ConnectNotMeasured.
	Connect            *bench.ConnectFacts `json:",omitempty"`
	ConnectNotMeasured string              `json:",omitempty"`
}

// Admission is what one listen(Backlog) let in.
type Admission struct {
	Backlog  int
	Tried    int    // non-blocking connects tried
	Admitted int    // of them, the ones that returned 0
	Then     string // the errno of the first one refused, "" if none was
}

// judgeBacklog is U4's rule. The claim says two things:
//
//   - handshake: a connect completes with nobody on the other side doing
//     anything (no accept): a non-blocking connect returns 0 at once, and
//     what the client sends then is there for accept's socket to read.
//     Refuted if the connect is left in progress (EINPROGRESS: it waits
//     for the other side, as TCP's waits for the handshake); a connect
//     refused outright (EAGAIN: the listener's queue full) shows neither,
//     and the part is not observed.
//   - queues: there is no queue of connections waiting for accept, so
//     nothing bounds them: every connect gets in. Refuted when a listen(n)
//     lets a fixed number in and then refuses the next one.
//
// The cost of a connection is a note at the end of the evidence
// (connectNote), as L5's speed is: the claim says there is no handshake,
// not that connecting is cheaper, so the measurement decides no part.
func judgeBacklog(f BacklogFacts) claims.Finding {
	found := claims.Combine(
		claims.P("handshake", judgeHandshake(f)),
		claims.P("queues", judgeQueues(f)),
	)
	if note := connectNote(f); note != "" {
		found.Evidence += "; " + note
	}
	return found
}

// connectNote words the connection measurement's verdict on "UDS needs
// no handshake, so connecting is cheaper" (bench.JudgeConnect) as a note
// beside U4's verdict; "" for facts recorded before the note existed.
func connectNote(f BacklogFacts) string {
	if f.Connect == nil && f.ConnectNotMeasured == "" {
		return ""
	}
	var sp claims.Finding
	if f.Connect == nil {
		sp = claims.SkipPart("%s", f.ConnectNotMeasured)
	} else {
		sp = bench.JudgeConnect(*f.Connect)
	}
	return fmt.Sprintf("note, deciding nothing of the claim: \"no handshake, so connecting is cheaper\" %s: %s", sp.Verdict, sp.Evidence)
}

var _ = claims.Register("U4", judgeBacklog)

func judgeHandshake(f BacklogFacts) claims.Finding {
	switch {
	case f.FirstConnect == "EINPROGRESS":
		return claims.Refute("a non-blocking connect to a listener nobody accepted on returned %s, not 0 at once: it waits for the other side", f.FirstConnect)
	case f.FirstConnect != "ok":
		return claims.SkipPart("the first non-blocking connect was refused (%s) before it could show whether a connect waits for the other side (a refusal is the queue's, not a handshake)", f.FirstConnect)
	case f.SentBeforeAccept == 0 || f.ReadAfterAccept != f.SentBeforeAccept:
		return claims.Refine("connect returned 0 before any accept (state %s), but of %d B sent before accept, accept's socket read %d",
			f.StateBeforeAccept, f.SentBeforeAccept, f.ReadAfterAccept)
	}
	return claims.Confirm("a non-blocking connect returned 0 before any accept, the client was %s and sent %d B that accept's socket then read",
		f.StateBeforeAccept, f.SentBeforeAccept)
}

func judgeQueues(f BacklogFacts) claims.Finding {
	if len(f.Admissions) == 0 {
		return claims.SkipPart("no listener was tried")
	}
	var bounded, open []string
	for _, a := range f.Admissions {
		if a.Then != "" {
			bounded = append(bounded, fmt.Sprintf("listen(%d) admitted %d, then %s", a.Backlog, a.Admitted, a.Then))
		} else {
			open = append(open, fmt.Sprintf("listen(%d) admitted all %d", a.Backlog, a.Tried))
		}
	}
	if len(bounded) == 0 {
		return claims.Confirm("with nobody calling accept, %s: nothing bounds the connections waiting", strings.Join(open, ", "))
	}
	return claims.Refute("an accept queue: with nobody calling accept, %s. sock_diag on listen(1): Recv-Q %d waiting, Send-Q %d (the backlog), %d listed. "+
		"A blocking connect to it waited %d ms (SO_SNDTIMEO %d ms), then %s",
		strings.Join(append(bounded, open...), "; "), f.RecvQ, f.SendQ, f.Waiting, f.BlockingWaitedMS, f.SndTimeoMS, f.BlockingConnect)
}
