// Package cni calls a CNI plugin (the Container Network Interface: what
// Kubernetes' kubelet, CRI-O, containerd and podman's CNI backend run to
// wire a container) the way a container runtime calls it: the command and
// the container in environment variables, the network's configuration on
// stdin, the result as JSON on stdout.
//
// The plugin runs inside a namespace the test gives it, a private one
// standing for the host: whatever it makes there (a bridge, the veth ends,
// sysctls) goes away with that namespace and never reaches the reader's
// host.
//
//	p, err := cni.Find("bridge", "host-local")
//	res := cni.Add(t, host, p, cni.Call{ContainerID: "c1", Netns: ctr.Path(), IfName: "eth0", Config: conf})
package cni

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// Dirs are where the plugins are installed: Debian's and Ubuntu's
// containernetworking-plugins put them in /usr/lib/cni, the upstream
// release tarball (and most Kubernetes installs) in /opt/cni/bin. A
// CNI_PATH in the environment is searched first.
var Dirs = []string{"/usr/lib/cni", "/opt/cni/bin"}

// Package is what to install for the plugins, on Debian and Ubuntu.
const Package = "containernetworking-plugins"

// Timeout bounds one call of a plugin: the bridge plugin takes tens of
// milliseconds.
const Timeout = 30 * time.Second

// Plugin is a plugin binary and the directory it finds its delegates in
// (host-local, for the IPAM of the bridge plugin): CNI_PATH.
type Plugin struct {
	Name string // "bridge"
	Path string // "/usr/lib/cni/bridge"
	Dir  string // CNI_PATH
}

// Find looks for the plugin names[0] in a directory that also holds every
// other plugin named (its delegates).
func Find(names ...string) (Plugin, error) {
	if len(names) == 0 {
		return Plugin{}, errors.New("cni.Find: no plugin named")
	}
	var dirs []string
	if env := os.Getenv("CNI_PATH"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	dirs = append(dirs, Dirs...)
	for _, dir := range dirs {
		ok := true
		for _, n := range names {
			if st, err := os.Stat(filepath.Join(dir, n)); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
				ok = false
				break
			}
		}
		if ok {
			return Plugin{Name: names[0], Path: filepath.Join(dir, names[0]), Dir: dir}, nil
		}
	}
	return Plugin{}, fmt.Errorf("no CNI plugins %s in %s", strings.Join(names, ", "), strings.Join(dirs, " or "))
}

// Call is one invocation: CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS,
// CNI_IFNAME, and the network's configuration for stdin.
type Call struct {
	Command     string // ADD, DEL, CHECK; Add and Del set it
	ContainerID string
	Netns       string // a path to the container's network namespace file
	IfName      string // the interface to make inside it: eth0
	Config      []byte // the network configuration (JSON)
}

// Env is the call's environment, as the specification names it.
func (p Plugin) Env(c Call) []string {
	return []string{
		"CNI_COMMAND=" + c.Command,
		"CNI_CONTAINERID=" + c.ContainerID,
		"CNI_NETNS=" + c.Netns,
		"CNI_IFNAME=" + c.IfName,
		"CNI_PATH=" + p.Dir,
	}
}

// Exec runs the plugin once with its network namespace set to ns, and
// returns what it wrote on stdout. A plugin that fails exits non-zero
// with an error object ({"code":..,"msg":..}) on stdout: the error carries
// it and stderr.
func (p Plugin) Exec(ns *sandbox.NS, c Call) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Path)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, p.Env(c)...)
	cmd.Stdin = bytes.NewReader(c.Config)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child process starts in the namespace of the thread that forks
	// it: start it from a thread switched into ns.
	if err := ns.Do(cmd.Start); err != nil {
		return nil, fmt.Errorf("starting %s in %v: %w", p.Path, ns, err)
	}
	if err := cmd.Wait(); err != nil {
		return stdout.Bytes(), fmt.Errorf("CNI_COMMAND=%s %s: %w: %s %s", c.Command, p.Path, err,
			strings.TrimSpace(stdout.String()), strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Result is the plugin's answer to ADD (CNI specification 1.0.0).
type Result struct {
	CNIVersion string      `json:"cniVersion"`
	Interfaces []Interface `json:"interfaces"`
	IPs        []IPConfig  `json:"ips"`
}

// Interface is one interface the plugin made or used: Sandbox is the
// namespace path for one inside the container, "" for the host's.
type Interface struct {
	Name    string `json:"name"`
	Mac     string `json:"mac"`
	Sandbox string `json:"sandbox,omitempty"`
}

// IPConfig is an address the plugin gave, on Interfaces[*Interface].
type IPConfig struct {
	Address   string `json:"address"`
	Gateway   string `json:"gateway,omitempty"`
	Interface *int   `json:"interface,omitempty"`
}

// Add calls ADD for c in ns, fails the test when the plugin fails, and
// calls DEL with the same arguments at cleanup, as a runtime does when the
// container goes. It returns the result and the time the call took.
func Add(t testing.TB, ns *sandbox.NS, p Plugin, c Call) (Result, time.Duration) {
	t.Helper()
	c.Command = "ADD"
	start := time.Now()
	out, err := p.Exec(ns, c)
	took := time.Since(start)
	// A failed ADD may have made part of the network: DEL is meant to
	// take back whatever there is.
	t.Cleanup(func() {
		del := c
		del.Command = "DEL"
		if _, err := p.Exec(ns, del); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err != nil {
		// The plugin writes sysctls (ip_forward, the bridge's): where
		// /proc/sys is read-only it says so in its error, as text.
		if said := lineWith(err.Error(), unix.EROFS.Error()); said != "" {
			why, _ := gate.Refusal(fmt.Errorf("%s: %w", said, unix.EROFS))
			gate.Skip(t, "the CNI plugin %s could not write its sysctls: %s", p.Path, why)
		}
		t.Fatalf("%v", err)
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("CNI_COMMAND=ADD %s: the result does not decode: %v: %s", p.Path, err, out)
	}
	return res, took
}

// lineWith is the first line of s that holds text, trimmed of it and of
// the JSON around a plugin's message; "" when none does.
func lineWith(s, text string) string {
	for _, line := range strings.Split(s, "\n") {
		if before, _, ok := strings.Cut(line, text); ok {
			before = strings.TrimSpace(before)
			if _, msg, ok := strings.Cut(before, `"msg":`); ok {
				before = msg
			}
			return strings.Trim(before, `"{}:, `)
		}
	}
	return ""
}

// Version asks the plugin which versions of the specification it speaks
// (CNI_COMMAND=VERSION): the plugins do not report their own release.
func (p Plugin) Version() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Path)
	cmd.Env = []string{"CNI_COMMAND=VERSION"}
	cmd.Stdin = strings.NewReader(`{"cniVersion":"0.4.0"}`)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("CNI_COMMAND=VERSION %s: %w", p.Path, err)
	}
	var v struct {
		Supported []string `json:"supportedVersions"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("CNI_COMMAND=VERSION %s: %w: %s", p.Path, err, out)
	}
	return strings.Join(v.Supported, ", "), nil
}
