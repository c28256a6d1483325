//go:build linux && sudo

package uds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/podman"
	"netnotes/internal/wait"
)

// The notes' endpoints are a real runtime's: crictl's
// runtime-endpoint: unix:///var/run/containerd/containerd.sock. Here a real
// runtime's API service listens on a unix:// endpoint of the test's choice
// (podman system service, the Docker-compatible API podman-remote and
// docker clients speak), and the test checks that bind made the socket
// file the endpoint names, and that a real request of the runtime's HTTP
// API goes over it. Podman runs in private namespaces (internal/podman);
// the socket is in a temporary directory.
//
// equiv: podman system service --time 0 unix:///tmp/DIR/podman.sock &
// equiv: stat -c '%F %i' /tmp/DIR/podman.sock; curl --unix-socket /tmp/DIR/podman.sock http://d/_ping
func TestU1PodmanServiceListensOnTheSocketFileItsEndpointNames(t *testing.T) {
	gate.SkipInVM(t, "podman")
	v := claims.Check(t, "U1")
	h := podmanHost(t)
	f := BindFacts{Path: filepath.Join(socketDir(t), "podman.sock")}
	endpoint := "unix://" + f.Path
	_, err := os.Lstat(f.Path)
	f.ExistedBefore = !errors.Is(err, fs.ErrNotExist)

	svc := serve(t, h, f.Path)
	f.FileType, f.Inode = fileType(t, f.Path)

	// A real request of the runtime's API over the endpoint, parsed.
	e, err := ParseEndpoint(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	d := EndpointDial{Endpoint: endpoint, Names: "podman"}
	var answer string
	if answer, err = ping(e); err != nil {
		d.Err = err.Error()
	} else {
		d.Reached = "podman"
	}
	f.Dials = append(f.Dials, d)
	f.BoundBy = fmt.Sprintf("podman system service %s, its file there in %v, answering in %v; GET /_ping over it: %s",
		endpoint, svc.bound.Round(time.Millisecond), svc.up.Round(time.Millisecond), answer)
	claims.Judge(v, f, judgeBind)
}

// U6 on a real server: the socket file of `podman system service` after
// the service stops. Stopped as a service manager stops it (SIGTERM), and
// as a crash, the OOM killer or kill -9 stop it (SIGKILL): what is left at
// its path, what a request then says, and whether the next server's bind
// goes through (after either stop). A third service has its file unlinked
// while a client is connected: the client's next request on that
// connection, and a new one.
//
// equiv: podman system service --time 0 unix:///tmp/DIR/podman.sock & kill -TERM $!; ls -l /tmp/DIR; curl --unix-socket /tmp/DIR/podman.sock http://d/_ping
// equiv: podman system service --time 0 unix:///tmp/DIR/podman.sock & kill -KILL $!; ls -li /tmp/DIR; curl --unix-socket /tmp/DIR/podman.sock http://d/_ping
//
// (killed, curl says Connection refused)
func TestU6PodmanServiceLeavesItsSocketFileOnlyWhenKilled(t *testing.T) {
	gate.SkipInVM(t, "podman")
	v := claims.Check(t, "U6")
	h := podmanHost(t)
	dir := socketDir(t)
	var f LifecycleFacts

	// Stopped the way it expects to be: does it clean up after itself?
	stopped := filepath.Join(dir, "stopped.sock")
	serve(t, h, stopped).stop(t, h, "TERM")
	f.StopLeaves, _ = fileType(t, stopped)
	f.StopRequest = request(stopped)
	f.StopBind = errnoName(unix.Bind(rawSocket(t, 0), &unix.SockaddrUnix{Name: stopped}))

	// Killed: the file outlives the socket, and nobody is behind it.
	path := filepath.Join(dir, "podman.sock")
	svc := serve(t, h, path)
	_, bound := fileType(t, path)
	svc.stop(t, h, "KILL")
	f.AfterClose, f.Inode = fileType(t, path)
	f.ConnectStale = request(path)
	next := rawSocket(t, 0)
	addr := &unix.SockaddrUnix{Name: path}
	f.BindOver = errnoName(unix.Bind(next, addr))
	if err := unix.Unlink(path); err != nil && !errors.Is(err, unix.ENOENT) {
		t.Fatalf("unlink %s: %v", path, err)
	}
	f.BindUnlinked = errnoName(unix.Bind(next, addr))

	// Live, its file unlinked: a connection made before carries on.
	live := filepath.Join(dir, "live.sock")
	serve(t, h, live)
	conn, err := net.DialTimeout("unix", live, 10*time.Second)
	if err != nil {
		t.Fatalf("connecting to podman system service on %s: %v", live, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := pingOn(conn); err != nil {
		t.Fatalf("GET /_ping on a connection to podman system service: %v", err)
	}
	if err := os.Remove(live); err != nil {
		t.Fatal(err)
	}
	f.CarriedAfterUnlink = errnoName(pingOn(conn))
	f.ConnectUnlinked = request(live)

	f.Server = fmt.Sprintf("podman system service (%s), killed with SIGKILL (its file's inode was %d while it served)", podmanVersion(h), bound)
	claims.Judge(v, f, judgeLifecycle)
}

// podmanHost gates on rootful podman and starts its private namespaces.
func podmanHost(t *testing.T) *podman.Host {
	t.Helper()
	gate.Binary(t, "podman", "podman")
	gate.Binary(t, "unshare", "util-linux")
	gate.Binary(t, "nsenter", "util-linux")
	if !gate.IsRealRoot() {
		gate.Skip(t, "podman's API service runs here as root in private namespaces, which needs real root (%s): %s", gate.CurrentMode(), gate.RealRootHint())
	}
	return podman.Start(t, nil)
}

// service is a running podman system service.
type service struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	pid    int           // podman's pid in the holder's PID namespace
	bound  time.Duration // from start to its socket file
	up     time.Duration // from start to its first answer
}

// serve starts `podman system service` on unix://path in podman's
// namespaces (the private mount namespace shares this machine's /tmp)
// and returns once it answers there.
func serve(t *testing.T, h *podman.Host, path string) *service {
	t.Helper()
	before := map[string]bool{}
	for _, p := range h.Processes() {
		before[p] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &service{cmd: h.Command(ctx, "system", "service", "--time", "0", "unix://"+path), stderr: &strings.Builder{}}
	s.cmd.Stderr = s.stderr
	// Killing nsenter leaves the service, which holds stderr, to the
	// holder's end: do not wait for the pipe.
	s.cmd.WaitDelay = time.Second
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("podman system service unix://%s: %v", path, err)
	}
	t.Cleanup(func() {
		cancel() // kills nsenter; the holder's end kills the service
		_ = s.cmd.Wait()
	})
	wait.For(t, podman.Timeout, "podman system service to bind "+path, func() error {
		if s.cmd.ProcessState != nil {
			return fmt.Errorf("it exited: %s", s.stderr.String())
		}
		_, err := os.Lstat(path)
		return err
	})
	s.bound = time.Since(start)
	// The file exists before the service is ready: a signal that came
	// then would find podman without its handlers. Up means answering.
	wait.For(t, podman.Timeout, "podman system service to answer on "+path, func() error {
		if s.cmd.ProcessState != nil {
			return fmt.Errorf("it exited: %s", s.stderr.String())
		}
		if r := request(path); r != "ok" {
			return errors.New(r)
		}
		return nil
	})
	s.up = time.Since(start)
	for _, p := range h.Processes() {
		if pid, name, _ := strings.Cut(p, " "); name == "podman" && !before[p] {
			s.pid, _ = strconv.Atoi(pid)
		}
	}
	if s.pid == 0 {
		t.Fatalf("podman system service on %s is not among the processes of podman's namespace: %v", path, h.Processes())
	}
	return s
}

// stop sends the service a signal (TERM, KILL) from inside its PID
// namespace and waits for it to be gone.
func (s *service) stop(t *testing.T, h *podman.Host, sig string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), podman.Timeout)
	defer cancel()
	pid := strconv.Itoa(s.pid)
	if out, err := h.Holder.Command(ctx, nil, "kill", "-"+sig, pid).CombinedOutput(); err != nil {
		t.Fatalf("kill -%s %s (podman system service): %v: %s", sig, pid, err, out)
	}
	wait.For(t, podman.Timeout, "podman system service to exit on SIG"+sig, func() error {
		for _, p := range h.Processes() {
			if strings.HasPrefix(p, pid+" ") {
				return fmt.Errorf("%s is still there", p)
			}
		}
		return nil
	})
}

