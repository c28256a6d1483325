package unlink

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// The facts each claim's test gathers, and the judge that reads them as
// the claim's rule. The tests observe (on this kernel, as whoever runs
// them); the judges are pure, so `go test ./unlink` shows each rule going
// every way it can, with no file system needed.

// LinkCountFacts is what N1's test saw: a fresh file, a second name for it,
// then unlink of the first name.
type LinkCountFacts struct {
	FreshNlink    uint64 // lstat of a file just written
	LinkedNlinkA  uint64 // lstat of each name after link a b
	LinkedNlinkB  uint64
	LinkSameInode bool   // b names a's inode
	UnlinkA       string // unlink(a): "0" or the errno's name
	LstatAAfter   string // lstat(a) after the unlink: "0" or the errno's name
	NlinkBAfter   uint64 // lstat(b) after the unlink
	BSameInode    bool   // b still names the first inode
	DataIntact    bool   // b still reads what was written through a
	Listing       []string
}

// judgeLinkCount is N1's rule: a fresh file has one link, and unlink
// removes one name and lowers the count by one, leaving the inode to its
// other names.
func judgeLinkCount(f LinkCountFacts) claims.Finding {
	fresh := claims.Confirm("a fresh file has nlink 1")
	if f.FreshNlink != 1 {
		fresh = claims.Refute("a fresh file has nlink %d", f.FreshNlink)
	}
	seen := fmt.Sprintf("after link a b: nlink %d (a) / %d (b), same inode %t; unlink(a) = %s, then lstat(a) = %s, b nlink %d, same inode %t, data intact %t; directory lists %v",
		f.LinkedNlinkA, f.LinkedNlinkB, f.LinkSameInode, f.UnlinkA, f.LstatAAfter, f.NlinkBAfter, f.BSameInode, f.DataIntact, f.Listing)
	var decrement claims.Finding
	switch {
	case f.UnlinkA != "0" || f.LstatAAfter != "ENOENT":
		decrement = claims.Refute("the name was not removed: %s", seen)
	case f.NlinkBAfter+1 != f.LinkedNlinkB:
		decrement = claims.Refute("the count did not drop by one: %s", seen)
	case !f.BSameInode || !f.DataIntact:
		decrement = claims.Refine("the name went and the count dropped, but the other name no longer reaches the same data: %s", seen)
	default:
		decrement = claims.Confirm("%s", seen)
	}
	return claims.Combine(claims.P("fresh", fresh), claims.P("decrement", decrement))
}

var _ = claims.Register("N1", judgeLinkCount)

// SpaceFacts is what N2's test saw on a private tmpfs: free space (MiB) at
// each step of a big file's life, written, kept open, unlinked, closed.
type SpaceFacts struct {
	FileMiB       int64
	FreeEmpty     int64  // before the file
	FreeWritten   int64  // after writing it
	NlinkOpen     uint64 // fstat after the unlink, with the fd open
	FdLink        string // the fd's link in /proc after the unlink
	DataReadable  bool   // its last block read back through the fd
	FreeUnlinked  int64  // after the unlink, fd still open
	FreeClosed    int64  // after the last close (polled for a while)
	ClosedWaitMs  int64  // how long the poll waited for FreeClosed
	FreeOtherName int64  // control: a second file closed while another name is left (nlink 1)
}

// judgeSpace is N2's rule: the space comes back when the count is 0 and
// the last descriptor is closed, and not before: an open descriptor keeps
// it, and so does a name that is left.
func judgeSpace(f SpaceFacts) claims.Finding {
	reclaimed := claims.Confirm("after the last close free is %d MiB again (empty: %d MiB), within %d ms", f.FreeClosed, f.FreeEmpty, f.ClosedWaitMs)
	if f.FreeClosed != f.FreeEmpty {
		reclaimed = claims.Refute("at nlink 0 and closed, free is %d MiB, the empty tmpfs had %d MiB (waited %d ms)", f.FreeClosed, f.FreeEmpty, f.ClosedWaitMs)
	}
	var held claims.Finding
	openSeen := fmt.Sprintf("unlinked with the fd open: fstat nlink %d, fd -> %q, data readable %t, free %d MiB (after writing: %d MiB)",
		f.NlinkOpen, f.FdLink, f.DataReadable, f.FreeUnlinked, f.FreeWritten)
	nameSeen := fmt.Sprintf("closed with another name left: free %d MiB", f.FreeOtherName)
	switch {
	case f.FreeUnlinked != f.FreeWritten || !f.DataReadable:
		held = claims.Refute("the open descriptor did not keep the file: %s", openSeen)
	case f.FreeOtherName != f.FreeWritten:
		held = claims.Refute("the last close freed space while a name was left: %s", nameSeen)
	default:
		held = claims.Confirm("%s; %s", openSeen, nameSeen)
	}
	return claims.Combine(claims.P("reclaimed", reclaimed), claims.P("held", held))
}

