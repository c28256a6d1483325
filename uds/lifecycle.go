package uds

import (
	"fmt"

	"netnotes/internal/claims"
)

// LifecycleFacts is what U6's test saw of a socket file's life apart from
// its socket's. Errors are errno names; "ok" is success.
type LifecycleFacts struct {
	// A server binds, listens and closes without unlinking.
	AfterClose   string // what is at its path then: "socket", "none", ...
	Inode        uint64
	ConnectStale string // connect to the leftover
	BindOver     string // the next server's bind on the same path
	BindUnlinked string // its bind once it unlinked the path first
	// A live listener whose file is unlinked.
	CarriedAfterUnlink string // write+read on a connection established before: "ok" or the error
	ConnectUnlinked    string // a new connect to the path
	// Go's net.UnixListener.
	GoCloseLeaves string // what Close leaves at the path
	GoKeptLeaves  string // what Close leaves after SetUnlinkOnClose(false)
	GoDialKept    string // dialling that kept file

	// A real server instead (podman system service), "" for the test's
	// own sockets: the fields above are then its socket's, killed
	// (SIGKILL) for AfterClose, and a request of its API for the connects.
	Server      string // who served, and how it was stopped
	StopLeaves  string // what its own graceful stop (SIGTERM) left at its path
	StopRequest string // a request after that stop
	StopBind    string `json:",omitempty"` // the next server's bind on its path after that stop
}

// judgeLifecycle is U6's rule. The notes' server unlinks its path before
// bind; the claim is why, and says two things:
//
//   - outlives: the socket file outlives its socket: after close it is still
//     there (connect to it is then refused). Refuted if close took it away.
//     Unlinking a live listener's file should leave its connections alone;
//     if it does not, the picture is refined.
//   - bind: a leftover file makes bind fail, and unlinking it first lets
//     bind work. Refuted if bind over the leftover works; refined if it
//     fails but unlinking does not help.
func judgeLifecycle(f LifecycleFacts) claims.Finding {
	return claims.Combine(
		claims.P("outlives", judgeOutlives(f)),
		claims.P("bind", judgeBindOver(f)),
	)
}

var _ = claims.Register("U6", judgeLifecycle)

func judgeOutlives(f LifecycleFacts) claims.Finding {
	switch {
	case f.AfterClose != "socket":
		return claims.Refute("%safter the bound socket closed, its path holds %s, not the socket file%s", server(f), f.AfterClose, ownStop(f))
	case f.CarriedAfterUnlink != "ok":
		return claims.Refine("%safter close the file stays (S_IFSOCK, inode %d; connect: %s), but unlinking a live listener's file broke its established connection (%s)%s",
			server(f), f.Inode, f.ConnectStale, f.CarriedAfterUnlink, ownStop(f))
	}
	return claims.Confirm("%safter close the file stays (S_IFSOCK, inode %d) and connect to it says %s; the other way round too: "+
		"a live listener whose file was unlinked kept its established connection (%s) while new connects said %s%s",
		server(f), f.Inode, f.ConnectStale, f.CarriedAfterUnlink, f.ConnectUnlinked, ownStop(f))
}

// server names a real server, for the evidence.
func server(f LifecycleFacts) string {
	if f.Server == "" {
		return ""
	}
	return f.Server + ": "
}

// ownStop says what a real server's graceful stop left, for the evidence.
func ownStop(f LifecycleFacts) string {
	if f.StopLeaves == "" {
		return ""
	}
	s := fmt.Sprintf("; its own graceful stop (SIGTERM) left %s at the path, and a request then said %s", f.StopLeaves, f.StopRequest)
	if f.StopBind != "" {
		s += ", the next server's bind " + f.StopBind
	}
	if f.StopLeaves == "none" {
		s += ": the server unlinks its file itself when it stops, so only a killed one leaves it"
	}
	return s
}

func judgeBindOver(f LifecycleFacts) claims.Finding {
	switch {
	case f.BindOver == "ok":
		return claims.Refute("%sthe next server's bind on the path of a closed socket (%s there) succeeded: nothing to unlink first", server(f), f.AfterClose)
	case f.BindUnlinked != "ok":
		return claims.Refine("%sbind over the leftover file said %s, and after unlink still %s", server(f), f.BindOver, f.BindUnlinked)
	}
	if f.GoCloseLeaves == "" {
		return claims.Confirm("%sbind over the leftover file: %s; unlink, then bind: ok, which is why the notes' server unlinks first", server(f), f.BindOver)
	}
	return claims.Confirm("bind over the leftover file: %s; unlink, then bind: ok, which is why the notes' server unlinks first. "+
		"Go's UnixListener does it for you: after Close its path holds %s; with SetUnlinkOnClose(false), %s (dial: %s)",
		f.BindOver, f.GoCloseLeaves, f.GoKeptLeaves, f.GoDialKept)
}
