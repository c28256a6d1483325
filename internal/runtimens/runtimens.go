// Package runtimens keeps a container runtime (podman, dockerd and its
// containerd) inside private namespaces of a test's own, so that nothing
// it makes reaches the host:
//
//   - its bridge, the containers' veth ends and its firewall rules: in a
//     private network namespace;
//   - its state, storage, sockets and configuration: in a tmpfs mounted on
//     /run inside a private mount namespace (mount propagation private),
//     under Dir; the tmpfs goes with the namespace, however the test ends;
//   - the runtime's daemons, shims and the containers' processes: in a
//     private PID namespace whose init is the holder's child; when the
//     holder dies (at cleanup, or with the test process, however it dies:
//     Pdeathsig), the kernel kills every process in it;
//   - cgroups, which live in the host's hierarchies whatever the
//     namespaces: under a parent of the test's own
//     (/netnotes-RUNTIME-PID-N), removed at cleanup; a parent whose test
//     process is gone (killed mid-run) is removed by the next Start.
//
// The holder is util-linux's unshare; commands enter it with nsenter. A
// Holder started with a User runs its commands as that user (setpriv),
// with its HOME and XDG_RUNTIME_DIR in the private /run; where the host's
// /dev/net/tun is for root only, that user gets a private one of the
// usual mode 0666 on a tmpfs over /dev/net in the mount namespace.
package runtimens

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/wait"
)

// Timeout bounds the holder's start and one runtime command: a container
// starts in about a second.
const Timeout = 60 * time.Second

// CgroupPrefix starts the name of every cgroup parent a Holder makes, in
// every hierarchy: CgroupPrefix + runtime + "-" + test pid + "-" + n.
const CgroupPrefix = "netnotes-"

// cgroupName is a Holder's cgroup parent's name: its test's pid is the
// second field.
var cgroupName = regexp.MustCompile(`^` + CgroupPrefix + `[a-z]+-([0-9]+)-[0-9]+$`)

// CgroupRoot is where the cgroup hierarchies are mounted.
var CgroupRoot = "/sys/fs/cgroup"

// Dir is the runtime's directory inside the holder's private /run: state,
// storage, sockets, configuration and the containers' root filesystems.
const Dir = "/run/netnotes"

// PATH is the search path of the commands run in the holder.
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// User is an ordinary user for a rootless runtime.
type User struct{ UID, GID int }

// Options say which runtime a Holder is for and how it runs.
type Options struct {
	// Runtime names the cgroup parent: /netnotes-RUNTIME-PID-N.
	Runtime string
	// User, when set, runs the commands as that user; Dir belongs to it.
	User *User
	// DefaultCgroupParents are the parents the runtime uses when not told
	// otherwise (libpod_parent, docker): in the hierarchies where one did
	// not exist at Start, cleanup fails the test if it exists then (a
	// container went there) and removes it.
	DefaultCgroupParents []string
}

// Holder is a runtime's private place: the holder process.
type Holder struct {
	holder *exec.Cmd
	keep   chan struct{} // closed once the holder is gone: frees its parent thread
	Pid    int           // the holder (unshare): /proc/Pid/ns/{net,mnt,pid} are the runtime's
	Cgroup string        // the cgroup parent of its containers: /netnotes-RUNTIME-PID-N
	User   *User         // the commands run as this user, nil for root
	Tun    string        // with a User: how /dev/net/tun was made usable, "" as the host has it
	// the default parents absent at Start, as paths in each hierarchy
	defaultParents []string
}

var seq atomic.Uint64

