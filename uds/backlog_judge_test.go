package uds

import (
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU4Backlog(t *testing.T) {
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

	claims.TestJudge(t, "U4", judgeBacklog, []claims.Case[BacklogFacts]{
		{Name: "seen on 6.18: no handshake, an accept queue", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "as the notes say", Facts: unbounded, Want: claims.Confirmed},
		{Name: "a reader's busy server, its listen(0) queue already full: connect refused with EAGAIN", Facts: full, Want: claims.Refuted,
			Parts: map[string]string{"handshake": claims.Refuted, "queues": claims.Refuted}},
		{Name: "data sent before accept lost", Facts: lost, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Refined, "queues": claims.Confirmed}},
	})
}
