package gate

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"netnotes/internal/role"

	"golang.org/x/sys/unix"
)

// Mode is how this process runs the privileged notes.
type Mode int

const (
	// Unprivileged: neither root nor the root of a user namespace; the
	// privileged notes skip.
	Unprivileged Mode = iota
	// Rootless: root of a user namespace (one the sandbox package made for
	// the test process, or a container's). Network namespaces, veth,
	// bridges, routes, per-namespace sysctls and tmpfs work; tracefs, BPF
	// and users other than one's own do not.
	Rootless
	// RealRoot: root's capabilities in the initial user namespace.
	RealRoot
)

func (m Mode) String() string {
	switch m {
	case RealRoot:
		return "root"
	case Rootless:
		return "rootless user namespace"
	}
	return "unprivileged"
}

// CurrentMode says how this process runs the privileged notes.
func CurrentMode() Mode {
	switch {
	case missingCaps() != "":
		return Unprivileged
	case initialUserNamespace():
		return RealRoot
	}
	return Rootless
}

// initialUserNamespace reports whether the process is in the initial user
// namespace, whose uid_map maps every uid to itself.
func initialUserNamespace() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return true // no user namespaces in this kernel: all is initial
	}
	return strings.Join(strings.Fields(string(b)), " ") == "0 0 4294967295"
}

// noUserNamespace explains why this process has no user namespace to run
// the privileged notes in: the setting that refuses it where one does.
func noUserNamespace() string {
	env := os.Getenv(role.UserNamespaceEnv)
	switch env {
	case "off":
		return role.UserNamespaceEnv + "=off asked for no user namespace"
	case "root":
		return "no user namespace either: a process that a test running as root started as another user"
	}
	for _, s := range []struct{ key, refuses, fix string }{
		{"user.max_user_namespaces", "0", "sysctl -w user.max_user_namespaces=15000"},
		{"user.max_net_namespaces", "0", "sysctl -w user.max_net_namespaces=15000"},
		{"kernel.unprivileged_userns_clone", "0", "sysctl -w kernel.unprivileged_userns_clone=1"},
		{"kernel.apparmor_restrict_unprivileged_userns", "1", "an AppArmor profile that allows userns, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"},
	} {
		b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(s.key, ".", "/"))
		if err == nil && strings.TrimSpace(string(b)) == s.refuses {
			return fmt.Sprintf("no user namespace either: %s is %s here (or: %s)", s.key, s.refuses, s.fix)
		}
	}
	if why, ok := strings.CutPrefix(env, "refused: "); ok {
		hint := "in a container: it lacks CAP_SYS_ADMIN, or its seccomp profile blocks clone and unshare of namespaces"
		if strings.Contains(why, unix.ENOSPC.Error()) {
			hint = "a limit is reached: user.max_user_namespaces or user.max_net_namespaces"
		}
		return "no user namespace either: the kernel refused one (" + why + "; " + hint + ")"
	}
	return "no user namespace either: only test binaries built with -tags sudo make one"
}

// Real root only: what a user namespace does not give. Each names the
// capabilities that a container must give for it (besides CAP_SYS_ADMIN
// and CAP_NET_ADMIN, without which the notes run in a user namespace).
var (
	needsTracefs    = realRootNeed{"tracepoints", "tracefs cannot be mounted in a user namespace", nil}
	needsBPF        = realRootNeed{"BPF", "bpf(2) needs CAP_BPF in the initial user namespace", []Cap{CapBPF}}
	needsSecondUser = realRootNeed{"a second user", "a user namespace maps only this user's own uid", nil}
)

type realRootNeed struct {
	what, why string
	caps      []Cap
}

// missing is "" as real root, else why not and what to run instead: in a
// container, the container's options; on a host, sudo.
func (n realRootNeed) missing() string {
	caps := append([]Cap{CapSysAdmin, CapNetAdmin}, n.caps...)
	switch CurrentMode() {
	case RealRoot:
		return ""
	case Rootless:
		if Where().Container != "" {
			return fmt.Sprintf("needs real root (%s; this container's process has root's capabilities only in a user namespace of its own): %s", n.why, instead(capHint(caps)))
		}
		return fmt.Sprintf("needs real root (%s): run %s", n.why, RunAsRoot)
	}
	return fmt.Sprintf("needs real root (missing %s): %s", missingCaps(), instead(capHint(caps)))
}

// RealRootHint says what the reader runs to get real root where this
// process runs: `sudo make notes` on a host; a container's options
// (--privileged) in a container, where the reader is uid 0 already.
func RealRootHint() string { return instead(capHint([]Cap{CapSysAdmin, CapNetAdmin})) }

// must skips naming what is missing: "tracepoints: needs real root (...)".
func (n realRootNeed) must(t testing.TB) {
	t.Helper()
	if why := n.missing(); why != "" {
		Skip(t, "%s: %s", n.what, why)
	}
}

// CanTrace reports whether a tracefs instance can be had (real root), and
// if not, why: the reason to record for the part of a claim that rests on
// tracepoints, claims.SkipPart(why), "needs real root (tracefs cannot be
// mounted in a user namespace): run `sudo make notes`".
func CanTrace() (ok bool, why string) { why = needsTracefs.missing(); return why == "", why }

// MustTrace skips unless CanTrace.
func MustTrace(t testing.TB) { t.Helper(); needsTracefs.must(t) }

// CanBPF reports whether BPF programs and maps can be made (real root), and
// if not, why.
func CanBPF() (ok bool, why string) { why = needsBPF.missing(); return why == "", why }

// MustBPF skips unless CanBPF.
func MustBPF(t testing.TB) { t.Helper(); needsBPF.must(t) }

// CanSwitchUser reports whether a process can be started as another user
// (real root), and if not, why.
func CanSwitchUser() (ok bool, why string) { why = needsSecondUser.missing(); return why == "", why }

// MustSwitchUser skips unless CanSwitchUser.
func MustSwitchUser(t testing.TB) { t.Helper(); needsSecondUser.must(t) }
