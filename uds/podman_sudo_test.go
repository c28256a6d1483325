//go:build linux && sudo

package uds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	gate.Binary(t, "podman", "podman")
	gate.Binary(t, "unshare", "util-linux")
	gate.Binary(t, "nsenter", "util-linux")
	if !gate.IsRealRoot() {
		gate.Skip(t, "podman's API service runs here as root in private namespaces, which needs real root (%s): run %s", gate.CurrentMode(), gate.RunAsRoot)
	}
	h := podman.Start(t, nil)
	f := BindFacts{Path: filepath.Join(socketDir(t), "podman.sock")}
	endpoint := "unix://" + f.Path
	_, err := os.Lstat(f.Path)
	f.ExistedBefore = !errors.Is(err, fs.ErrNotExist)

	// The service, in podman's namespaces, binds the path in this
	// machine's /tmp (the private mount namespace shares it).
	ctx, cancel := context.WithCancel(context.Background())
	svc := h.Command(ctx, "system", "service", "--time", "0", endpoint)
	var stderr strings.Builder
	svc.Stderr = &stderr
	// Killing nsenter leaves the service, which holds stderr, to the
	// holder's end: do not wait for the pipe.
	svc.WaitDelay = time.Second
	if err := svc.Start(); err != nil {
		t.Fatalf("podman system service %s: %v", endpoint, err)
	}
	t.Cleanup(func() {
		cancel() // kills nsenter; the holder's end kills the service
		_ = svc.Wait()
	})
	start := time.Now()
	wait.For(t, podman.Timeout, "podman system service to bind "+f.Path, func() error {
		if svc.ProcessState != nil {
			return fmt.Errorf("it exited: %s", stderr.String())
		}
		_, err := os.Lstat(f.Path)
		return err
	})
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
	f.BoundBy = fmt.Sprintf("podman system service %s, up in %v; GET /_ping over it: %s", endpoint, time.Since(start).Round(time.Millisecond), answer)
	claims.Judge(v, f, judgeBind)
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
