//go:build sudo

package sandbox

// sudoBuild: this binary holds the privileged notes (-tags sudo), so, as a
// test binary not run as root, it runs them in a user namespace (see
// rootless.go).
const sudoBuild = true
