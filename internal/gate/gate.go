// Package gate decides whether a note can run here, and says why when it
// cannot.
//
// A note that lacks something (root, tracefs, a binary, a kernel feature)
// skips with a reason that names what is missing and what to run instead.
// With NETNOTES_STRICT=1 (set by CI) every such skip fails the test instead,
// so a green run means every note really ran.
package gate

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"netnotes/internal/role"

	"golang.org/x/sys/unix"
)

// RunPrivileged is the command a reader runs to get the privileged notes:
// as an ordinary user they run in a user namespace of their own, as root
// (`sudo make notes`) all of them.
const RunPrivileged = "`make notes` or go test -tags sudo ./... (as yourself: in a user namespace; everything: `sudo make notes`)"

// RunAsRoot is what to run for the few things only real root can do.
const RunAsRoot = "`sudo make notes`"

// Strict reports whether skips are failures (NETNOTES_STRICT=1).
func Strict() bool {
	v := os.Getenv(role.StrictEnv)
	return v != "" && v != "0"
}

var reasons sync.Map // testing.TB -> string

// Skip skips the test with a reason, or fails it in strict mode.
// Everything else in this package ends up here.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	reasons.Store(t, reason)
	if Strict() {
		t.Fatalf("NETNOTES_STRICT=1, so this skip is a failure: %s", reason)
	}
	t.Skip(reason)
}

// SkipReason returns the reason given to Skip for t, if any.
func SkipReason(t testing.TB) (string, bool) {
	r, ok := reasons.Load(t)
	if !ok {
		return "", false
	}
	return r.(string), true
}

// Root skips unless the process may create network namespaces and mount
// tmpfs: CAP_SYS_ADMIN and CAP_NET_ADMIN in its effective set, as root has,
// and as the root of a user namespace has too (the rootless mode, see
// Mode). What a user namespace cannot give is gated apart: CanTrace,
// CanBPF, CanSwitchUser.
func Root(t testing.TB) {
	t.Helper()
	if missing := missingCaps(); missing != "" {
		Skip(t, "needs root or a user namespace of its own (missing %s, which network namespaces and mounts take; %s): %s",
			missing, noUserNamespace(), instead(capHint([]Cap{CapSysAdmin, CapNetAdmin})))
	}
}

// IsRoot reports whether Root would let a test through: real root, or the
// root of a user namespace.
func IsRoot() bool { return missingCaps() == "" }

// IsRealRoot reports whether the process has root's capabilities in the
// initial user namespace: what tracefs, BPF and other users take.
func IsRealRoot() bool { return missingCaps() == "" && initialUserNamespace() }

func missingCaps() string {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return "capabilities (capget: " + err.Error() + ")"
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	switch {
	case !has(unix.CAP_SYS_ADMIN) && !has(unix.CAP_NET_ADMIN):
		return "CAP_SYS_ADMIN and CAP_NET_ADMIN"
	case !has(unix.CAP_SYS_ADMIN):
		return "CAP_SYS_ADMIN"
	case !has(unix.CAP_NET_ADMIN):
		return "CAP_NET_ADMIN"
	}
	return ""
}

// NotRoot skips when the process is privileged: some notes show what an
// ordinary user is refused, which root would not be.
func NotRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		Skip(t, "runs as an ordinary user only (root bypasses the check this note shows): run `go test ./...` as yourself")
	}
}

// Binary returns the path of an executable on PATH, or skips naming the
// package that usually provides it.
func Binary(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Skip(t, "needs the %q program, not found on PATH: install %s and run again", name, pkg)
	}
	return path
}

// SkipShort skips a slow note under `go test -short`. The reader asked for
// that, so it stays a skip in strict mode too; the reason says what the
// note would have measured.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		reason := "not run under -short: " + what + "; run without -short, or `make bench` for the full measurement"
		reasons.Store(t, reason)
		t.Skip(reason)
	}
}

// Emulated reports, inside an emulated machine, why a measurement there
// would say nothing about the kernel ("" and false elsewhere): a note that
// measures as one part of several records this instead of skipping whole.
func Emulated(what string) (string, bool) {
	vm := os.Getenv(role.VMEnv)
	if vm == "" {
		return "", false
	}
	return "not measured in a virtual machine (" + vm + "): timing under emulation measures the emulator, not the kernel; " +
		what + " needs real hardware: run `make bench` or the notes on the machine itself", true
}

// SkipEmulated skips a measurement inside an emulated machine: timing
// under emulation measures the emulator, not the kernel. Like SkipShort
// it stays a skip in strict mode: the matrix asked for functional notes.
func SkipEmulated(t testing.TB, what string) {
	t.Helper()
	if reason, ok := Emulated(what); ok {
		reasons.Store(t, reason)
		t.Skip(reason)
	}
}

// SkipDrillWithout skips a drill (a TestDrill... test, which makes a claim
// false on purpose and gives no verdict) whose set-up needs what this
// machine lacks (a kernel module, say). A drill is no note, so the skip
// stays a skip in strict mode; the reason names where the drill runs.
func SkipDrillWithout(t testing.TB, needs, where string) {
	t.Helper()
	reason := "this drill needs " + needs + ", which this machine lacks: " + where
	reasons.Store(t, reason)
	t.Skip(reason)
}

// SkipInVM skips, inside the matrix's virtual machines, a note that needs
// software their initramfs does not hold (a container runtime, say). Call
// it before claims.Check: the VM's record then gets no line for the test,
// as the matrix compares kernels, not what is installed. It stays a skip
// in strict mode (the VMs run without it anyway).
func SkipInVM(t testing.TB, needs string) {
	t.Helper()
	if vm := os.Getenv(role.VMEnv); vm != "" {
		reason := "inside the matrix's virtual machine (" + vm + "), which holds no " + needs + ": this note runs on the machine itself"
		reasons.Store(t, reason)
		t.Skip(reason)
	}
}
