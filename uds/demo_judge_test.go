package uds

import (
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU2Demo(t *testing.T) {
	seen := DemoFacts{ServerReceived: "Hello from client!", ClientLines: []string{"Connected to server.", "Received from server: Hello from server!"},
		ServerPID: 29197, ClientPID: 29203, PeerPID: 29203}
	refused := DemoFacts{ClientLines: []string{"connect: ECONNREFUSED"}, ServerPID: 29197, ClientPID: 29203}
	garbled := seen
	garbled.ClientLines = []string{"Connected to server.", "Received from server: Hello from serv"}
	otherPeer := seen
	otherPeer.PeerPID = 1

	claims.TestJudge(t, "U2", judgeDemo, []claims.Case[DemoFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's LSM policy (SELinux, AppArmor) that denies the connect: the client never got through", Facts: refused, Want: claims.Refuted},
		{Name: "a reader's server killed mid-answer: the answer arrived cut short", Facts: garbled, Want: claims.Refuted},
		{Name: "SO_PEERCRED names another process", Facts: otherPeer, Want: claims.Refined},
	})
}
