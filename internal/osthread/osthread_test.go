package osthread

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// fn never runs on the main thread, and a thread that leaves the shared
// descriptor table leaves /proc/PID/fd (the main thread's table) naming
// the one the process uses. With one P, goroutines mostly run on the main
// thread while it is free: a Throwaway that ran fn wherever its goroutine
// landed would, on one of these calls, park the main thread with a table
// of its own (the old bench code did; issue 18).
func TestThrowawayKeepsMainThreadShared(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 50 {
		var onMain bool
		var err error
		Throwaway(func() {
			onMain = OnMainThread()
			err = unix.Unshare(unix.CLONE_FILES)
		})
		if err != nil {
			t.Skipf("unshare(CLONE_FILES) refused here (%v): a seccomp filter?", err)
		}
		if onMain {
			t.Fatalf("call %d: fn ran on the main thread", i)
		}
		assertMainTableShared(t)
	}
}

// assertMainTableShared opens a descriptor on this (shared-table) thread
// and looks for it in /proc/PID/fd.
func assertMainTableShared(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), r.Fd())); err != nil {
		t.Fatalf("a new descriptor is missing from the main thread's table: %v", err)
	}
}

// Goexit in fn (a testing.B's Fatal) ends Throwaway too.
func TestThrowawayReturnsAfterGoexit(t *testing.T) {
	ran := false
	Throwaway(func() {
		ran = true
		runtime.Goexit()
	})
	if !ran {
		t.Fatal("fn did not run")
	}
}
