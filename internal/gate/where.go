package gate

import (
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"netnotes/internal/records"
)

// Where describes where this process runs the notes: the machine, and what
// the process may do there (records.Where). Each chapter's test binary
// logs it once at its start (claims.Main), and the report's header says it
// for a live run. Everything in it is read, never assumed: a field that
// cannot be read here is left empty.
func Where() records.Where { return where() }

var where = sync.OnceValue(func() records.Where {
	w := records.Where{GoVersion: runtime.Version(), Arch: runtime.GOARCH, Mode: CurrentMode().String()}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		w.Kernel = unix.ByteSliceToString(u.Release[:])
		w.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	w.Host, _ = os.Hostname()
	w.PIDNamespace = pidNamespace()
	w.Container = container(w.PIDNamespace)
	w.MissingCaps = missingNotesCaps()
	w.ProcSysReadOnly = procSysReadOnly()
	w.Lockdown = lockdown()
	return w
})

// The inodes of the initial PID and cgroup namespaces (PROC_PID_INIT_INO,
// PROC_CGROUP_INIT_INO), the same on every kernel that has them.
const (
	initialPIDNamespace    = 0xEFFFFFFC
	initialCgroupNamespace = 0xEFFFFFFB
)

// pidNamespace is "host" in the initial PID namespace, "own" in any other
// (a container's, a pod's without hostPID), "" where it cannot be read.
func pidNamespace() string {
	var st unix.Stat_t
	if unix.Stat("/proc/self/ns/pid", &st) != nil {
		return ""
	}
	if st.Ino == initialPIDNamespace {
		return "host"
	}
	return "own"
}

// initialNamespace reports whether this process is in the initial
// namespace of kind (its /proc/self/ns/KIND has inode ino); true where
// that cannot be read.
func initialNamespace(kind string, ino uint64) bool {
	var st unix.Stat_t
	return unix.Stat("/proc/self/ns/"+kind, &st) != nil || st.Ino == ino
}

// container names the container runtime this process runs under, "" on a
// host, from what each runtime leaves in its containers: the service
// variables Kubernetes gives every pod, podman's /run/.containerenv, the
// container variable of systemd's convention (podman, lxc,
// systemd-nspawn), this process's cgroup path (docker, podman, a pod's
// kubepods); docker's /.dockerenv only with a cgroup namespace of its own
// (docker's default on cgroup v2, where the path says nothing), since a
// virtual machine whose root file system was made from a docker image
// keeps that file (the project's CI machine does). A PID namespace of its
// own, or a root that is not PID 1's, with no such sign is a container
// whose runtime cannot be told: "container".
func container(pidns string) string {
	switch {
	case os.Getenv("KUBERNETES_SERVICE_HOST") != "":
		return "kubernetes"
	case exists("/run/.containerenv"):
		return "podman"
	case os.Getenv("container") != "":
		return os.Getenv("container")
	}
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, r := range []struct{ in, name string }{
			{"kubepods", "kubernetes"}, {"/libpod", "podman"}, {"libpod-", "podman"}, {"/docker/", "docker"},
			{"docker-", "docker"}, {"cri-containerd-", "containerd"}, {"crio-", "cri-o"}, {"/lxc/", "lxc"},
		} {
			if strings.Contains(string(b), r.in) {
				return r.name
			}
		}
	}
	contained := pidns == "own" || otherRootThanInit()
	switch {
	case contained && exists("/.dockerenv") && !initialNamespace("cgroup", initialCgroupNamespace):
		return "docker"
	case contained:
		return "container"
	}
	return ""
}

// otherRootThanInit reports whether this process's root directory is not
// PID 1's: a container that shares the host's PID namespace. false where
// PID 1's root cannot be read.
func otherRootThanInit() bool {
	var mine, init unix.Stat_t
	if unix.Stat("/", &mine) != nil || unix.Stat("/proc/1/root/", &init) != nil {
		return false
	}
	return mine.Dev != init.Dev || mine.Ino != init.Ino
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// notesCaps are the capabilities the notes use: namespaces and mounts,
// devices and routes, ICMP's raw sockets, BPF, ptrace of a process not
// one's child, a second user.
var notesCaps = []struct {
	cap  uint
	name string
}{
	{unix.CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
	{unix.CAP_NET_ADMIN, "CAP_NET_ADMIN"},
	{unix.CAP_NET_RAW, "CAP_NET_RAW"},
	{unix.CAP_BPF, "CAP_BPF"},
	{unix.CAP_SYS_PTRACE, "CAP_SYS_PTRACE"},
	{unix.CAP_SETUID, "CAP_SETUID"},
	{unix.CAP_SETGID, "CAP_SETGID"},
}

// missingNotesCaps lists the notes' capabilities the process lacks in the
// initial user namespace: all of them in a user namespace of its own
// (the rootless mode's, a rootless container's), whose capabilities
// count only for what that namespace owns. CAP_BPF is left out on
// kernels that do not know it (before 5.8: BPF takes CAP_SYS_ADMIN).
func missingNotesCaps() []string {
	effective, err := effectiveCaps()
	initial := initialUserNamespace()
	var missing []string
	for _, c := range notesCaps {
		if c.cap > lastCap() {
			continue
		}
		if err != nil || !initial || effective&(1<<c.cap) == 0 {
			missing = append(missing, c.name)
		}
	}
	return missing
}

// effectiveCaps is the process's effective capability set, as a mask.
func effectiveCaps() (uint64, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, err
	}
	return uint64(data[1].Effective)<<32 | uint64(data[0].Effective), nil
}

// hasCap reports whether the process has capability c in its effective
// set (in its own user namespace).
func hasCap(c uint) bool {
	effective, err := effectiveCaps()
	return err == nil && effective&(1<<c) != 0
}

// lastCap is the highest capability this kernel knows.
func lastCap() uint {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return unix.CAP_LAST_CAP
	}
	var n uint
	for _, c := range strings.TrimSpace(string(b)) {
		if c < '0' || c > '9' {
			return unix.CAP_LAST_CAP
		}
		n = n*10 + uint(c-'0')
	}
	return n
}

// procSysReadOnly reports whether /proc/sys is mounted read-only, as in a
// default container: every write there, in any network namespace, fails
// with EROFS.
func procSysReadOnly() bool {
	var st unix.Statfs_t
	return unix.Statfs("/proc/sys", &st) == nil && st.Flags&unix.ST_RDONLY != 0
}

// lockdown is the kernel's lockdown mode, the bracketed word of
// /sys/kernel/security/lockdown ("[none] integrity confidentiality"), or
// "" where securityfs is not mounted (a container, a bare init): then only
// a refusal tells (TracefsRefused).
func lockdown() string {
	b, err := os.ReadFile("/sys/kernel/security/lockdown")
	if err != nil {
		return ""
	}
	return parseLockdown(string(b))
}

// parseLockdown reads the mode from the lockdown file's text.
func parseLockdown(s string) string {
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return ""
	}
	return s[i+1 : j]
}