// request makes a new connection to path and asks for /_ping on it: "ok",
// or the errno that stopped it.
func request(path string) string {
	e, err := ParseEndpoint("unix://" + path)
	if err != nil {
		return err.Error()
	}
	_, err = ping(e)
	return errnoName(err)
}

// pingOn asks for /_ping on an open connection (HTTP/1.1 keeps it open).
func pingOn(conn net.Conn) error {
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, "http://podman/_ping", nil)
	if err != nil {
		return err
	}
	if err := req.Write(conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_ping: %s", resp.Status)
	}
	return nil
}

// podmanVersion is podman's version, as it says it.
func podmanVersion(h *podman.Host) string {
	out, err := h.Podman("version", "--format", "{{.Client.Version}}")
	if err != nil {
		return "version unknown: " + err.Error()
	}
	return "podman " + strings.TrimSpace(string(out))
}

// ping asks a Docker-compatible API for /_ping over the endpoint and says
// who answered: libpod names itself in its headers.
func ping(e Endpoint) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) { return e.Dial() },
	}}
	resp, err := client.Get("http://podman/_ping")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Libpod-Api-Version") == "" {
		return "", fmt.Errorf("GET /_ping: %s %q, Libpod-Api-Version %q: not podman's API", resp.Status, body, resp.Header.Get("Libpod-Api-Version"))
	}
	return fmt.Sprintf("%s %q, Libpod-Api-Version %s", resp.Status, body, resp.Header.Get("Libpod-Api-Version")), nil
}
