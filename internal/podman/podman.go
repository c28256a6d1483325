// Package podman runs rootful and rootless podman for a test without
// letting it touch the host: every podman command runs inside private
// network, mount and PID namespaces that a holder process keeps for the
// test (internal/runtimens), with its state, storage and network
// configuration in the private /run and its containers' cgroups under a
// parent of the test's own.
//
// What rootful podman leaves on a host, and where it goes here: podman0,
// the veth ends and netavark's firewall rules stay in the private network
// namespace; /run/libpod, /run/containers, /run/netns/netns-*, runc's
// state, the storage and the network configuration in the private /run;
// conmon, runc and the containers in the private PID namespace; the
// libpod_parent cgroups it makes without --cgroup-parent are not made
// (--cgroup-parent /netnotes-podman-PID-N, removed at cleanup).
// Rootless podman (Start with a User) runs the same way, as that user,
// with its HOME and XDG_RUNTIME_DIR in the private /run.
package podman

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"netnotes/internal/gate"
	"netnotes/internal/runtimens"
)

// Timeout bounds one podman command: a container starts in about a second.
const Timeout = runtimens.Timeout

// DefaultCgroupParent is where rootful podman with cgroupfs puts a
// container and its conmon without --cgroup-parent.
const DefaultCgroupParent = "libpod_parent"

// Dir is podman's directory inside the holder's private /run.
const Dir = runtimens.Dir

// User is an ordinary user for rootless podman.
type User = runtimens.User

// Host is podman's private place: the holder and the flags that keep
// podman's state inside it.
type Host struct {
	*runtimens.Holder
	Runtime string // the OCI runtime asked for, "" for podman's default
	Why     string // why that runtime
	flags   []string
}

// SkipUnlessRootful skips the test, naming what is missing, where rootful
// podman cannot run here: podman, unshare or nsenter not installed, or
// not real root.
func SkipUnlessRootful(t testing.TB) {
	t.Helper()
	gate.Binary(t, "podman", "podman")
	gate.Binary(t, "unshare", "util-linux")
	gate.Binary(t, "nsenter", "util-linux")
	if !gate.IsRealRoot() {
		gate.Skip(t, "rootful podman needs real root (it runs the OCI runtime as root and makes cgroups in the host's hierarchies; %s): %s", gate.CurrentMode(), gate.RealRootHint())
	}
}

// Start starts podman's holder (runtimens.Start) and writes podman's
// configuration into it. With user set, podman runs as that user
// (rootless podman); Dir belongs to it.
func Start(t testing.TB, user *User) *Host {
	t.Helper()
	h := &Host{Holder: runtimens.Start(t, runtimens.Options{Runtime: "podman", User: user, DefaultCgroupParents: []string{DefaultCgroupParent}})}
	h.Runtime, h.Why = chooseRuntime()

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
	if runtimens.IsCgroup2() {
		return "", "podman's default OCI runtime (" + runtimens.CgroupRoot + " is cgroup2)"
	}
	crun := "crun is not installed"
	if _, err := exec.LookPath("crun"); err == nil {
		crun = "crun is installed too"
	}
	if _, err := exec.LookPath("runc"); err == nil {
		return "runc", "runc, chosen since " + runtimens.CgroupRoot + " is not cgroup2 (v1 or hybrid); " + crun
	}
	return "", "podman's default OCI runtime (" + runtimens.CgroupRoot + " is not cgroup2, and runc is not installed)"
}

// Command is a podman command that runs inside the holder's namespaces.
func (h *Host) Command(ctx context.Context, args ...string) *exec.Cmd {
	env := []string{"CONTAINERS_CONF=" + Dir + "/containers.conf", "HOME=" + Dir}
	if h.User != nil {
		// Rootless podman keeps its runtime files in XDG_RUNTIME_DIR.
		env = append(env, "XDG_RUNTIME_DIR="+Dir+"/xdg")
	}
	return h.Holder.Command(ctx, env, "podman", append(append([]string(nil), h.flags...), args...)...)
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
type Container = runtimens.Container

// Run starts a container from rootfs (a directory: nothing is pulled) with
// cmd as its process, detached, on podman's default network, and returns
// what podman inspect says about it.
func (h *Host) Run(name, rootfs string, cmd ...string) (Container, error) {
	return h.RunWith(nil, name, rootfs, cmd...)
}

// RunWith is Run with more flags for podman run ("-p", "8080:80").
func (h *Host) RunWith(flags []string, name, rootfs string, cmd ...string) (Container, error) {
	start := time.Now()
	args := append([]string{"run", "-d", "--name", name}, flags...)
	if h.User == nil {
		args = append(args, "--cgroup-parent", h.Cgroup)
	}
	// --rootfs says the first argument is a directory, not an image.
	args = append(append(args, "--rootfs", rootfs), cmd...)
	if _, err := h.Podman(args...); err != nil {
		return Container{}, err
	}
	c := Container{Name: name, Took: time.Since(start)}
	out, err := h.Podman("inspect", "--format", "{{.ID}} "+runtimens.InspectFields, name)
	if err != nil {
		return c, err
	}
	return runtimens.ParseInspect("podman", c, out)
}
