package uds

import (
	"testing"

	"netnotes/internal/claims"
)

// podmanService is what podman system service 4.3.1 left on the project
// machine (TestU6PodmanServiceLeavesItsSocketFileOnlyWhenKilled): killed,
// its socket file stays and a request says ECONNREFUSED; stopped with
// SIGTERM, it unlinks the file itself.
var podmanService = claims.SeenFacts[LifecycleFacts](`{"AfterClose":"socket","Inode":9987112,"ConnectStale":"ECONNREFUSED","BindOver":"EADDRINUSE","BindUnlinked":"ok","CarriedAfterUnlink":"ok","ConnectUnlinked":"ENOENT","GoCloseLeaves":"","GoKeptLeaves":"","GoDialKept":"","Server":"podman system service (podman 4.3.1), killed with SIGKILL (its file's inode was 9987112 while it served)","StopLeaves":"none","StopRequest":"ENOENT"}`)

func TestJudgeLifecycleOnPodmanService(t *testing.T) {
	// Judged on the graceful stop instead of the kill: the file is gone
	// with the service, as with Go's own listener.
	graceful := claims.With(podmanService, func(f *LifecycleFacts) {
		f.AfterClose, f.Inode, f.ConnectStale, f.BindOver = f.StopLeaves, 0, f.StopRequest, "ok"
	})
	claims.TestJudge(t, "U6", judgeLifecycle, []claims.Case[LifecycleFacts]{
		{Name: "podman system service seen on 6.18, killed", Facts: podmanService, Want: claims.Confirmed,
			Parts: map[string]string{"outlives": claims.Confirmed, "bind": claims.Confirmed}},
		{Name: "podman system service stopped with SIGTERM: it unlinks its file", Facts: graceful, Want: claims.Refuted,
			Parts: map[string]string{"outlives": claims.Refuted, "bind": claims.Refuted}},
	})
}
