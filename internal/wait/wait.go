// Package wait polls for asynchronous kernel state with a deadline.
//
// Link state, IPv6 DAD and neighbour entries change after the call that
// asked for them returns. A note waits for the state it needs, for at most a
// deadline, and says what it last saw when the state never came.
package wait

import (
	"errors"
	"testing"
	"time"
)

// Interval between two polls.
const Interval = 5 * time.Millisecond

// For polls cond until it returns nil, and fails the test if that does not
// happen within timeout. cond's error describes the state it saw instead.
func For(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if err := Until(timeout, cond); err != nil {
		t.Fatalf("waited %v for %s: %v", timeout, what, err)
	}
}

// Until polls cond until it returns nil or timeout passes, and returns cond's
// last error. It is For without a test, for code that reports errors itself.
// An error from Stop ends the wait at once: no later poll can change it.
func Until(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		var s stopped
		if errors.As(err, &s) {
			return s.err
		}
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(Interval)
	}
}

// Stop wraps what cond saw when the state it waits for can no longer come
// (the process that would make it exited): Until returns err at once.
func Stop(err error) error { return stopped{err} }

type stopped struct{ err error }

func (s stopped) Error() string { return s.err.Error() }
