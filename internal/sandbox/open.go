package sandbox

import (
	"fmt"
	"os"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Open holds a network namespace that something else made, a container
// runtime's, say: path is a namespace file such as /proc/PID/ns/net. The
// namespace is only held (its file descriptor closed at cleanup), never
// removed: its maker removes it. lo and everything else are left as they
// are.
func Open(t testing.TB, path string) *NS {
	t.Helper()
	handle, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatalf("opening the network namespace %s: %v", path, err)
	}
	ns := &NS{handle: handle}
	t.Cleanup(ns.close)
	if err := ns.Do(func() (err error) {
		ns.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	}); err != nil {
		t.Fatalf("opening netlink in %v (%s): %v", ns, path, err)
	}
	return ns
}

// Path names the namespace for another process of this machine, as a
// container runtime's CNI_NETNS does: /proc/PID/fd/N of the descriptor
// that holds it. It lives as long as the test holds the namespace and
// needs no bind mount under /run/netns.
func (ns *NS) Path() string { return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ns.FD()) }
