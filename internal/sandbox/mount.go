package sandbox

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
)

// DetachedMount mounts a filesystem that is attached nowhere: it is held by
// a file descriptor only, appears in no mount table (the host's included)
// and vanishes when the descriptor is closed or the process dies. It returns
// a path that reaches the mount's root from any thread, /proc/self/fd/N.
// options are fsconfig(2) string options, such as "size" for tmpfs.
//
// Needs CAP_SYS_ADMIN and the new mount API (fsopen, Linux 5.2).
func DetachedMount(fstype string, options map[string]string) (root string, closeFn func() error, err error) {
	fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return "", nil, fmt.Errorf("fsopen(%q): %w", fstype, err)
	}
	defer unix.Close(fsfd)
	for k, v := range options {
		if err := unix.FsconfigSetString(fsfd, k, v); err != nil {
			return "", nil, fmt.Errorf("fsconfig(%s, %s=%s): %w", fstype, k, v, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return "", nil, fmt.Errorf("fsconfig(%s, create): %w", fstype, err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return "", nil, fmt.Errorf("fsmount(%s): %w", fstype, err)
	}
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), mfd), func() error { return unix.Close(mfd) }, nil
}

// Mount is DetachedMount for a test: it skips without root, fails the test on error and
// unmounts at cleanup.
func Mount(t testing.TB, fstype string, options map[string]string) string {
	t.Helper()
	gate.Root(t)
	root, closeFn, err := DetachedMount(fstype, options)
	if err != nil {
		t.Fatalf("mounting a private %s: %v", fstype, err)
	}
	t.Cleanup(func() { _ = closeFn() })
	return root
}
