package uds

import (
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU7SunPath(t *testing.T) {
	seen := SunPathFacts{Listen107: "ok", Dial107: "ok", GoListen108: "listen unix (108-byte path): bind: invalid argument",
		XSys108OnDevNull: "EINVAL", Syscall108OnDevNull: "EINVAL", Kernel107OnDevNull: "ENOTSOCK",
		Kernel108: "ok", Kernel108File: "socket", Kernel108Connect: "ok", Kernel109: "EINVAL",
		Abstract: "@netnotes-14575-1-u7", AbstractListed: []uint64{221366}, AbstractInode: 221366, AbstractHasFile: false, PathHasFile: true, AbstractGone: true,
		Netns: &AbstractNetnsFacts{ListedInA: 1, ListedInB: 0, ListedInHost: 0, DialFromB: "ECONNREFUSED", BindInB: "ok", SecondBindInA: "EADDRINUSE",
			ReachedFromA: "A", ReachedFromB: "B", PathFromB: "A by path"}}
	seenUnprivileged := seen
	seenUnprivileged.Netns, seenUnprivileged.NetnsNotObserved = nil, "needs network namespaces: run go test -tags sudo -exec sudo ./... (or `sudo make notes`)"
	// A kernel that refuses 108 bytes with or without the NUL.
	strict := seen
	strict.Kernel108, strict.Kernel108File, strict.Kernel108Connect = "EINVAL", "", ""
	// Nothing fits where the notes say it does, a longer path binds, and
	// the abstract socket has a file: every part the other way.
	wrong := seen
	wrong.Listen107, wrong.Dial107, wrong.Kernel109, wrong.AbstractHasFile = "EINVAL", "", "ok", true
	// Abstract names shared by every namespace.
	shared := seen
	shared.Netns = &AbstractNetnsFacts{ListedInA: 1, ListedInB: 1, ListedInHost: 1, DialFromB: "ok", BindInB: "EADDRINUSE", SecondBindInA: "EADDRINUSE",
		ReachedFromA: "A", ReachedFromB: "A", PathFromB: "A by path"}

	claims.TestJudge(t, "U7", judgeSunPath, []claims.Case[SunPathFacts]{
		{Name: "seen on 6.18 as root", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"fit": claims.Confirmed, "limit": claims.Refined, "abstract": claims.Confirmed}},
		{Name: "seen on 6.18 without namespaces", Facts: seenUnprivileged, Want: claims.Refined,
			Parts: map[string]string{"fit": claims.Confirmed, "limit": claims.Refined, "abstract": claims.Confirmed}},
		{Name: "108 bytes refused everywhere", Facts: strict, Want: claims.Confirmed},
		{Name: "refutable only by a system whose sun_path is not 108 bytes (104 on the BSDs and macOS; every Linux has 108)", Facts: wrong, Want: claims.Refuted,
			Parts: map[string]string{"fit": claims.Refuted, "limit": claims.Refuted, "abstract": claims.Refuted}},
		{Name: "abstract names shared across namespaces", Facts: shared, Want: claims.Refined,
			Parts: map[string]string{"abstract": claims.Refined}},
	})
}
