// Package podman runs rootful podman for a test without letting it touch
// the host: every podman command runs inside one private network, mount
// and PID namespace that a holder process keeps for the test.
//
// What rootful podman leaves on a host, and where it goes here:
//
//   - its bridge (podman0), the containers' veth ends and netavark's
//     firewall rules: in the private network namespace;
//   - /run/libpod, /run/containers, /run/netns/netns-*, runc's state, its
//     storage and its network configuration: in a tmpfs mounted on /run
//     inside the private mount namespace (mount propagation private);
//   - conmon, runc and the containers' processes: in the private PID
//     namespace, whose init is the holder's child; when the holder dies
//     (at cleanup, or with the test process, however it dies: Pdeathsig),
//     the kernel kills every process in it;
//   - cgroups, which live in the host's hierarchies whatever the
//     namespaces: under a parent of the test's own (--cgroup-parent
//     /netnotes-podman-PID-N), removed at cleanup; a parent whose test
//     process is gone (killed mid-run) is removed by the next Start.
//
// The holder is util-linux's unshare; commands enter it with nsenter.
// Rootless podman (Start with a User) runs the same way, as that user
// (setpriv), with its HOME and XDG_RUNTIME_DIR in the private /run; where
// the host's /dev/net/tun is for root only, slirp4netns gets a private one
// of the usual mode 0666 on a tmpfs over /dev/net in the mount namespace.
package podman

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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

// Timeout bounds one podman command: a container starts in about a second.
const Timeout = 60 * time.Second

// CgroupPrefix starts the name of every cgroup parent a Host makes, in
// every hierarchy: CgroupPrefix + test pid + "-" + n.
const CgroupPrefix = "netnotes-podman-"

// CgroupRoot is where the cgroup hierarchies are mounted.
var CgroupRoot = "/sys/fs/cgroup"

// DefaultCgroupParent is where rootful podman with cgroupfs puts a
// container and its conmon without --cgroup-parent.
const DefaultCgroupParent = "libpod_parent"

// Host is podman's private place: the holder process and the flags that
// keep podman's state inside it.
type Host struct {
	holder  *exec.Cmd
	keep    chan struct{} // closed once the holder is gone: frees its parent thread
	Pid     int           // the holder (unshare): /proc/Pid/ns/{net,mnt} are podman's
	Cgroup  string        // the cgroup parent of every container: /netnotes-podman-PID-N
	Runtime string        // the OCI runtime asked for, "" for podman's default
	Why     string        // why that runtime
	User    *User         // podman runs as this user (rootless), nil for root
	// podman's default cgroup parent, in the hierarchies where it did not
	// exist at Start: what a container started without --cgroup-parent
	// would leave, removed at cleanup when empty.
	defaultParents []string
	Tun            string // rootless: how /dev/net/tun was made usable, "" as the host has it
	flags          []string
}

// User is an ordinary user for rootless podman.
type User struct{ UID, GID int }

// Dir is podman's directory inside the holder's private /run: state,
// storage, configuration and the containers' root filesystems.
const Dir = "/run/netnotes"

var seq atomic.Uint64