var _ = claims.Register("N2", judgeSpace)

// RemovalCall is one unlink, unlinkat or rmdir a traced program made.
type RemovalCall struct {
	Call    string // as strace prints it: unlinkat(AT_FDCWD, "111", 0) = 0
	Name    string // unlink, unlinkat, rmdir
	AtFDCWD bool   // unlinkat's dirfd was AT_FDCWD
	Path    string
	Flags   string // unlinkat's decoded flags: "0", "AT_REMOVEDIR"
	Errno   string // "" when the call succeeded
}

// CommandRun is one traced run of a command.
type CommandRun struct {
	Command  string // as typed: "rm -f 111"
	ExitCode int
	Removed  bool // the operand is gone afterwards
	Calls    []RemovalCall
}

// BinaryFacts names a program the way the test found it.
type BinaryFacts struct {
	Path     string // on PATH
	Resolved string // where its symlinks lead ("" when it is no link)
	Version  string // the first line of `--version`, or why there is none
	// Whose program it is, with its version, as its --version output (or
	// busybox's usage banner: its applets have no --version) says:
	// "GNU coreutils 9.1", "BusyBox v1.35.0", "uutils coreutils 0.0.28";
	// "" when the output names none.
	Implementation string `json:",omitempty"`
}

// implementationOf reads whose program printed out in answer to
// --version (see BinaryFacts.Implementation).
func implementationOf(out string) string {
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "BusyBox v"); i >= 0 {
			return strings.Fields(line[i:])[0] + " " + strings.Fields(line[i:])[1]
		}
		for _, maker := range []string{"GNU coreutils", "uutils coreutils"} {
			if strings.Contains(line, "("+maker+")") {
				f := strings.Fields(line)
				return maker + " " + f[len(f)-1]
			}
		}
	}
	return ""
}

// CommandCallsFacts is what N3's test saw: the reader's own rm and unlink,
// traced with ptrace, removing a file; and rm -r removing a directory.
type CommandCallsFacts struct {
	Arch          string
	ArchHasUnlink bool // the architecture has an unlink system call at all
	Rm, Unlink    BinaryFacts
	RmFile        CommandRun // rm -f 111
	UnlinkFile    CommandRun // unlink 111
	RmDir         CommandRun // control: rm -r dir
}

// The notes' strace lines.
const (
	notesRmCall     = `unlinkat(AT_FDCWD, "111", 0) = 0`
	notesUnlinkCall = `unlink("111") = 0`
)

// judgeCommandCalls is N3's rule, one part per command: rm removes the file
// with unlinkat(AT_FDCWD, path, 0), unlink with unlink(2). The same call
// with extra removals around it is a sharper picture; a different call is
// not what the notes say. An architecture without an unlink system call
// (arm64) cannot make the notes' unlink line: its C library makes
// unlinkat(AT_FDCWD, path, 0) instead, which refines that part.
func judgeCommandCalls(f CommandCallsFacts) claims.Finding {
	rm := judgeRun(f.Rm, f.RmFile, notesRmCall, func(c RemovalCall) bool {
		return c.Name == "unlinkat" && c.AtFDCWD && c.Path == "111" && c.Flags == "0" && c.Errno == ""
	}, "")
	var viaUnlinkat string
	if !f.ArchHasUnlink {
		viaUnlinkat = f.Arch + " has no unlink system call"
	}
	unlink := judgeRun(f.Unlink, f.UnlinkFile, notesUnlinkCall, func(c RemovalCall) bool {
		if !f.ArchHasUnlink {
			return c.Name == "unlinkat" && c.AtFDCWD && c.Path == "111" && c.Flags == "0" && c.Errno == ""
		}
		return c.Name == "unlink" && c.Path == "111" && c.Errno == ""
	}, viaUnlinkat)
	f1 := claims.Combine(claims.P("rm", rm), claims.P("unlink", unlink))
	f1.Evidence += fmt.Sprintf("; control `%s` (exit %d, removed %t): %s", f.RmDir.Command, f.RmDir.ExitCode, f.RmDir.Removed, callList(f.RmDir.Calls))
	return f1
}

var _ = claims.Register("N3", judgeCommandCalls)

