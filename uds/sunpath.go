package uds

import (
	"fmt"
	"slices"

	"netnotes/internal/claims"
)

// SunPathFacts is what U7's test saw binding paths around sun_path's 108
// bytes, and an abstract name. Errors are errno names; "ok" is success.
type SunPathFacts struct {
	// 107 bytes (with the NUL, sun_path is full): Go's listen and dial.
	Listen107, Dial107 string
	// 108 bytes through the libraries: Go's net.Listen (its error, with
	// the path written (108-byte path)), and x/sys/unix's and syscall's bind.
	// Asked on /dev/null, which is no socket, the kernel answers ENOTSOCK
	// (Kernel107OnDevNull): a library that answers something else never
	// asked the kernel.
	GoListen108         string
	XSys108OnDevNull    string
	Syscall108OnDevNull string
	Kernel107OnDevNull  string
	// bind(2) itself, with sun_path holding the path and no NUL (addrlen
	// 2+len): 108 bytes (what it made, and a connect to it), then 109.
	Kernel108, Kernel108File, Kernel108Connect, Kernel109 string
	// An abstract name: the inodes /proc/net/unix lists under "@name", the
	// socket's own inode, whether sock_diag names a file for it (and, the
	// control, for the 107-byte path socket), and whether it left
	// /proc/net/unix when closed.
	Abstract         string // the name, "@..."
	AbstractListed   []uint64
	AbstractInode    uint32
	AbstractHasFile  bool
	PathHasFile      bool
	AbstractGone     bool
	Netns            *AbstractNetnsFacts // nil when not observed
	NetnsNotObserved string              // why not
}

// AbstractNetnsFacts is what the privileged half of U7 saw of one abstract
// name bound in network namespace A, looked for from B and the host.
type AbstractNetnsFacts struct {
	ListedInA, ListedInB, ListedInHost int    // /proc/net/unix lines for the name
	DialFromB                          string // before B binds it
	BindInB                            string // B binds the same name
	SecondBindInA                      string
	ReachedFromA, ReachedFromB         string // which server answered each namespace's dial
	PathFromB                          string // control: who answered B's dial of a path socket of A
}

// judgeSunPath is U7's rule. "The path must fit sun_path" says three
// things:
//
//   - fit: a 107-byte path (108 with its NUL) binds and dials. Refuted if
//     it does not.
//   - limit: longer paths fail. Refuted if the kernel binds a 109-byte path
//     (longer than sun_path itself); refined when it binds 108 bytes
//     without the NUL that C's strcpy adds, while the libraries refuse 108
//     on their own; confirmed when 108 fails everywhere.
//   - abstract: an abstract name (leading NUL), which the length limit
//     leaves as the way out, makes no file and shows in /proc/net/unix as
//     @name until its last close. Refuted if sock_diag names a file for it;
//     refined if it is not listed, or stays after close.
func judgeSunPath(f SunPathFacts) claims.Finding {
	return claims.Combine(
		claims.P("fit", judgeFit(f)),
		claims.P("limit", judgeLimit(f)),
		claims.P("abstract", judgeAbstract(f)),
	)
}

// The rule's own numbers: the paths one byte shorter and one longer than
// sun_path's 108.
var _ = claims.Register("U7", judgeSunPath, "107 B", "109 B")

func judgeFit(f SunPathFacts) claims.Finding {
	if f.Listen107 != "ok" || f.Dial107 != "ok" {
		return claims.Refute("a 107-byte path: listen %s, dial %s", f.Listen107, f.Dial107)
	}
	return claims.Confirm("a 107-byte path (108 with its NUL: sun_path full): listen and dial ok")
}

func judgeLimit(f SunPathFacts) claims.Finding {
	libs := fmt.Sprintf("108 B through the libraries: Go's net %q, x/sys/unix %s, syscall %s", f.GoListen108, f.XSys108OnDevNull, f.Syscall108OnDevNull)
	before := ""
	if f.Kernel107OnDevNull == "ENOTSOCK" && f.XSys108OnDevNull != "ENOTSOCK" && f.Syscall108OnDevNull != "ENOTSOCK" {
		before = fmt.Sprintf(", before any system call (on /dev/null the kernel answers %s, the libraries %s)", f.Kernel107OnDevNull, f.XSys108OnDevNull)
	}
	switch {
	case f.Kernel109 == "ok":
		return claims.Refute("bind(2) took a 109-byte path, longer than sun_path; %s", libs)
	case f.Kernel108 == "ok":
		return claims.Refine("%s%s; but the kernel itself binds 108 B without a NUL (file: %s, connect: %s) and refuses 109 B with %s: the limit is 108 bytes, the NUL optional",
			libs, before, f.Kernel108File, f.Kernel108Connect, f.Kernel109)
	}
	return claims.Confirm("%s%s; bind(2) refuses 108 B without a NUL (%s) and 109 B (%s)", libs, before, f.Kernel108, f.Kernel109)
}

func judgeAbstract(f SunPathFacts) claims.Finding {
	netns, scoped := netnsScoping(f)
	switch {
	case !f.PathHasFile:
		return claims.SkipPart("sock_diag named no file even for the 107-byte path socket, so it cannot tell whether %s has one", f.Abstract)
	case f.AbstractHasFile:
		return claims.Refute("sock_diag names a file (UNIX_DIAG_VFS) for the abstract socket %s", f.Abstract)
	case !slices.Equal(f.AbstractListed, []uint64{uint64(f.AbstractInode)}) || !f.AbstractGone || !scoped:
		return claims.Refine("%s has no file (no UNIX_DIAG_VFS, where the path socket has one), but /proc/net/unix listed inodes %v under it (its socket: %d), gone after close: %v; %s",
			f.Abstract, f.AbstractListed, f.AbstractInode, f.AbstractGone, netns)
	}
	return claims.Confirm("%s has no file (no UNIX_DIAG_VFS, where the path socket has one); /proc/net/unix lists it with '@', inode %d, and not after its close; %s",
		f.Abstract, f.AbstractInode, netns)
}

// netnsScoping says what the privileged half saw of an abstract name's
// network namespace, and whether the name belonged to the namespace that
// bound it: listed and reachable there only, free to bind in another,
// while a path socket of the same namespace is reachable from the other.
func netnsScoping(f SunPathFacts) (string, bool) {
	n := f.Netns
	if n == nil {
		return "network namespaces not observed: " + f.NetnsNotObserved, true
	}
	seen := fmt.Sprintf("bound in namespace A, /proc/net/unix lists it %d time(s) in A, %d in B, %d in the host; B's dial: %s; "+
		"B's bind of the same name: %s, a second bind in A: %s; dials then reached %q from A, %q from B; control: a path socket of A answered B with %q",
		n.ListedInA, n.ListedInB, n.ListedInHost, n.DialFromB, n.BindInB, n.SecondBindInA, n.ReachedFromA, n.ReachedFromB, n.PathFromB)
	scoped := n.ListedInA == 1 && n.ListedInB == 0 && n.ListedInHost == 0 && n.DialFromB != "ok" &&
		n.BindInB == "ok" && n.SecondBindInA == "EADDRINUSE" && n.ReachedFromA == "A" && n.ReachedFromB == "B"
	switch {
	case n.PathFromB != "A by path":
		return "namespaces not told apart (the control failed: B could not reach a path socket of A): " + seen, true
	case scoped:
		return "the name belongs to a network namespace: " + seen, true
	}
	return "the name is not confined to the namespace that bound it: " + seen, false
}