// Start sweeps the cgroups of Holders whose test process is gone, then
// starts the holder and returns once its /run is private. The holder and
// the cgroups go at t's cleanup.
func Start(t testing.TB, o Options) *Holder {
	t.Helper()
	if err := Sweep(); err != nil {
		t.Fatalf("removing the cgroups a killed run left: %v", err)
	}
	h := &Holder{Cgroup: fmt.Sprintf("/%s%s-%d-%d", CgroupPrefix, o.Runtime, os.Getpid(), seq.Add(1)), User: o.User}
	for _, dir := range hierarchies() {
		for _, p := range o.DefaultCgroupParents {
			path := filepath.Join(dir, p)
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				h.defaultParents = append(h.defaultParents, path)
			}
		}
	}

	// unshare makes the network and mount namespaces itself, then forks
	// the PID namespace's init, which mounts a tmpfs on /run and says so.
	script := "mount -n -t tmpfs -o mode=0755 netnotes-runtime /run && mkdir -m 0755 " + Dir
	if u := o.User; u != nil {
		script += fmt.Sprintf(" && mkdir -m 0700 %[3]s/xdg && chown %[1]d:%[2]d %[3]s %[3]s/xdg", u.UID, u.GID, Dir)
		// slirp4netns and pasta open /dev/net/tun as the user: where the
		// host's is for root only (0600), a private one as udev makes
		// it (0666), on a tmpfs over /dev/net in the private mount
		// namespace.
		if st, err := os.Stat("/dev/net/tun"); err == nil && st.Mode().Perm()&0o006 != 0o006 {
			h.Tun = fmt.Sprintf("the host's /dev/net/tun is %v, so a private one of mode 0666 (as udev makes it) in the runtime's mount namespace", st.Mode().Perm())
			script += " && mount -n -t tmpfs -o mode=0755 netnotes-tun /dev/net && mknod -m 0666 /dev/net/tun c 10 200"
		}
	}
	h.holder = exec.Command("unshare", "--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "--kill-child",
		"--", "sh", "-c", script+" && echo ready && exec sleep infinity")
	h.holder.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	h.holder.Stderr = os.Stderr
	out, err := h.holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Pdeathsig fires when the thread that forked the holder exits, not
	// the process: fork it from a locked thread kept until cleanup.
	h.keep = make(chan struct{})
	startErr := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		startErr <- h.holder.Start()
		<-h.keep
	}()
	if err := <-startErr; err != nil {
		close(h.keep)
		t.Fatalf("starting %s's private namespaces (unshare): %v", o.Runtime, err)
	}
	h.Pid = h.holder.Process.Pid
	t.Cleanup(func() { h.stop(t) })
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("said %q", line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%s's private namespaces (unshare, mount a tmpfs on /run): %v", o.Runtime, err)
		}
	case <-time.After(Timeout):
		t.Fatalf("%s's private namespaces: no tmpfs on /run within %s", o.Runtime, Timeout)
	}
	return h
}

// Command is a command that runs inside the holder's namespaces (as its
// User, if any), with env as its whole environment besides PATH.
func (h *Holder) Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	p := "/proc/" + strconv.Itoa(h.Pid) + "/ns/"
	argv := []string{"--mount=" + p + "mnt", "--net=" + p + "net", "--pid=" + p + "pid_for_children", "--"}
	if h.User != nil {
		argv = append(argv, "setpriv", "--reuid", strconv.Itoa(h.User.UID), "--regid", strconv.Itoa(h.User.GID), "--clear-groups", "--")
	}
	argv = append(append(append(argv, "env", "-i", "PATH="+PATH), env...), name)
	return exec.CommandContext(ctx, "nsenter", append(argv, args...)...)
}

// NetnsPath is a path from which this process reaches the network
// namespace of the process pid of the holder's PID namespace: through the
// holder's root, where /proc is that namespace's.
func (h *Holder) NetnsPath(pid int) string {
	return fmt.Sprintf("/proc/%d/root/proc/%d/ns/net", h.Pid, pid)
}

// Path is the path from which this process reaches the file name of the
// holder's mount namespace (an absolute path there), through the holder's
// root.
func (h *Holder) Path(name string) string { return filepath.Join(h.root(), name) }

// WriteFile writes a file into Dir, owned by the holder's user, through
// the holder's root (/proc/PID/root): name is relative to Dir.
func (h *Holder) WriteFile(name string, data []byte, perm os.FileMode) error {
	path := filepath.Join(h.root(), Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		return err
	}
	return h.chown(filepath.Join(h.root(), Dir), path)
}

// chown gives the user what was made under base up to path.
func (h *Holder) chown(base, path string) error {
	if h.User == nil {
		return nil
	}
	for p := path; len(p) > len(base); p = filepath.Dir(p) {
		if err := os.Lchown(p, h.User.UID, h.User.GID); err != nil {
			return err
		}
	}
	return nil
}

// Install copies a root filesystem directory (regular files only) into
// Dir/rootfs/NAME and returns its path as the runtime sees it.
func (h *Holder) Install(src, name string) (string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return "", err
		}
		if err := h.WriteFile(filepath.Join("rootfs", name, e.Name()), data, 0o755); err != nil {
			return "", err
		}
	}
	return filepath.Join(Dir, "rootfs", name), nil
}

func (h *Holder) root() string { return fmt.Sprintf("/proc/%d/root", h.Pid) }

// HostNetns is the path of the runtime's ("host") network namespace.
func (h *Holder) HostNetns() string { return fmt.Sprintf("/proc/%d/ns/net", h.Pid) }

// Processes lists the processes of the holder's PID namespace by name, as
// that namespace's /proc shows them: "pid name".
func (h *Holder) Processes() []string {
	procs, _ := filepath.Glob(filepath.Join(h.root(), "proc", "[0-9]*", "comm"))
	var out []string
	for _, p := range procs {
		if comm, err := os.ReadFile(p); err == nil {
			out = append(out, filepath.Base(filepath.Dir(p))+" "+strings.TrimSpace(string(comm)))
		}
	}
	return out
}