// Start sweeps the cgroups of Hosts whose test process is gone, then starts
// the holder and returns once its /run is private. The holder and the
// cgroups go at t's cleanup. With user set, podman runs as that user
// (rootless podman); Dir belongs to it.
func Start(t testing.TB, user *User) *Host {
	t.Helper()
	if err := Sweep(); err != nil {
		t.Fatalf("removing the cgroups a killed run left: %v", err)
	}
	h := &Host{Cgroup: fmt.Sprintf("/%s%d-%d", CgroupPrefix, os.Getpid(), seq.Add(1)), User: user}
	h.Runtime, h.Why = chooseRuntime()
	for _, dir := range hierarchies() {
		if _, err := os.Stat(filepath.Join(dir, DefaultCgroupParent)); errors.Is(err, fs.ErrNotExist) {
			h.defaultParents = append(h.defaultParents, dir)
		}
	}

	// unshare makes the network and mount namespaces itself, then forks
	// the PID namespace's init, which mounts a tmpfs on /run and says so.
	script := "mount -n -t tmpfs -o mode=0755 netnotes-podman /run && mkdir -m 0755 " + Dir
	if user != nil {
		script += fmt.Sprintf(" && mkdir -m 0700 %[3]s/xdg && chown %[1]d:%[2]d %[3]s %[3]s/xdg", user.UID, user.GID, Dir)
		// slirp4netns and pasta open /dev/net/tun as the user: where the
		// host's is for root only (0600), a private one as udev makes
		// it (0666), on a tmpfs over /dev/net in the private mount
		// namespace.
		if st, err := os.Stat("/dev/net/tun"); err == nil && st.Mode().Perm()&0o006 != 0o006 {
			h.Tun = fmt.Sprintf("the host's /dev/net/tun is %v, so a private one of mode 0666 (as udev makes it) in podman's mount namespace", st.Mode().Perm())
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
		t.Fatalf("starting podman's private namespaces (unshare): %v", err)
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
			t.Fatalf("podman's private namespaces (unshare, mount a tmpfs on /run): %v", err)
		}
	case <-time.After(Timeout):
		t.Fatalf("podman's private namespaces: no tmpfs on /run within %s", Timeout)
	}

	// The network's subnet is one of the test's (198.18.0.0/15); state,
	// temporary files and network configuration stay in the private /run.
	conf := `[network]
default_subnet = "198.18.10.0/24"
network_config_dir = "` + Dir + `/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "` + Dir + `/tmp"
`
	if err := h.WriteFile("containers.conf", []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	h.flags = []string{"--root", Dir + "/storage", "--runroot", Dir + "/run"}
	if h.Runtime != "" {
		h.flags = append(h.flags, "--runtime", h.Runtime)
	}
	return h
}

// chooseRuntime picks the OCI runtime: podman's default on a unified
// cgroup v2 hierarchy; on cgroup v1 or hybrid, runc when it is installed
// (crun, podman's default where both are, refuses a hybrid hierarchy).
// The reason says what was seen.
func chooseRuntime() (name, why string) {
	var st unix.Statfs_t
	if err := unix.Statfs(CgroupRoot, &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "", "podman's default OCI runtime (" + CgroupRoot + " is cgroup2)"
	}
	crun := "crun is not installed"
	if _, err := exec.LookPath("crun"); err == nil {
		crun = "crun is installed too"
	}
	if _, err := exec.LookPath("runc"); err == nil {
		return "runc", "runc, chosen since " + CgroupRoot + " is not cgroup2 (v1 or hybrid); " + crun
	}
	return "", "podman's default OCI runtime (" + CgroupRoot + " is not cgroup2, and runc is not installed)"
}

// Command is a podman command that runs inside the holder's namespaces.
func (h *Host) Command(ctx context.Context, args ...string) *exec.Cmd {
	p := "/proc/" + strconv.Itoa(h.Pid) + "/ns/"
	argv := []string{"--mount=" + p + "mnt", "--net=" + p + "net", "--pid=" + p + "pid_for_children", "--"}
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=" + Dir + "/containers.conf", "HOME=" + Dir}
	if h.User != nil {
		// Rootless podman keeps its runtime files in XDG_RUNTIME_DIR.
		argv = append(argv, "setpriv", "--reuid", strconv.Itoa(h.User.UID), "--regid", strconv.Itoa(h.User.GID), "--clear-groups", "--")
		env = append(env, "XDG_RUNTIME_DIR="+Dir+"/xdg")
	}
	argv = append(append(append(argv, "env", "-i"), env...), "podman")
	cmd := exec.CommandContext(ctx, "nsenter", append(append(argv, h.flags...), args...)...)
	return cmd
}

// Podman runs one podman command and returns its stdout; the error carries
// its stderr.
func (h *Host) Podman(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := h.Command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("podman %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Info is what podman says about itself.
type Info struct {
	Version        string
	NetworkBackend string
	OCIRuntime     string // name and version
	Slirp4netns    string // rootless: slirp4netns's path and version
}

// Info asks podman for its version, network backend and OCI runtime.
func (h *Host) Info() (Info, error) {
	out, err := h.Podman("info", "--format", "json")
	if err != nil {
		return Info{}, err
	}
	var raw struct {
		Host struct {
			NetworkBackend string `json:"networkBackend"`
			OCIRuntime     struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"ociRuntime"`
			Slirp struct {
				Executable string `json:"executable"`
				Version    string `json:"version"`
			} `json:"slirp4netns"`
		} `json:"host"`
		Version struct {
			Version string `json:"Version"`
		} `json:"version"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return Info{}, fmt.Errorf("podman info: %w", err)
	}
	rt := raw.Host.OCIRuntime.Name
	if v, _, _ := strings.Cut(raw.Host.OCIRuntime.Version, "\n"); v != "" {
		rt += " (" + v + ")"
	}
	slirp := raw.Host.Slirp.Executable
	if v, _, _ := strings.Cut(raw.Host.Slirp.Version, "\n"); v != "" {
		slirp += " (" + v + ")"
	}
	return Info{Version: raw.Version.Version, NetworkBackend: raw.Host.NetworkBackend, OCIRuntime: rt, Slirp4netns: slirp}, nil
}

// Container is one container podman started, as podman inspect reports it.
type Container struct {
	Name       string
	ID         string
	Pid        int    // its init's pid, in podman's PID namespace
	SandboxKey string // its network namespace's file: /run/netns/netns-...
	IPAddress  string
	Network    string        // its network mode: bridge, slirp4netns, pasta
	Took       time.Duration // podman run
}

// Run starts a container from rootfs (a directory: nothing is pulled) with
// cmd as its process, detached, on podman's default network, and returns
// what podman inspect says about it.
func (h *Host) Run(name, rootfs string, cmd ...string) (Container, error) {
	start := time.Now()
	args := []string{"run", "-d", "--name", name}
	if h.User == nil {
		args = append(args, "--cgroup-parent", h.Cgroup)
	}
	// --rootfs says the first argument is a directory, not an image.
	args = append(append(args, "--rootfs", rootfs), cmd...)
	if _, err := h.Podman(args...); err != nil {
		return Container{}, err
	}
	c := Container{Name: name, Took: time.Since(start)}
	out, err := h.Podman("inspect", "--format", "{{.ID}} {{.State.Pid}} {{.HostConfig.NetworkMode}} {{.NetworkSettings.SandboxKey}} {{.NetworkSettings.IPAddress}}", name)
	if err != nil {
		return c, err
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		return c, fmt.Errorf("podman inspect %s: %q", name, out)
	}
	c.ID, c.Network = f[0], f[2]
	if len(f) > 3 {
		c.SandboxKey = f[3]
	}
	if len(f) > 4 {
		c.IPAddress = f[4]
	}
	if c.Pid, err = strconv.Atoi(f[1]); err != nil || c.Pid <= 0 {
		return c, fmt.Errorf("podman inspect %s: no pid in %q", name, out)
	}
	return c, nil
}

// NetnsPath is a path from which this process reaches the network
// namespace of the process pid of podman's PID namespace: through the
// holder's root, where /proc is that namespace's.
func (h *Host) NetnsPath(pid int) string {
	return fmt.Sprintf("/proc/%d/root/proc/%d/ns/net", h.Pid, pid)
}

// WriteFile writes a file into Dir, owned by podman's user, through the
// holder's root (/proc/PID/root): name is relative to Dir.
func (h *Host) WriteFile(name string, data []byte, perm os.FileMode) error {
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
func (h *Host) chown(base, path string) error {
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
// Dir/rootfs/NAME and returns its path as podman sees it.
func (h *Host) Install(src, name string) (string, error) {
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

func (h *Host) root() string { return fmt.Sprintf("/proc/%d/root", h.Pid) }

// HostNetns is the path of podman's ("host") network namespace.
func (h *Host) HostNetns() string { return fmt.Sprintf("/proc/%d/ns/net", h.Pid) }

// stop kills the holder, and with it every process of podman's PID
// namespace, then removes the cgroups.
func (h *Host) stop(t testing.TB) {
	_ = h.holder.Process.Kill()
	_ = h.holder.Wait()
	close(h.keep)
	err := wait.Until(10*time.Second, func() error { return removeCgroup(h.Cgroup) })
	if err != nil {
		t.Errorf("cleanup: removing podman's cgroups %s: %v", h.Cgroup, err)
	}
	for _, dir := range h.defaultParents {
		root := filepath.Join(dir, DefaultCgroupParent)
		if _, err := os.Stat(root); err == nil {
			t.Errorf("podman made %s, which was not there before: a container started without --cgroup-parent", root)
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

// Sweep removes the cgroup parents of Hosts whose test process no longer
// runs: what a run killed mid-way (kill -9) left behind.
func Sweep() error {
	var errs []error
	seen := map[string]bool{}
	for _, h := range hierarchies() {
		entries, _ := os.ReadDir(h)
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), CgroupPrefix)
			if !ok || !e.IsDir() || seen[e.Name()] {
				continue
			}
			pid, _, _ := strings.Cut(rest, "-")
			if n, err := strconv.Atoi(pid); err == nil && n > 0 {
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
