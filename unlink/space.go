package unlink

import (
	"fmt"

	"netnotes/internal/claims"
)

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
