//go:build image

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"netnotes/internal/docker"
	"netnotes/internal/podman"
	"netnotes/internal/role"
	"netnotes/internal/stream"
	"netnotes/internal/vm"
)

// The image in the containers CI runs it in (Modes), each judged against
// the host's run of the same notes (judgeRun) and the README's promise.
// CI's step, not make test's (the build tag keeps it out):
//
//	make image IMAGEFLAGS="-o $TMP/rootfs.tar"
//	go run ./internal/cmd/notes -save $TMP/host.json ...
//	NETNOTES_IMAGE_ROOTFS=$TMP/rootfs.tar NETNOTES_HOST_RUN=$TMP/host.json NETNOTES_IMAGE_RUNS=$TMP/runs \
//	    go test -tags image -count=1 -v -run TestImageInContainers ./internal/cmd/image
//
// NETNOTES_IMAGE_MODES (space-separated names) runs only those modes;
// NETNOTES_IMAGE_RUNS keeps each run's stream (MODE.json, for notes -from)
// and report (MODE.txt).
//
// podman and dockerd run inside private network, mount and PID namespaces
// of the test's own (internal/podman, internal/docker): the image, the
// storage, the containers' networks and processes never reach the host,
// and their cgroups go under a parent of the test's, removed at its end.
func TestImageInContainers(t *testing.T) {
	rootfs, hostRun := os.Getenv(role.ImageRootfsEnv), os.Getenv(role.HostRunEnv)
	if rootfs == "" || hostRun == "" {
		t.Fatal("NETNOTES_IMAGE_ROOTFS (make image IMAGEFLAGS=\"-o FILE\") and NETNOTES_HOST_RUN (notes -save FILE) name the image and the host's run to hold it to")
	}
	out := os.Getenv(role.ImageRunsEnv)
	if out != "" {
		require.NoError(t, os.MkdirAll(out, 0o755))
	}
	host := readRun(t, hostRun)
	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	promised := promises(readme)
	only := strings.Fields(os.Getenv(role.ImageModesEnv))

	engines := engines{rootfs: rootfs, started: map[string]engineRun{}}
	for _, m := range Modes {
		if len(only) > 0 && !slices.Contains(only, m.Name) {
			continue
		}
		// Each mode's engine lives as long as the whole test: it is
		// started under the test, not under a mode's subtest.
		run := engines.start(t, m.Engine)
		t.Run(m.Name, func(t *testing.T) { runMode(t, run, m, host, promised[m.Name], out) })
	}
}

// engineRun is an engine's command line: podman's or docker's client,
// talking to its daemon in the test's private namespaces.
type engineRun func(ctx context.Context, args ...string) *exec.Cmd

// engines starts each engine once, with the image imported from rootfs.
type engines struct {
	rootfs  string
	started map[string]engineRun
}

// start starts the engine name (podman or docker) under t, imports the
// image, and returns its command line, which puts run's containers under
// the test's cgroup parent.
func (e engines) start(t *testing.T, name string) engineRun {
	if run, ok := e.started[name]; ok {
		return run
	}
	start := time.Now()
	var run engineRun
	var cgroup []string
	switch name {
	case "podman":
		h := podman.Start(t, nil)
		run, cgroup = h.Command, []string{"--cgroup-parent", h.Cgroup}
	case "docker":
		run = docker.Start(t).Client // its daemon has the cgroup parent
	}
	f, err := os.Open(e.rootfs)
	require.NoError(t, err)
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	imp := run(ctx, ImportArgs(name, vm.HostArch(), DefaultTag)...)
	imp.Stdin = f
	b, err := imp.CombinedOutput()
	require.NoError(t, err, "%s import: %s", name, b)
	t.Logf("%s: started in private namespaces and imported %s in %s", name, e.rootfs, time.Since(start).Round(100*time.Millisecond))
	e.started[name] = func(ctx context.Context, args ...string) *exec.Cmd {
		if args[0] == "run" {
			args = slices.Concat(args[:1], cgroup, args[1:])
		}
		return run(ctx, args...)
	}
	return e.started[name]
}

