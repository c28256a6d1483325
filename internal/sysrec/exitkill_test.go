package sysrec_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"netnotes/internal/gate"
	"netnotes/internal/role"
	"netnotes/internal/sysrec"
	"netnotes/internal/wait"
)

// recorderRole makes the test binary a recorder that traces `sleep
// SECONDS` and never finishes on its own: TestATraceeDiesWithItsRecorder
// kills it.
var recorderRole = role.Register(role.Role{Name: "sysrec-recorder", Args: []string{"the seconds to sleep"}, Run: func(args []string) int {
	_, err := sysrec.Run(context.Background(), sysrec.Command{Path: "sleep", Args: args})
	fmt.Fprintln(os.Stderr, "recording ended, which it should not have:", err)
	return 3
}})

// A recorder killed in the middle of a recording (as a test binary is, by a
// timeout or a panic) takes its tracee with it: PTRACE_O_EXITKILL.
func TestATraceeDiesWithItsRecorder(t *testing.T) {
	sleep := gate.Binary(t, "sleep", "coreutils")
	gate.Feature(t, "ptrace of a child process", func() error {
		_, err := sysrec.Run(context.Background(), sysrec.Command{Path: sleep, Args: []string{"0"}})
		return err
	})
	// A duration no other process has on its command line finds the tracee.
	marker := fmt.Sprintf("600.%06d", rand.IntN(1e6))
	recorder := recorderRole.Command(marker)
	if err := recorder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = recorder.Process.Kill(); _ = recorder.Wait() })

	var tracee int
	wait.For(t, 10*time.Second, "the recorder's traced sleep "+marker, func() error {
		pid, tracer, err := findTracee(marker)
		if err != nil {
			return err
		}
		// TracerPid names the tracing thread; it must be one of the recorder's.
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d", recorder.Process.Pid, tracer)); err != nil {
			return fmt.Errorf("sleep %d has tracer %d, not a thread of the recorder %d", pid, tracer, recorder.Process.Pid)
		}
		tracee = pid
		return nil
	})
	if err := recorder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = recorder.Wait()
	wait.For(t, 10*time.Second, "the tracee to die with its recorder", func() error {
		if alive(tracee, marker) {
			return fmt.Errorf("sleep %s (pid %d) still runs", marker, tracee)
		}
		return nil
	})
	t.Logf("recorder %d killed; its tracee, sleep %s (pid %d), died with it", recorder.Process.Pid, marker, tracee)
}

// findTracee finds the process running `sleep marker` and its tracer.
func findTracee(marker string) (pid, tracer int, err error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		p, _ := strconv.Atoi(filepath.Base(dir))
		if !alive(p, marker) {
			continue
		}
		status, err := os.ReadFile(dir + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "TracerPid:"); ok {
				tracer, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		return p, tracer, nil
	}
	return 0, 0, fmt.Errorf("no process runs sleep %s", marker)
}

// alive reports whether pid still runs `sleep marker` (a zombie has an empty
// command line, so it counts as dead; the recorder, whose argument the
// marker is too, is not a sleep).
func alive(pid int, marker string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return err == nil && filepath.Base(string(argv0)) == "sleep" && bytes.HasSuffix(cmdline, []byte("\x00"+marker+"\x00"))
}
