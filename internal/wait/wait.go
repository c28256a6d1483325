// Package wait polls for asynchronous kernel state with a deadline.
//
// Link state, IPv6 DAD and neighbour entries change after the call that
// asked for them returns. A note waits for the state it needs, for at most a
// deadline, and says what it last saw when the state never came.
package wait

import (
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
func Until(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(Interval)
	}
}
