package unlink

import (
	"fmt"

	"netnotes/internal/claims"
)

// DirfdFacts is what N4's test saw, each call's outcome as "0" or an
// errno's name.
type DirfdFacts struct {
	AfterChdir      string // unlinkat(dirfd, "f1", 0) after chdir elsewhere
	TargetGone      bool   // dir/f1 is gone
	DecoyKept       bool   // elsewhere/f1 (the working directory's f1) is still there
	OldPathAfterMv  string // unlink("dir/f2") after mv dir moved
	AfterRename     string // unlinkat(dirfd, "f2", 0) after the rename
	RenamedGone     bool   // moved/f2 is gone
	DirWithFlags0   string // unlinkat(dirfd, "sub", 0)
	FileWithRmdir   string // unlinkat(dirfd, "f3", AT_REMOVEDIR)
	FileKept        bool   // f3 survived that
	EmptyWithRmdir  string // unlinkat(dirfd, "sub", AT_REMOVEDIR)
	EmptyDirRemoved bool
}

// judgeDirfd is N4's rule, in three parts: with flags 0 unlinkat is unlink
// (removes a file, refuses a directory), with AT_REMOVEDIR it is rmdir
// (removes an empty directory, refuses a file), and a relative path goes
// from the directory fd, wherever the process or the directory's path went.
func judgeDirfd(f DirfdFacts) claims.Finding {
	likeUnlink := claims.Confirm("flags 0: a file removed (%s), a directory refused (%s)", f.AfterChdir, f.DirWithFlags0)
	if f.AfterChdir != "0" || f.DirWithFlags0 == "0" {
		likeUnlink = claims.Refute("flags 0: file %s, directory %s", f.AfterChdir, f.DirWithFlags0)
	} else if f.DirWithFlags0 != "EISDIR" {
		likeUnlink = claims.Refine("flags 0: a file removed (%s), a directory refused with %s, not the EISDIR the rule expects of unlink(2)", f.AfterChdir, f.DirWithFlags0)
	}
	likeRmdir := claims.Confirm("AT_REMOVEDIR: an empty directory removed (%s), a file refused (%s) and kept", f.EmptyWithRmdir, f.FileWithRmdir)
	if f.EmptyWithRmdir != "0" || !f.EmptyDirRemoved || f.FileWithRmdir == "0" || !f.FileKept {
		likeRmdir = claims.Refute("AT_REMOVEDIR: empty directory %s (gone %t), file %s (kept %t)", f.EmptyWithRmdir, f.EmptyDirRemoved, f.FileWithRmdir, f.FileKept)
	}
	seen := fmt.Sprintf("after chdir elsewhere: unlinkat(dirfd, \"f1\", 0) = %s, dir/f1 gone %t, decoy elsewhere/f1 kept %t; after mv dir moved: unlink(\"dir/f2\") = %s, unlinkat(dirfd, \"f2\", 0) = %s, moved/f2 gone %t",
		f.AfterChdir, f.TargetGone, f.DecoyKept, f.OldPathAfterMv, f.AfterRename, f.RenamedGone)
	dirfd := claims.Confirm("%s", seen)
	if f.AfterChdir != "0" || !f.TargetGone || !f.DecoyKept || f.AfterRename != "0" || !f.RenamedGone {
		dirfd = claims.Refute("the name did not resolve against the directory fd: %s", seen)
	}
	return claims.Combine(claims.P("like-unlink", likeUnlink), claims.P("like-rmdir", likeRmdir), claims.P("dirfd", dirfd))
}

var _ = claims.Register("N4", judgeDirfd)
