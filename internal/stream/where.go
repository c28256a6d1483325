package stream

import (
	"fmt"
	"strings"

	"netnotes/internal/records"
)

// Describe says where a run ran, in one line: "Linux 6.12.48 (x86_64) on
// node-1, as root in a podman container (its own PID namespace; without
// CAP_SYS_ADMIN; /proc/sys read-only; lockdown integrity)".
func Describe(w records.Where) string {
	s := fmt.Sprintf("Linux %s (%s)", w.Kernel, w.Arch)
	if w.Host != "" {
		s += " on " + w.Host
	}
	if m := Mode(w); m != "" {
		s += ", as " + m
	}
	if c := Conditions(w); len(c) > 0 {
		s += " (" + strings.Join(c, "; ") + ")"
	}
	return s
}

// Mode is how the notes ran, and where: "root", "root in a podman
// container", "rootless user namespace", "unprivileged".
func Mode(w records.Where) string {
	m := w.Mode
	switch {
	case w.Container == "container":
		m += " in a container"
	case w.Container != "":
		m += " in a " + w.Container + " container"
	}
	return strings.TrimSpace(m)
}

// Conditions lists what the where line says the run could not do, or did
// differently from a plain host: its own PID namespace, the capabilities
// it lacked, a read-only /proc/sys, kernel lockdown.
func Conditions(w records.Where) []string {
	var c []string
	if w.PIDNamespace == "own" {
		c = append(c, "its own PID namespace")
	}
	if len(w.MissingCaps) > 0 {
		c = append(c, "without "+strings.Join(w.MissingCaps, ", "))
	}
	if w.ProcSysReadOnly {
		c = append(c, "/proc/sys read-only")
	}
	if w.Lockdown != "" && w.Lockdown != "none" {
		c = append(c, "lockdown "+w.Lockdown)
	}
	return c
}

// Label is a column's head for a run: the node (or name, when the where
// line names none), the kernel, the architecture, the mode, and the
// conditions in short.
func Label(w records.Where, name string) []string {
	host := w.Host
	if host == "" {
		host = name
	}
	cond := "-"
	if c := shortConditions(w); len(c) > 0 {
		cond = strings.Join(c, ",")
	}
	return []string{host, w.Kernel, w.Arch, strings.ReplaceAll(Mode(w), " ", "-"), cond}
}

// shortConditions are Conditions in a table's few letters.
func shortConditions(w records.Where) []string {
	var c []string
	if w.PIDNamespace == "own" {
		c = append(c, "own-pidns")
	}
	for _, cp := range w.MissingCaps {
		c = append(c, "-"+strings.TrimPrefix(cp, "CAP_"))
	}
	if w.ProcSysReadOnly {
		c = append(c, "ro-sysctl")
	}
	if w.Lockdown != "" && w.Lockdown != "none" {
		c = append(c, "lockdown="+w.Lockdown)
	}
	return c
}
