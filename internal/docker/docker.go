// Package docker runs a docker daemon (dockerd, with a containerd of its
// own) for a test without letting it touch the host. Both daemons run in
// the private network, mount and PID namespaces of a holder
// (internal/runtimens):
//
//   - docker0, the containers' veth ends, docker's iptables rules and its
//     ip_forward sysctl: in the private network namespace;
//   - dockerd's data-root, exec-root, pidfile, socket, configuration and
//     trust key, and containerd's root, state, socket, temporary files
//     and "opt" directory: under Dir, in the tmpfs on the private /run
//     (the defaults, /var/lib/docker, /run/docker, /etc/docker/key.json,
//     /var/lib/containerd, /run/containerd and /opt/containerd, are never
//     written);
//   - dockerd, containerd, the shims and the containers: in the private
//     PID namespace, killed with the holder;
//   - the containers' cgroups: under --cgroup-parent
//     /netnotes-docker-PID-N (cgroup driver cgroupfs), removed at cleanup,
//     swept by the next Start after a kill -9.
//
// Images are made locally with docker import from a directory: nothing is
// pulled.
package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"netnotes/internal/runtimens"
	"netnotes/internal/wait"
)

// Package is what to install for dockerd and its containerd, on Debian and
// Ubuntu.
const Package = "docker.io"

// Timeout bounds one docker command and each daemon's start.
const Timeout = runtimens.Timeout

// Dir is where both daemons keep everything, inside the holder's /run.
const Dir = runtimens.Dir + "/docker"

// Socket is dockerd's API socket, as the holder's mount namespace names it.
const Socket = Dir + "/docker.sock"

// Bridge is the address docker0 gets (--bip), in the test's range.
const Bridge = "198.18.11.1/24"

// Binaries are the programs a Daemon needs, and the packages they come in.
var Binaries = map[string]string{"dockerd": Package, "containerd": Package + " (containerd)", "docker": Package, "runc": "runc"}

// Find reports the first of Binaries missing from both PATH and the
// directories the daemons run with (runtimens.PATH: dockerd is in
// /usr/sbin, which an ordinary user's PATH often lacks).
func Find() error {
	dirs := filepath.SplitList(os.Getenv("PATH") + ":" + runtimens.PATH)
	for _, b := range []string{"dockerd", "containerd", "docker", "runc"} {
		found := false
		for _, d := range dirs {
			if st, err := os.Stat(filepath.Join(d, b)); d != "" && err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("no %s on PATH or in %s: install %s", b, runtimens.PATH, Binaries[b])
		}
	}
	return nil
}

// Daemon is dockerd and its containerd, running in a holder.
type Daemon struct {
	*runtimens.Holder
	Started time.Duration // from Start to dockerd answering
	logs    []*logFile
}

// containerdConf keeps containerd's every path under Dir; its CRI plugin
// (for kubelet) is off, as docker does not use it.
const containerdConf = `version = 2
root = "` + Dir + `/containerd/root"
state = "` + Dir + `/containerd/state"
temp = "` + Dir + `/containerd/tmp"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "` + Dir + `/containerd/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "` + Dir + `/containerd/opt"
`

// daemonJSON keeps dockerd's trust key (deprecated-key-path, by default
// /etc/docker/key.json) under Dir.
const daemonJSON = `{"deprecated-key-path": "` + Dir + `/key.json"}
`

