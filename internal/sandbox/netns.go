// Package sandbox gives a test private, anonymous network namespaces to
// work in, so that no note ever touches the host's network.
//
// A namespace made by New is held by a file descriptor only: it has no name
// under /run/netns, and when the test process ends, however it ends, the
// kernel frees it together with every device, address and route inside.
//
// The caller's thread never changes namespace. Most work goes through
// NS.Netlink, a netlink handle whose socket lives in the namespace; sockets
// made with NS.Listen, NS.Dial and friends belong to the namespace and can be
// used from any goroutine. Anything else runs in NS.Do, on a locked OS
// thread that is switched in and back.
//
// Root is not needed: a test binary built with -tags sudo and started by an
// ordinary user re-executes itself once, before its tests run, into a user
// namespace of its own with its own network namespace (the rootless mode,
// rootless.go), where New, NewPair and Mount work as they do as root. What
// a user namespace cannot give (tracefs, BPF, a second user) is gated in
// package gate: CanTrace, CanBPF, CanSwitchUser.
package sandbox

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
)

// NS is a private network namespace, removed when the test ends.
type NS struct {
	handle netns.NsHandle
	nl     *netlink.Handle
}

// New makes a private network namespace with lo up. It skips the test
// (through gate.Root, which names what refused the rootless mode) when the
// process may not make one.
func New(t testing.TB) *NS {
	t.Helper()
	ns := NewAsMade(t)
	lo, err := ns.nl.LinkByName("lo")
	if err != nil {
		t.Fatalf("finding lo in %v: %v", ns, err)
	}
	// lo is down in a new namespace: even 127.0.0.1 is unreachable.
	if err := ns.nl.LinkSetUp(lo); err != nil {
		t.Fatalf("setting lo up in %v: %v", ns, err)
	}
	return ns
}

// NewAsMade makes a private network namespace and leaves it as the kernel
// made it: lo down, nothing changed. A note about new namespaces reads it;
// every other note wants New.
func NewAsMade(t testing.TB) *NS {
	t.Helper()
	gate.Root(t)
	handle, err := newNetns()
	if err != nil {
		t.Fatalf("making a network namespace: %v", err)
	}
	ns := &NS{handle: handle}
	t.Cleanup(ns.close)

	// A netlink handle made inside the namespace keeps its socket there;
	// netlink.NewHandleAt would switch the thread itself and ignore a
	// failed switch back. Route sockets only: with no families named,
	// NewHandle also opens XFRM and netfilter sockets, which fail with
	// EPROTONOSUPPORT where those are modules nobody can load (a VM's
	// initramfs with no modprobe).
	if err := ns.Do(func() (err error) {
		ns.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	}); err != nil {
		t.Fatalf("opening netlink in %v: %v", ns, err)
	}
	return ns
}

// newNetns unshares a new network namespace on a throwaway locked thread
// and returns a handle on it; the calling thread is untouched.
func newNetns() (netns.NsHandle, error) {
	type result struct {
		h   netns.NsHandle
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{-1, fmt.Errorf("reading this thread's namespace: %w", err)}
			return
		}
		defer orig.Close()
		h, err := netns.New()
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{-1, fmt.Errorf("unshare(CLONE_NEWNET): %w", err)}
			return
		}
		if err := netns.Set(orig); err != nil {
			// Stay locked: the runtime discards a thread that exits locked,
			// and this one must never run other goroutines.
			h.Close()
			done <- result{-1, fmt.Errorf("switching back to the original namespace: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{h, nil}
	}()
	r := <-done
	return r.h, r.err
}

// Do runs fn inside the namespace, on a fresh goroutine locked to its OS
// thread, and returns fn's error. The caller's thread never moves.
//
// fn must not call t.Fatal or require (they must run on the test goroutine)
// and must not rely on goroutines it starts: they may run on other threads,
// in the host's namespace. Return an error and assert outside.
func (ns *NS) Do(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("reading this thread's namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(ns.handle); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("entering %v: %w", ns, err)
			return
		}
		fnErr := fn()
		if err := netns.Set(orig); err != nil {
			// Leave the thread locked so the runtime discards it.
			done <- fmt.Errorf("switching back from %v: %w (after fn: %v)", ns, err, fnErr)
			return
		}
		runtime.UnlockOSThread()
		done <- fnErr
	}()
	return <-done
}

// Netlink returns a netlink handle working inside the namespace.
func (ns *NS) Netlink() *netlink.Handle { return ns.nl }

// FD returns the namespace's file descriptor, as netlink wants it for
// LinkAttrs.Namespace or Veth.PeerNamespace: netlink.NsFd(ns.FD()).
func (ns *NS) FD() int { return int(ns.handle) }

// ID returns the namespace's inode number, as `ls -l /proc/PID/ns/net` shows.
func (ns *NS) ID() uint64 {
	var st unix.Stat_t
	if err := unix.Fstat(int(ns.handle), &st); err != nil {
		return 0
	}
	return st.Ino
}

func (ns *NS) String() string { return fmt.Sprintf("netns %d", ns.ID()) }

func (ns *NS) close() {
	if ns.nl != nil {
		ns.nl.Close()
	}
	ns.handle.Close()
}
