package uds

import (
	"slices"
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU1Bind(t *testing.T) {
	seen := BindFacts{Path: "/tmp/nn17217245/containerd.sock", ExistedBefore: false, FileType: "socket", Inode: 10002920, Dials: []EndpointDial{
		{Endpoint: "unix:///tmp/nn17217245/containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:/tmp/nn17217245/containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:@netnotes-26927-1-u1", Names: "abstract", Reached: "abstract"},
		{Endpoint: "unix-abstract:netnotes-26927-1-u1", Names: "abstract", Reached: "abstract"},
	}}
	// A system where the address lives nowhere in the filesystem (as an
	// abstract name does), so the path names nothing to dial.
	noFile := seen
	noFile.FileType, noFile.Inode = "none", 0
	noFile.Dials = slices.Clone(seen.Dials)
	noFile.Dials[0].Reached, noFile.Dials[0].Err = "", "ENOENT"
	// A regular file where the socket should be: bind wrote something else.
	regular := seen
	regular.FileType = "regular"
	// unix:// works, a relative unix:path does not.
	relative := seen
	relative.Dials = slices.Clone(seen.Dials)
	relative.Dials[2].Reached, relative.Dials[2].Err = "", "ENOENT"

	claims.TestJudge(t, "U1", judgeBind, []claims.Case[BindFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's server on an abstract address (@name, as some daemons bind): no file, and a unix:// path dials nothing", Facts: noFile, Want: claims.Refuted,
			Parts: map[string]string{"file": claims.Refuted, "endpoint": claims.Refuted}},
		{Name: "a regular file after bind", Facts: regular, Want: claims.Refined,
			Parts: map[string]string{"file": claims.Refuted, "endpoint": claims.Confirmed}},
		{Name: "only the relative form misses", Facts: relative, Want: claims.Refined,
			Parts: map[string]string{"file": claims.Confirmed, "endpoint": claims.Refined}},
	})
}
