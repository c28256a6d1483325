//go:build !sudo

package sandbox

// sudoBuild: without -tags sudo a test binary holds only what anyone can
// run, as its user, and never makes a user namespace.
const sudoBuild = false
