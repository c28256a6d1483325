package gate

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A refusal is the kernel saying no to something a note asked for: a
// capability the process lacks, a seccomp filter, a read-only /proc/sys,
// kernel lockdown. Each is a skip (or a part not observed) that names the
// condition, told from the refusal itself (its errno) and what the process
// can read about itself; any other error is the harness's and fails.

// ErrNotSupported marks an error that says the kernel or the machine lacks
// a feature (cilium/ebpf's ErrNotSupported, wrapped by a probe): Feature
// skips on it.
var ErrNotSupported = errors.New("not supported here")

// Cap is a capability a note needs.
type Cap struct {
	bit  uint
	Name string // "CAP_BPF"
}

// The capabilities a refusal may name.
var (
	CapSysAdmin  = Cap{unix.CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}
	CapNetAdmin  = Cap{unix.CAP_NET_ADMIN, "CAP_NET_ADMIN"}
	CapBPF       = Cap{unix.CAP_BPF, "CAP_BPF"}
	CapSysPtrace = Cap{unix.CAP_SYS_PTRACE, "CAP_SYS_PTRACE"}
)

// Refusal explains err when it is the kernel's refusal of what the process
// asked for, needing caps: which condition refused it, and what to run
// instead where the process runs. ok is false for any other error (a
// harness failure, for the caller to fail on).
//
//   - EROFS: /proc/sys read-only (a default container) or another
//     read-only file system;
//   - EPERM, EACCES: a missing capability (in the host's user namespace,
//     for a process in a user namespace of its own), else a seccomp
//     filter, else kernel lockdown, else an unnamed policy (an LSM);
//   - ENOSYS: a seccomp filter's answer, or a kernel without the call;
//   - ErrNotSupported, EOPNOTSUPP: a kernel without the feature.
func Refusal(err error, caps ...Cap) (why string, ok bool) {
	if errors.Is(err, ErrNotSupported) || errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Sprintf("this kernel does not support it (%v): run it on a kernel that does", err), true
	}
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return "", false
	}
	switch errno {
	case unix.EROFS:
		if procSysReadOnly() {
			return fmt.Sprintf("/proc/sys is read-only here (%v), as in a default container, in every network namespace made there: %s",
				err, instead(procSysHint)), true
		}
		return fmt.Sprintf("a read-only file system refused it (%v)", err), true
	case unix.EPERM, unix.EACCES:
		if missing := lacking(caps); len(missing) > 0 {
			return fmt.Sprintf("refused (%v): missing %s%s: %s", err, strings.Join(missing, " and "), inUserNamespace(), instead(capHint(toLeaveUserNamespace(caps)))), true
		}
		if seccomp() {
			return fmt.Sprintf("refused (%v) though the process has the capabilities it takes: a seccomp filter (a container's default profile) refuses the call: %s",
				err, instead(seccompHint)), true
		}
		if mode := Where().Lockdown; mode == "integrity" || mode == "confidentiality" {
			return fmt.Sprintf("refused (%v) under kernel lockdown (%s): %s", err, mode, lockdownHint), true
		}
		return fmt.Sprintf("refused (%v) though the process has the capabilities it takes, no seccomp filter and no lockdown: a security module's policy (AppArmor, SELinux)?", err), true
	case unix.ENOSYS:
		if seccomp() {
			return fmt.Sprintf("refused (%v): a seccomp filter (a container's default profile) answers ENOSYS for the call: %s", err, instead(seccompHint)), true
		}
		return fmt.Sprintf("this kernel lacks the system call (%v): run it on a kernel that has it", err), true
	}
	return "", false
}

// lacking lists the caps the process does not have where they count: in
// a user namespace of its own, a capability over the host's kernel
// objects (BPF, tracefs, another process) is missing whatever the
// namespace gives.
func lacking(caps []Cap) []string {
	var out []string
	for _, c := range caps {
		if !initialUserNamespace() || !hasCap(c.bit) {
			out = append(out, c.Name)
		}
	}
	return out
}

