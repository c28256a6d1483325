package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
)

// DetachedMount mounts a filesystem that is attached nowhere: it is held by
// a file descriptor only, appears in no mount table (the host's included)
// and vanishes when that descriptor is closed or the process dies. It
// returns the mount's root as an *os.Root, and every use of the mount goes
// through it (openat(2) and its kin on the root's descriptor), which is the
// same from every thread. No path names a detached mount from every
// thread: /proc/PID/fd/N (and /proc/self/fd/N) is the descriptor table of
// the process's main thread, which a thread that left the shared table
// (unshare(CLONE_FILES), as the bench's raw path does) no longer shares,
// and /proc/thread-self/fd/N holds only on the thread that asks. options
// are fsconfig(2) string options, such as "size" for tmpfs.
//
// Needs CAP_SYS_ADMIN and the new mount API (fsopen, Linux 5.2).
func DetachedMount(fstype string, options map[string]string) (*os.Root, error) {
	// fsmount's descriptor is reached once, through this thread's own
	// table, to open the root: the thread must not change on the way.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fsopen(%q): %w", fstype, err)
	}
	defer unix.Close(fsfd)
	for k, v := range options {
		if err := unix.FsconfigSetString(fsfd, k, v); err != nil {
			return nil, fmt.Errorf("fsconfig(%s, %s=%s): %w", fstype, k, v, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, fmt.Errorf("fsconfig(%s, create): %w", fstype, err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("fsmount(%s): %w", fstype, err)
	}
	// The root's descriptor holds the mount from here on: closing fsmount's
	// detaches it from the (anonymous) namespace it was made in, as
	// `umount -l` does, and it lasts while the root is open.
	defer unix.Close(mfd)
	root, err := os.OpenRoot(fmt.Sprintf("/proc/thread-self/fd/%d", mfd))
	if err != nil {
		return nil, fmt.Errorf("opening the root of the detached %s: %w", fstype, err)
	}
	return root, nil
}

// Mount is DetachedMount for a test: it skips without root, fails the test
// on error and closes the root (so unmounts) at cleanup.
func Mount(t testing.TB, fstype string, options map[string]string) *os.Root {
	t.Helper()
	gate.Root(t)
	root, err := DetachedMount(fstype, options)
	if err != nil {
		t.Fatalf("mounting a private %s: %v", fstype, err)
	}
	t.Cleanup(func() { _ = root.Close() })
	return root
}
