package unlink

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

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
