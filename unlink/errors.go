package unlink

import (
	"fmt"

	"netnotes/internal/claims"
)

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
