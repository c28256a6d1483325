package uds

import (
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU6Lifecycle(t *testing.T) {
	seen := LifecycleFacts{AfterClose: "socket", Inode: 10013155, ConnectStale: "ECONNREFUSED", BindOver: "EADDRINUSE", BindUnlinked: "ok",
		CarriedAfterUnlink: "ok", ConnectUnlinked: "ENOENT", GoCloseLeaves: "none", GoKeptLeaves: "socket", GoDialKept: "ECONNREFUSED"}
	// A kernel that removed the file with its socket: no leftover, bind
	// just works and the notes' unlink is needless.
	cleans := seen
	cleans.AfterClose, cleans.Inode, cleans.ConnectStale, cleans.BindOver = "none", 0, "ENOENT", "ok"
	// A leftover that bind replaces, as SO_REUSEADDR does for TCP ports.
	reused := seen
	reused.BindOver = "ok"
	// Unlinking a live listener's file cuts its connections too.
	cut := seen
	cut.CarriedAfterUnlink = "ECONNRESET"

	claims.TestJudge(t, "U6", judgeLifecycle, []claims.Case[LifecycleFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's Go server (net.Listen: the listener unlinks its socket file on Close): close removes the file", Facts: cleans, Want: claims.Refuted,
			Parts: map[string]string{"outlives": claims.Refuted, "bind": claims.Refuted}},
		{Name: "bind reuses the leftover", Facts: reused, Want: claims.Refined,
			Parts: map[string]string{"outlives": claims.Confirmed, "bind": claims.Refuted}},
		{Name: "unlink cuts live connections", Facts: cut, Want: claims.Refined,
			Parts: map[string]string{"outlives": claims.Refined, "bind": claims.Confirmed}},
	})
}
