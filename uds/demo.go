package uds

import (
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// The notes' demo exchange: what uds_client.c sends, what uds_server.c
// answers, and the line the client prints.
const (
	ClientHello   = "Hello from client!"
	ServerHello   = "Hello from server!"
	ClientPrinted = "Received from server: " + ServerHello
)

// DemoFacts is what U2's test saw of the demo run as two processes.
type DemoFacts struct {
	ServerReceived string   // what the server read from the client
	ClientLines    []string // what the client process printed
	ServerPID      int
	ClientPID      int   // the client process's pid, as it printed it
	PeerPID        int32 // the client's pid as the server read it (SO_PEERCRED)
}

// judgeDemo is U2's rule: the exchange happens as the notes print it. The
// server receives the client's hello and the client prints the server's
// answer; refuted if either is missing or different. The client runs as a
// separate process, as the notes' ./client does: if the kernel names
// another pid as the peer, the exchange still happened, but not between
// the processes the notes ran (refined).
func judgeDemo(f DemoFacts) claims.Finding {
	printed := strings.Join(f.ClientLines, " / ")
	switch {
	case f.ServerReceived != ClientHello || !slices.Contains(f.ClientLines, ClientPrinted):
		return claims.Refute("the server received %q (want %q) and the client printed %q (want %q)",
			f.ServerReceived, ClientHello, printed, ClientPrinted)
	case f.PeerPID != int32(f.ClientPID) || f.ClientPID == f.ServerPID:
		return claims.Refine("the exchange happened (server got %q, client printed %q), but SO_PEERCRED named pid %d for client pid %d (server pid %d)",
			f.ServerReceived, printed, f.PeerPID, f.ClientPID, f.ServerPID)
	}
	return claims.Confirm("server (pid %d) received %q from client process pid %d (SO_PEERCRED pid %d), which printed %q",
		f.ServerPID, f.ServerReceived, f.ClientPID, f.PeerPID, printed)
}

var _ = claims.Register("U2", judgeDemo)