// toLeaveUserNamespace adds to caps, for a process in a user namespace of
// its own, the capabilities without which the notes make one (the
// rootless mode): a container that adds CAP_BPF alone still runs them
// there, where it counts for nothing.
func toLeaveUserNamespace(caps []Cap) []Cap {
	if initialUserNamespace() {
		return caps
	}
	out := []Cap{CapSysAdmin, CapNetAdmin}
	for _, c := range caps {
		if c != CapSysAdmin && c != CapNetAdmin {
			out = append(out, c)
		}
	}
	return out
}

func inUserNamespace() string {
	if initialUserNamespace() {
		return ""
	}
	return " in the host's user namespace (this process is the root of a user namespace, whose capabilities stop at what it owns)"
}

// seccomp reports whether a seccomp filter is on (Seccomp: 2 in
// /proc/self/status).
func seccomp() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok {
			return strings.TrimSpace(v) == "2"
		}
	}
	return false
}

// What a reader changes, per condition: in a container (podman, docker)
// and in a Kubernetes pod.
type hint struct{ container, pod, host string }

var (
	procSysHint = hint{
		container: "run the container with --privileged (or podman's --security-opt unmask=/proc/sys, docker's --security-opt systempaths=unconfined)",
		pod:       "give the pod securityContext.privileged: true",
		host:      "remount /proc/sys read-write",
	}
	seccompHint = hint{
		container: "run the container with --privileged (or --security-opt seccomp=unconfined)",
		pod:       "give the pod securityContext.privileged: true (or seccompProfile: Unconfined)",
		host:      "run the notes outside the seccomp filter (a systemd unit's SystemCallFilter, a sandbox)",
	}
)

const lockdownHint = "boot the kernel without lockdown=confidentiality (under lockdown=integrity, what Secure Boot turns on, the notes run)"

// capHint is the hint for a missing capability.
func capHint(caps []Cap) hint {
	var add, pod []string
	for _, c := range caps {
		name := strings.TrimPrefix(c.Name, "CAP_")
		add, pod = append(add, "--cap-add "+name), append(pod, name)
	}
	h := hint{container: "run the container with --privileged", pod: "give the pod securityContext.privileged: true", host: "run " + RunAsRoot}
	if len(add) > 0 {
		h.container += " (or " + strings.Join(add, " ") + ")"
		h.pod += " (or capabilities.add: [" + strings.Join(pod, ", ") + "])"
	}
	return h
}

// instead picks the hint for where the process runs.
func instead(h hint) string { return h.in(Where().Container) }

// in picks the hint for a host (container ""), a pod, or another
// container: a reader who is uid 0 in a container is not told to sudo.
func (h hint) in(container string) string {
	switch container {
	case "":
		return h.host
	case "kubernetes":
		return h.pod
	}
	return h.container
}

// Feature runs probe and skips when it says the feature is missing here:
// ErrNotSupported, or the kernel's refusal (Refusal, which names the
// condition: a capability, seccomp, lockdown). Any other error fails the
// test: a probe that broke is the harness's failure, not a missing
// feature. Probe the feature itself rather than guess from a version.
func Feature(t testing.TB, feature string, probe func() error, caps ...Cap) {
	t.Helper()
	err := probe()
	if err == nil {
		return
	}
	if why, ok := Refusal(err, caps...); ok {
		Skip(t, "needs %s: %s", feature, why)
	}
	t.Fatalf("probing for %s: %v (not a refusal: the probe itself failed)", feature, err)
}

// TracefsRefused explains an error from making a tracefs instance when it
// is the kernel's refusal: under lockdown=confidentiality tracefs makes no
// files, and an instance's mkdir fails with ENOENT; EPERM and EACCES are
// Refusal's.
func TracefsRefused(err error) (why string, ok bool) {
	if errors.Is(err, unix.ENOENT) {
		switch mode := Where().Lockdown; mode {
		case "none":
			return "", false
		case "":
			return fmt.Sprintf("the kernel refuses tracefs instances (%v), as it does under kernel lockdown=confidentiality (securityfs, which would name the mode, is not mounted here): %s", err, lockdownHint), true
		default:
			return fmt.Sprintf("the kernel refuses tracefs instances (%v) under kernel lockdown (%s): %s", err, mode, lockdownHint), true
		}
	}
	if why, ok := Refusal(err, CapSysAdmin); ok {
		return "the kernel refuses a tracefs instance: " + why, true
	}
	return "", false
}
