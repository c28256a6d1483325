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

// Host is podman's private place: the holder process and the flags that
// keep podman's state inside it.
type Host struct {
	holder  *exec.Cmd
	Pid     int    // the holder (unshare): /proc/Pid/ns/{net,mnt} are podman's
	Cgroup  string // the cgroup parent of every container: /netnotes-podman-PID-N
	Runtime string // the OCI runtime asked for, "" for podman's default
	Why     string // why that runtime
	conf    string // containers.conf
	flags   []string
}

var seq atomic.Uint64

// Start sweeps the cgroups of Hosts whose test process is gone, then starts
// the holder and returns once its /run is private. The holder and the
// cgroups go at t's cleanup.
func Start(t testing.TB) *Host {
	t.Helper()
	if err := Sweep(); err != nil {
		t.Fatalf("removing the cgroups a killed run left: %v", err)
	}
	h := &Host{Cgroup: fmt.Sprintf("/%s%d-%d", CgroupPrefix, os.Getpid(), seq.Add(1))}
	h.Runtime, h.Why = chooseRuntime()

	// unshare makes the network and mount namespaces itself, then forks
	// the PID namespace's init, which mounts a tmpfs on /run and says so.
	h.holder = exec.Command("unshare", "--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "--kill-child",
		"--", "sh", "-c", "mount -n -t tmpfs -o mode=0755 netnotes-podman /run && echo ready && exec sleep infinity")
	h.holder.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	h.holder.Stderr = os.Stderr
	out, err := h.holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.holder.Start(); err != nil {
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

	dir := t.TempDir()
	h.conf = filepath.Join(dir, "containers.conf")
	// The network's subnet is one of the test's (198.18.0.0/15); state,
	// temporary files and network configuration stay in the private /run.
	conf := `[network]
default_subnet = "198.18.10.0/24"
network_config_dir = "/run/netnotes/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "/run/netnotes/tmp"
`
	if err := os.WriteFile(h.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	h.flags = []string{"--root", "/run/netnotes/storage", "--runroot", "/run/netnotes/run"}
	if h.Runtime != "" {
		h.flags = append(h.flags, "--runtime", h.Runtime)
	}
	return h
}

// chooseRuntime picks the OCI runtime: podman's default (crun, where it is
// installed) on a unified cgroup v2 hierarchy; on cgroup v1 or hybrid,
// where crun refuses, runc when it is installed.
func chooseRuntime() (name, why string) {
	var st unix.Statfs_t
	if err := unix.Statfs(CgroupRoot, &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "", "podman's default OCI runtime (cgroup v2)"
	}
	if _, err := exec.LookPath("runc"); err == nil {
		return "runc", "runc, since " + CgroupRoot + " is cgroup v1 or hybrid, which crun refuses"
	}
	return "", "podman's default OCI runtime (no runc installed for cgroup v1 or hybrid)"
}

// Command is a podman command that runs inside the holder's namespaces.
func (h *Host) Command(ctx context.Context, args ...string) *exec.Cmd {
	p := "/proc/" + strconv.Itoa(h.Pid) + "/ns/"
	argv := append([]string{"--mount=" + p + "mnt", "--net=" + p + "net", "--pid=" + p + "pid_for_children", "--", "podman"}, h.flags...)
	cmd := exec.CommandContext(ctx, "nsenter", append(argv, args...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=" + h.conf, "HOME=/run/netnotes"}
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
	return Info{Version: raw.Version.Version, NetworkBackend: raw.Host.NetworkBackend, OCIRuntime: rt}, nil
}

// Container is one container podman started, as podman inspect reports it.
type Container struct {
	Name       string
	ID         string
	Pid        int    // its init's pid, in podman's PID namespace
	SandboxKey string // its network namespace's file: /run/netns/netns-...
	IPAddress  string
	Took       time.Duration // podman run
}

// Run starts a container from rootfs (a directory: nothing is pulled) with
// cmd as its process, detached, on podman's default network, and returns
// what podman inspect says about it.
func (h *Host) Run(name, rootfs string, cmd ...string) (Container, error) {
	start := time.Now()
	args := append([]string{"run", "-d", "--name", name, "--cgroup-parent", h.Cgroup, "--rootfs", rootfs}, cmd...)
	if _, err := h.Podman(args...); err != nil {
		return Container{}, err
	}
	c := Container{Name: name, Took: time.Since(start)}
	out, err := h.Podman("inspect", "--format", "{{.ID}} {{.State.Pid}} {{.NetworkSettings.SandboxKey}} {{.NetworkSettings.IPAddress}}", name)
	if err != nil {
		return c, err
	}
	f := strings.Fields(string(out))
	if len(f) != 4 {
		return c, fmt.Errorf("podman inspect %s: %q", name, out)
	}
	c.ID, c.SandboxKey, c.IPAddress = f[0], f[2], f[3]
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

// HostNetns is the path of podman's ("host") network namespace.
func (h *Host) HostNetns() string { return fmt.Sprintf("/proc/%d/ns/net", h.Pid) }

// stop kills the holder, and with it every process of podman's PID
// namespace, then removes the cgroups.
func (h *Host) stop(t testing.TB) {
	_ = h.holder.Process.Kill()
	_ = h.holder.Wait()
	err := wait.Until(10*time.Second, func() error { return removeCgroup(h.Cgroup) })
	if err != nil {
		t.Errorf("cleanup: removing podman's cgroups %s: %v", h.Cgroup, err)
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
		if _, err := os.Stat(root); err != nil {
			continue
		}
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
