//go:build linux && sudo

package sandbox

import "testing"

// Test binaries built with -tags sudo run their tests in a user namespace
// when not root (see rootless.go).
func init() {
	if testing.Testing() {
		enterUserNamespace()
	}
}