// judgeRun judges one command: exactly the notes' call confirms; the
// notes' call among other removals, or the only possible equivalent on an
// architecture that lacks the notes' call (why says which), refines;
// anything else refutes.
func judgeRun(bin BinaryFacts, run CommandRun, notes string, isNotesCall func(RemovalCall) bool, why string) claims.Finding {
	seen := fmt.Sprintf("%s (%s) `%s`: exit %d, removed %t, calls: %s", describeBinary(bin), cmp.Or(bin.Implementation, bin.Version), run.Command, run.ExitCode, run.Removed, callList(run.Calls))
	matching := slices.IndexFunc(run.Calls, isNotesCall)
	switch {
	case run.ExitCode != 0 || !run.Removed || matching < 0:
		return claims.Refute("the notes' %s is not what it did: %s", notes, seen)
	case why != "":
		return claims.Refine("%s, so the notes' %s cannot occur; %s", why, notes, seen)
	case len(run.Calls) > 1:
		return claims.Refine("the notes' call, among %d removals: %s", len(run.Calls), seen)
	}
	return claims.Confirm("%s", seen)
}

func describeBinary(b BinaryFacts) string {
	if b.Resolved != "" && b.Resolved != b.Path {
		return b.Path + " -> " + b.Resolved
	}
	return b.Path
}

func callList(calls []RemovalCall) string {
	if len(calls) == 0 {
		return "no unlink, unlinkat or rmdir"
	}
	var s []string
	for _, c := range calls {
		s = append(s, c.Call)
	}
	return strings.Join(s, ", ")
}

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

// OneFileFacts is what N5's test saw: the system calls on a directory, a
// full directory and a missing path; a socket file; and the commands given
// more than one operand.
type OneFileFacts struct {
	UnlinkDir        string // unlink(empty directory)
	RmdirFull        string // unlinkat(full, AT_REMOVEDIR)
	UnlinkMissing    string
	RmdirEmpty       string // control: rmdir of the directory unlink refused
	SocketUnlink     string // unlink of a bound socket's file
	ConnectAfter     string // connect to it afterwards
	AcceptAfter      string // accept on the listener afterwards (a connection made before the unlink)
	CommandsRun      bool   // unlink and rm are on PATH
	UnlinkTwo        string // `unlink a b`: its first output line and exit
	UnlinkTwoFailed  bool   // it exited non-zero
	UnlinkTwoKept    bool   // both a and b are still there
	RmMany           string // `rm -r a b full`: exit
	RmManyRemovedAll bool
}

// judgeOneFile is N5's rule: unlink takes no directory (the call refuses
// one, which rmdir then removes), unlink takes one file (the command
// refuses a second operand), and rm does more (one rm -r removes files and
// a full directory).
func judgeOneFile(f OneFileFacts) claims.Finding {
	noDirs := claims.Confirm("unlink(dir) = %s, rmdir(dir) = %s; unlinkat(full, AT_REMOVEDIR) = %s; unlink(missing) = %s",
		f.UnlinkDir, f.RmdirEmpty, f.RmdirFull, f.UnlinkMissing)
	switch {
	case f.UnlinkDir == "0":
		noDirs = claims.Refute("unlink(dir) = 0: it removed a directory")
	case f.UnlinkDir != "EISDIR":
		noDirs = claims.Refine("unlink(dir) = %s, not the EISDIR the rule expects (POSIX also allows EPERM), rmdir(dir) = %s", f.UnlinkDir, f.RmdirEmpty)
	}
	socket := fmt.Sprintf("a bound socket's file is one file too: unlink = %s, connect then %s, accept of an earlier connection %s",
		f.SocketUnlink, f.ConnectAfter, f.AcceptAfter)
	oneFile := claims.SkipPart("unlink or rm is not on PATH: the commands were not run")
	rmMore := oneFile
	if f.CommandsRun {
		oneFile = claims.Confirm("`unlink a b`: %s, both kept; %s", f.UnlinkTwo, socket)
		if !f.UnlinkTwoKept || !f.UnlinkTwoFailed {
			oneFile = claims.Refute("`unlink a b`: %s, both kept %t", f.UnlinkTwo, f.UnlinkTwoKept)
		}
		rmMore = claims.Confirm("`rm -r a b full`: %s, all three gone", f.RmMany)
		if !f.RmManyRemovedAll {
			rmMore = claims.Refute("`rm -r a b full`: %s, not all removed", f.RmMany)
		}
	}
	return claims.Combine(claims.P("no-directories", noDirs), claims.P("one-file", oneFile), claims.P("rm-more", rmMore))
}

var _ = claims.Register("N5", judgeOneFile)
