package unlink

import (
	"fmt"
	"strings"
	"testing"

	"netnotes/internal/claims"
)

// The judges' tables. Each starts from the facts a run recorded on the
// project machine (Linux 6.18.44, x86_64, GNU coreutils 9.1:
// testdata/facts/linux-6.18), loaded when the test runs and replayed by
// TestJudge as a case of its own, then changes what a kernel or a system
// that disagrees with the notes would show. Where a drill recorded a
// namespace set up so that the claim is false (testdata/drills), its
// recording is a row too.

func TestJudgeN1LinkCount(t *testing.T) {
	seenN1 := claims.RecordedFacts[LinkCountFacts](t, "N1")
	claims.TestJudge(t, "N1", judgeLinkCount, []claims.Case[LinkCountFacts]{
		{Name: "a reader's FUSE filesystem that reports a fixed link count (sshfs): a fresh file with two links, a count unlink does not lower", Facts: claims.With(seenN1, func(f *LinkCountFacts) {
			f.FreshNlink, f.NlinkBAfter = 2, 2
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"fresh": claims.Refuted, "decrement": claims.Refuted}},
		{Name: "unlink leaves the name", Facts: claims.With(seenN1, func(f *LinkCountFacts) { f.LstatAAfter = "0" }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"fresh": claims.Confirmed, "decrement": claims.Refuted}},
		{Name: "the other name lost the data", Facts: claims.With(seenN1, func(f *LinkCountFacts) { f.DataIntact = false }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"decrement": claims.Refined}},
	})
}

func TestJudgeN2Space(t *testing.T) {
	seenN2 := claims.RecordedFacts[SpaceFacts](t, "N2")
	claims.TestJudge(t, "N2", judgeSpace, []claims.Case[SpaceFacts]{
		{Name: "refutable only by a kernel whose tmpfs frees an unlinked file's space while a descriptor holds it, or keeps it after the last close (no Linux kernel's does; the test measures on a private tmpfs, never a reader's btrfs or ZFS with snapshots): freed at unlink, and not given back at close", Facts: claims.With(seenN2, func(f *SpaceFacts) {
			f.FreeUnlinked, f.FreeClosed = 64, 40
		}), Want: claims.Refuted},
		{Name: "the last close frees it though a name is left", Facts: claims.With(seenN2, func(f *SpaceFacts) { f.FreeOtherName = 64 }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"reclaimed": claims.Confirmed, "held": claims.Refuted}},
		{Name: "the space comes back late, or not at all", Facts: claims.With(seenN2, func(f *SpaceFacts) { f.FreeClosed, f.ClosedWaitMs = 40, 5000 }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"reclaimed": claims.Refuted}},
	})
}

// The unlink command's run on an architecture with no unlink system call:
// its C library turns unlink() into unlinkat.
var unlinkViaUnlinkat = CommandRun{Command: "unlink 111", Removed: true, Calls: []RemovalCall{
	{Call: `unlinkat(AT_FDCWD, "111", 0) = 0`, Name: "unlinkat", AtFDCWD: true, Path: "111", Flags: "0"},
}}

// busybox's rm removes a single file with unlink.
var rmViaUnlink = CommandRun{Command: "rm -f 111", Removed: true, Calls: []RemovalCall{
	{Call: `unlink("111") = 0`, Name: "unlink", Path: "111"},
}}

func TestJudgeN3CommandCalls(t *testing.T) {
	seenN3 := claims.RecordedFacts[CommandCallsFacts](t, "N3")
	claims.TestJudge(t, "N3", judgeCommandCalls, []claims.Case[CommandCallsFacts]{
		{Name: "seen on 6.18 x86_64", Facts: seenN3, Want: claims.Confirmed},
		{Name: "arm64: no unlink system call", Facts: claims.With(seenN3, func(f *CommandCallsFacts) {
			f.Arch, f.ArchHasUnlink, f.UnlinkFile = "arm64", false, unlinkViaUnlinkat
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"rm": claims.Confirmed, "unlink": claims.Refined}},
		{Name: "x86_64 with an unlink command that calls unlinkat", Facts: claims.With(seenN3, func(f *CommandCallsFacts) {
			f.UnlinkFile = unlinkViaUnlinkat
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"unlink": claims.Refuted}},
		{Name: "busybox rm calls unlink", Facts: claims.With(seenN3, func(f *CommandCallsFacts) {
			f.Rm.Resolved, f.RmFile = "/bin/busybox", rmViaUnlink
		}), Want: claims.Refuted, Parts: map[string]claims.Verdict{"rm": claims.Refuted, "unlink": claims.Confirmed}},
		{Name: "busybox's rm and unlink first on PATH (Debian's busybox 1.35, x86_64)", Facts: busybox(seenN3),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"rm": claims.Refuted, "unlink": claims.Confirmed}},
		{Name: "rm tries unlink first, then unlinkat", Facts: claims.With(seenN3, func(f *CommandCallsFacts) {
			f.RmFile.Calls = append([]RemovalCall{{Call: `unlink("111") = -1 EPERM`, Name: "unlink", Path: "111", Errno: "EPERM"}}, f.RmFile.Calls...)
		}), Want: claims.Refined, Parts: map[string]claims.Verdict{"rm": claims.Refined}},
		claims.RecordedDrill[CommandCallsFacts](t, "N3"),
	})
	// The evidence says whose rm it saw.
	if ev := judgeCommandCalls(busybox(seenN3)).Parts[0].Evidence; !strings.Contains(ev, "BusyBox v1.35.0") || !strings.Contains(ev, "/usr/bin/busybox") {
		t.Errorf("rm's evidence does not say it was busybox's: %s", ev)
	}
}

func TestJudgeN4Dirfd(t *testing.T) {
	seenN4 := claims.RecordedFacts[DirfdFacts](t, "N4")
	claims.TestJudge(t, "N4", judgeDirfd, []claims.Case[DirfdFacts]{
		{Name: "refutable only by a kernel without unlinkat(2) (Linux has had it since 2.6.16): paths from the working directory, flags ignored", Facts: claims.With(seenN4, func(f *DirfdFacts) {
			f.TargetGone, f.DecoyKept = false, false
			f.AfterRename, f.RenamedGone = "ENOENT", false
			f.DirWithFlags0, f.FileWithRmdir, f.FileKept = "0", "0", false
			f.EmptyWithRmdir, f.EmptyDirRemoved = "ENOENT", false
		}), Want: claims.Refuted},
		{Name: "the rename breaks the fd", Facts: claims.With(seenN4, func(f *DirfdFacts) { f.AfterRename, f.RenamedGone = "ENOENT", false }),
			Want: claims.Refuted, Parts: map[string]claims.Verdict{"dirfd": claims.Refuted, "like-unlink": claims.Confirmed}},
		{Name: "a directory refused with EPERM, as POSIX allows", Facts: claims.With(seenN4, func(f *DirfdFacts) { f.DirWithFlags0 = "EPERM" }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"like-unlink": claims.Refined}},
	})
}

func TestJudgeN5OneFile(t *testing.T) {
	seenN5 := claims.RecordedFacts[OneFileFacts](t, "N5")
	claims.TestJudge(t, "N5", judgeOneFile, []claims.Case[OneFileFacts]{
		{Name: "refutable only by a system whose unlink(2) removes directories and whose unlink command takes two operands (neither Linux nor GNU coreutils nor busybox)", Facts: claims.With(seenN5, func(f *OneFileFacts) {
			f.UnlinkDir, f.RmdirEmpty = "0", "ENOENT"
			f.UnlinkTwo, f.UnlinkTwoFailed, f.UnlinkTwoKept = " (exit 0)", false, false
			f.RmManyRemovedAll = false
		}), Want: claims.Refuted},
		{Name: "EPERM for a directory (POSIX's other answer)", Facts: claims.With(seenN5, func(f *OneFileFacts) { f.UnlinkDir = "EPERM" }),
			Want: claims.Refined, Parts: map[string]claims.Verdict{"no-directories": claims.Refined}},
		{Name: "no commands on PATH", Facts: claims.With(seenN5, func(f *OneFileFacts) { f.CommandsRun = false }),
			Want: claims.Confirmed, Parts: map[string]claims.Verdict{"one-file": claims.Skipped, "rm-more": claims.Skipped}},
	})
}

// busybox is what N3's test saw, where it saw seen, with links rm and
// unlink -> /usr/bin/busybox first on PATH (Debian 12's busybox 1.35.0,
// x86_64).
func busybox(seen CommandCallsFacts) CommandCallsFacts {
	return claims.With(seen, func(f *CommandCallsFacts) {
		bb := func(name string) BinaryFacts {
			return BinaryFacts{Path: "/tmp/bb/" + name, Resolved: "/usr/bin/busybox",
				Version:        fmt.Sprintf("no version: --version gave %q, exit status 1", name+": unrecognized option '--version'"),
				Implementation: "BusyBox v1.35.0"}
		}
		f.Rm, f.Unlink = bb("rm"), bb("unlink")
		f.RmFile = CommandRun{Command: "rm -f 111", Removed: true, Calls: []RemovalCall{{Call: `unlink("111") = 0`, Name: "unlink", Path: "111"}}}
		f.RmDir = CommandRun{Command: "rm -r dir", Removed: true, Calls: []RemovalCall{
			{Call: `unlink("dir/f") = 0`, Name: "unlink", Path: "dir/f"}, {Call: `rmdir("dir") = 0`, Name: "rmdir", Path: "dir"}}}
	})
}

// An rm's --version output is read for whose it is, whatever the maker.
func TestN3ImplementationOfAnyMaker(t *testing.T) {
	for out, want := range map[string]string{
		"rm (GNU coreutils) 9.1\nCopyright (C) 2022 Free Software Foundation, Inc.":                                                          "GNU coreutils 9.1",
		"rm: unrecognized option '--version'\nBusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: rm [-irf] FILE...": "BusyBox v1.35.0",
		"rm (uutils coreutils) 0.0.28":                                 "uutils coreutils 0.0.28",
		"rm (netnotes N3 drill: a trash can (renames, never unlinks))": "",
	} {
		if got := implementationOf(out); got != want {
			t.Errorf("implementationOf(%q) = %q; want %q", out, got, want)
		}
	}
}