// stop kills the holder, and with it every process of its PID namespace,
// then removes the cgroups.
func (h *Holder) stop(t testing.TB) {
	// Kill the PID namespace's init, not unshare: the init's exit waits
	// until every other process of the namespace is gone, and unshare
	// exits once it has reaped the init, so the Wait below returns with
	// no daemon left. Killing unshare first would leave them dying after
	// the test's cleanup.
	killed := false
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", h.Pid, h.Pid)); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && unix.Kill(pid, unix.SIGKILL) == nil {
				killed = true
			}
		}
	}
	if !killed {
		_ = h.holder.Process.Kill()
	}
	_ = h.holder.Wait()
	close(h.keep)
	err := wait.Until(10*time.Second, func() error { return removeCgroup(h.Cgroup) })
	if err != nil {
		t.Errorf("cleanup: removing the runtime's cgroups %s: %v", h.Cgroup, err)
	}
	for _, root := range h.defaultParents {
		if _, err := os.Stat(root); err == nil {
			t.Errorf("the runtime made %s, which was not there before: a container started outside the test's cgroup parent", root)
			_ = wait.Until(10*time.Second, func() error { return removeTree(root) })
		}
	}
}

// hierarchies lists the cgroup hierarchies' mount points: CgroupRoot itself
// for cgroup v2, its subdirectories for v1 and hybrid.
func hierarchies() []string {
	dirs := []string{CgroupRoot}
	entries, _ := os.ReadDir(CgroupRoot)
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(CgroupRoot, e.Name()))
		}
	}
	return dirs
}

// IsCgroup2 reports whether CgroupRoot is a unified (cgroup v2) hierarchy.
func IsCgroup2() bool {
	var st unix.Statfs_t
	return unix.Statfs(CgroupRoot, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// removeCgroup removes the cgroup parent in every hierarchy, children
// first; a cgroup that still has processes refuses (EBUSY).
func removeCgroup(parent string) error {
	var errs []error
	for _, h := range hierarchies() {
		root := filepath.Join(h, parent)
		if _, err := os.Stat(root); err == nil {
			errs = append(errs, removeTree(root))
		}
	}
	return errors.Join(errs...)
}

// removeTree removes a cgroup directory and those below it, children first.
func removeTree(root string) error {
	var errs []error
	var dirs []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("rmdir %s: %w", dirs[i], err))
		}
	}
	return errors.Join(errs...)
}

// Sweep removes the cgroup parents of Holders whose test process no longer
// runs: what a run killed mid-way (kill -9) left behind.
func Sweep() error {
	var errs []error
	seen := map[string]bool{}
	for _, h := range hierarchies() {
		entries, _ := os.ReadDir(h)
		for _, e := range entries {
			m := cgroupName.FindStringSubmatch(e.Name())
			if m == nil || !e.IsDir() || seen[e.Name()] {
				continue
			}
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
				if err := unix.Kill(n, 0); err == nil || errors.Is(err, unix.EPERM) {
					continue // its test is still running
				}
			}
			seen[e.Name()] = true
			if err := wait.Until(5*time.Second, func() error { return removeCgroup("/" + e.Name()) }); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Container is what a runtime's inspect says about a container it
// started: podman and docker answer the same template (inspectFields).
type Container struct {
	Name       string
	ID         string
	Pid        int    // its init's pid, in the runtime's PID namespace
	SandboxKey string // its network namespace's file (/run/netns/netns-..., EXEC-ROOT/netns/...)
	IPAddress  string
	Network    string        // its network mode: bridge or default, slirp4netns, pasta
	Took       time.Duration // the run command
}

// InspectFields is the inspect template's fields after the ID (podman
// names it .ID, docker .Id), in the order ParseInspect reads them.
const InspectFields = "{{.State.Pid}} {{.HostConfig.NetworkMode}} {{.NetworkSettings.SandboxKey}} {{.NetworkSettings.IPAddress}}"

// ParseInspect fills c from the output of `TOOL inspect --format "{{.ID}}
// InspectFields" NAME`: the ID, pid and network mode always, the sandbox
// and address where the container has them.
func ParseInspect(tool string, c Container, out []byte) (Container, error) {
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return c, fmt.Errorf("%s inspect %s: %q", tool, c.Name, out)
	}
	c.ID, c.Network = f[0], f[2]
	if len(f) > 3 {
		c.SandboxKey = f[3]
	}
	if len(f) > 4 {
		c.IPAddress = f[4]
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return c, errors.Join(err, fmt.Errorf("%s inspect %s: no pid in %q", tool, c.Name, out))
	}
	c.Pid = pid
	return c, nil
}