// runMode runs the image in mode m and judges its run against the host's
// and the promised number of verdicts; out, if set, keeps its stream and
// report.
func runMode(t *testing.T, run engineRun, m Mode, host *stream.Reader, promised int, out string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := slices.Concat([]string{"run", "--rm"}, modeFlags(t, m), []string{DefaultTag, "-save", "-"})
	cmd := run(ctx, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start).Round(time.Second)
	if out != "" {
		require.NoError(t, os.WriteFile(filepath.Join(out, m.Name+".json"), stdout.Bytes(), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(out, m.Name+".txt"), stderr.Bytes(), 0o644))
	}
	if err != nil && stdout.Len() == 0 {
		t.Fatalf("%s %s: %v: %s", m.Engine, strings.Join(args, " "), err, lastLines(stderr.String(), 20))
	}
	r := stream.NewReader()
	require.NoError(t, r.Read(&stdout))
	decided, wrong := judgeRun(host, r)
	t.Logf("%s %s: %s; %d claims with a verdict (README.md promises %d)", m.Engine, strings.Join(args, " "), took, decided, promised)
	for _, w := range wrong {
		t.Error(w)
	}
	if decided < promised {
		t.Errorf("%d claims with a verdict, fewer than the %d README.md promises for %s", decided, promised, m.Name)
	}
	w, ok := r.Where()
	switch {
	case !ok:
		t.Error("the run logged no where line, so a saved run of it cannot say where it ran")
	case w.Container == "" || w.PIDNamespace != "own":
		t.Errorf("the where line says %s: not a container with its own PID namespace", stream.Describe(w))
	}
	if t.Failed() {
		t.Logf("the report:\n%s", lastLines(stderr.String(), 60))
	}
}

// modeFlags are a mode's flags on this machine. docker 20.10's
// --privileged asks runc for every capability docker knows, and fails
// ("unable to apply caps: operation not permitted") where this process's
// bounding set lacks one: the project's machine, itself a sandbox, has no
// CAP_SYS_RESOURCE. There docker runs the image as privileged as the
// machine allows: every capability the bounding set holds, no seccomp, no
// AppArmor, /proc and /sys unmasked. (podman's --privileged keeps to the
// bounding set by itself.)
func modeFlags(t *testing.T, m Mode) []string {
	missing := missingCaps(t)
	if m.Engine != "docker" || !slices.Contains(m.Flags, "--privileged") || len(missing) == 0 {
		return m.Flags
	}
	flags := []string{"--cap-add", "ALL"}
	for _, c := range missing {
		flags = append(flags, "--cap-drop", strings.ToUpper(strings.TrimPrefix(c, "cap_")))
	}
	flags = append(flags, "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined")
	t.Logf("this machine's capability bounding set lacks %s, which docker's --privileged would ask for: in its place %s",
		strings.Join(missing, ", "), strings.Join(flags, " "))
	var out []string
	for _, f := range m.Flags {
		if f == "--privileged" {
			out = append(out, flags...)
		} else {
			out = append(out, f)
		}
	}
	return out
}

// missingCaps names the capabilities the kernel has that this process's
// bounding set lacks, as libcap's capsh names them ("cap_sys_resource").
func missingCaps(t *testing.T) []string {
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(last)))
	require.NoError(t, err)
	var bnd uint64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			bnd, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			require.NoError(t, err)
		}
	}
	all := uint64(1)<<(n+1) - 1
	if bnd&all == all {
		return nil
	}
	out, err := exec.Command("capsh", fmt.Sprintf("--decode=%#x", all&^bnd)).Output()
	require.NoError(t, err, "capsh (libcap2-bin) names the capabilities")
	_, names, _ := strings.Cut(strings.TrimSpace(string(out)), "=")
	return strings.Split(names, ",")
}

func readRun(t *testing.T, path string) *stream.Reader {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := stream.NewReader()
	require.NoError(t, r.Read(f))
	return r
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