// Start starts containerd and then dockerd in a holder of their own, and
// returns once dockerd answers on Socket. Both go at t's cleanup, with
// the holder.
func Start(t testing.TB) *Daemon {
	t.Helper()
	start := time.Now()
	d := &Daemon{Holder: runtimens.Start(t, runtimens.Options{Runtime: "docker", DefaultCgroupParents: []string{"docker"}})}
	for name, text := range map[string]string{"docker/containerd.toml": containerdConf, "docker/daemon.json": daemonJSON} {
		if err := d.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.daemon(t, Dir+"/containerd/containerd.sock", "containerd", "--config", Dir+"/containerd.toml")
	dockerd := d.daemon(t, Socket, "dockerd",
		"--config-file", Dir+"/daemon.json",
		"--containerd", Dir+"/containerd/containerd.sock",
		"--data-root", Dir+"/data", "--exec-root", Dir+"/exec", "--pidfile", Dir+"/docker.pid",
		"--host", "unix://"+Socket, "--bip", Bridge,
		"--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", d.Cgroup)
	err := wait.Until(Timeout, func() error {
		select {
		case <-dockerd:
			return wait.Stop(fmt.Errorf("dockerd exited"))
		default:
		}
		_, err := d.Docker(nil, "version", "--format", "{{.Server.Version}}")
		return err
	})
	if err != nil {
		runtimens.SkipIfHelperMissing(t, "docker's part", d.Logs())
		t.Fatalf("dockerd does not answer on %s: %v\n%s", Socket, err, d.Logs())
	}
	d.Started = time.Since(start)
	return d
}

// daemon starts a daemon in the holder and waits for it to make its socket.
// At cleanup its nsenter is killed; the daemon goes with the holder. The
// channel it returns is closed when the daemon exits.
func (d *Daemon) daemon(t testing.TB, sock, name string, args ...string) (exited <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := d.Command(ctx, []string{"HOME=" + Dir, "TMPDIR=" + Dir + "/tmp"}, name, args...)
	log := &logFile{name: name}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.WaitDelay = time.Second
	d.logs = append(d.logs, log)
	if err := os.MkdirAll(d.Path(Dir+"/tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("%s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	err := wait.Until(Timeout, func() error {
		select {
		case <-done:
			return wait.Stop(fmt.Errorf("it exited"))
		default:
		}
		_, err := os.Stat(d.Path(sock))
		return err
	})
	if err != nil {
		runtimens.SkipIfHelperMissing(t, "docker's part", d.Logs())
		t.Fatalf("%s made no socket %s: %v\n%s", name, sock, err, d.Logs())
	}
	return done
}

// Logs is the tail of what the daemons said.
func (d *Daemon) Logs() string {
	var s []string
	for _, l := range d.logs {
		s = append(s, l.String())
	}
	return strings.Join(s, "\n")
}

// logFile keeps the last 8 KiB a daemon wrote.
type logFile struct {
	name string
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if n := l.buf.Len(); n > 8<<10 {
		l.buf.Next(n - 8<<10)
	}
	return len(p), nil
}

func (l *logFile) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.name + " said: " + l.buf.String()
}

// Docker runs one docker client command against the daemon, in the
// holder, with stdin (may be nil), and returns its stdout; the error
// carries its stderr.
func (d *Daemon) Docker(stdin io.Reader, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := d.Client(ctx, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Client is a docker client command against the daemon, in the holder,
// for what outlasts Docker's Timeout (a container that runs for minutes).
func (d *Daemon) Client(ctx context.Context, args ...string) *exec.Cmd {
	return d.Command(ctx, []string{"DOCKER_HOST=unix://" + Socket, "DOCKER_CONFIG=" + Dir + "/cli", "HOME=" + Dir}, "docker", args...)
}

// Info is what docker says about itself.
type Info struct {
	Server, Client, Containerd, Runc string // versions
	Driver, CgroupDriver             string // storage driver, cgroup driver
}

func (i Info) String() string {
	return fmt.Sprintf("dockerd %s (client %s, containerd %s, runc %s, storage %s, cgroup driver %s)",
		i.Server, i.Client, i.Containerd, i.Runc, i.Driver, i.CgroupDriver)
}

// Info asks docker for its versions and drivers.
func (d *Daemon) Info() (Info, error) {
	out, err := d.Docker(nil, "version", "--format", "{{.Server.Version}}|{{.Client.Version}}|{{range .Server.Components}}{{.Name}}={{.Version}};{{end}}")
	if err != nil {
		return Info{}, err
	}
	f := strings.Split(strings.TrimSpace(string(out)), "|")
	if len(f) != 3 {
		return Info{}, fmt.Errorf("docker version: %q", out)
	}
	i := Info{Server: f[0], Client: f[1]}
	for _, c := range strings.Split(f[2], ";") {
		name, v, _ := strings.Cut(c, "=")
		switch strings.ToLower(name) {
		case "containerd":
			i.Containerd = v
		case "runc":
			i.Runc = v
		}
	}
	out, err = d.Docker(nil, "info", "--format", "{{.Driver}}|{{.CgroupDriver}}")
	if err != nil {
		return i, err
	}
	i.Driver, i.CgroupDriver, _ = strings.Cut(strings.TrimSpace(string(out)), "|")
	return i, nil
}

// Import makes the image name from the regular files of the directory
// src (docker import of a tar stream): nothing is pulled.
func (d *Daemon) Import(src, name string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.Name(), Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err = d.Docker(&buf, "import", "-", name)
	return err
}

// Container is one container docker started, as docker inspect reports it.
type Container = runtimens.Container

// Run starts a container from image with cmd as its process, detached, on
// docker's default network (the bridge docker0), and returns what docker
// inspect says about it.
func (d *Daemon) Run(name, image string, cmd ...string) (Container, error) {
	return d.RunWith(nil, name, image, cmd...)
}

// RunWith is Run with more flags for docker run ("-p", "8080:80").
func (d *Daemon) RunWith(flags []string, name, image string, cmd ...string) (Container, error) {
	start := time.Now()
	args := append(append([]string{"run", "-d", "--name", name}, flags...), image)
	if _, err := d.Docker(nil, append(args, cmd...)...); err != nil {
		return Container{}, err
	}
	c := Container{Name: name, Took: time.Since(start)}
	out, err := d.Docker(nil, "inspect", "--format", "{{.Id}} "+runtimens.InspectFields, name)
	if err != nil {
		return c, err
	}
	return runtimens.ParseInspect("docker", c, out)
}
