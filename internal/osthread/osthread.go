// Package osthread runs code on an OS thread that the Go runtime ends
// afterwards, for changes to a thread that cannot be undone (a namespace
// left for good, a descriptor table of its own).
package osthread

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Throwaway runs fn on a goroutine locked to an OS thread that is not the
// process's main thread, waits for it, and lets the runtime end that
// thread: fn may change its thread for good (unshare(CLONE_FILES),
// unshare(CLONE_NEWNET)) and no other goroutine ever runs there. fn may end
// with runtime.Goexit.
//
// A goroutine that exits locked takes its thread with it, except on the
// main thread, which the runtime cannot end: it parks it for good,
// changes included. The main thread is the one /proc/PID/... (and
// /proc/self/...) shows: a main thread parked with a descriptor table of
// its own makes /proc/PID/fd name a table the rest of the process does not
// use (issue 18). So when the goroutine finds itself on the main thread it
// keeps it, runs fn on another goroutine (which cannot land on a thread
// locked to another goroutine), and gives the main thread back unchanged.
func Throwaway(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if !OnMainThread() {
			fn()
			return // locked: the runtime ends this thread
		}
		inner := make(chan struct{})
		go func() {
			defer close(inner)
			runtime.LockOSThread()
			fn()
		}()
		<-inner
		runtime.UnlockOSThread()
	}()
	<-done
}

// OnMainThread reports whether the calling thread is the process's main
// thread (its thread id is the process id). Only meaningful on a locked
// goroutine.
func OnMainThread() bool { return unix.Gettid() == unix.Getpid() }
