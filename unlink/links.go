package unlink

import (
	"fmt"

	"netnotes/internal/claims"
)

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
