//go:build linux && sudo

package ktrace_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/ktrace"
	"netnotes/internal/role"
	"netnotes/internal/sandbox"
)

// A tracer records the events its filter names, with the stacks that the
// notes' chapters read; of those, CausedBy keeps exactly the test's own
// packets, whatever other namespaces send on their lo meanwhile.
func TestTracerRecordsFilteredEventsWithStacks(t *testing.T) {
	ns := sandbox.New(t)
	tr := ktrace.New(t)
	// 1233 bytes of payload + 8 UDP + 20 IP + 14 Ethernet: the length
	// narrows the record; it does not make it the test's alone.
	tr.Enable(t, "net/net_dev_xmit", `name == "lo" && len == 1275`, ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", `name == "lo" && len == 1261`, ktrace.WithStack)

	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	cli := ns.Dial(t, "udp4", srv.LocalAddr().String())
	tr.Start(t)
	var sent error
	sender := tr.OnThread(func() {
		for range 3 {
			if _, err := cli.Write(make([]byte, 1233)); err != nil {
				sent = err
			}
		}
	})
	require.NoError(t, sent)
	buf := make([]byte, 2000)
	for range 3 {
		_, _, err := srv.ReadFrom(buf)
		require.NoError(t, err)
	}
	events, _ := tr.CausedBy(t, tr.Stop(t), sender)

	require.Equal(t, 3, ktrace.Count(events, "net_dev_xmit"), "events: %v", events)
	require.Equal(t, 3, ktrace.Count(events, "netif_receive_skb"), "events: %v", events)
	for _, e := range events {
		assert.Equal(t, "lo", e.Field("dev"))
		require.NotEmpty(t, e.Stack, "%v has no stack", e)
		if e.Name == "net_dev_xmit" {
			assert.True(t, e.HasFrame("ip_finish_output2"), "stack of %v: %v", e, e.Stack)
		}
		// The receive side runs in the NET_RX softirq: on the sender's
		// thread (its stack reaching back to ip_finish_output2) or, under
		// load, in ksoftirqd (seen in make matrix's VMs), whose stack does
		// not.
		if e.Name == "netif_receive_skb" {
			assert.True(t, e.InSoftirq(), "%v flags %q", e, e.Flags)
			assert.True(t, e.HasFrame("net_rx_action"), "stack of %v: %v", e, e.Stack)
		}
	}
}

// The instance is gone after cleanup, and instances of dead processes are
// swept by the next tracer.
func TestTracerLeavesNothingBehind(t *testing.T) {
	ktrace.New(t) // tracing works here: where it does not, the test skips, naming why
	var dir string
	t.Run("use", func(t *testing.T) {
		tr := ktrace.New(t)
		tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
		tr.Start(t)
		dir = ktrace.InstanceDir(tr)
	})
	// tracefs is one tree however often it is mounted: a new root sees
	// what the subtest left.
	root := ktrace.Root(t)
	_, err := root.Stat(dir)
	assert.True(t, os.IsNotExist(err), "instance %s still exists: %v", dir, err)

	// An instance no tracer holds, with an enabled event and a trigger,
	// as a killed test leaves it.
	stale := filepath.Join("instances", ktrace.Prefix+"4194304-1-0")
	require.NoError(t, root.Mkdir(stale, 0o755))
	require.NoError(t, root.WriteFile(filepath.Join(stale, "events/net/net_dev_xmit/trigger"), []byte("stacktrace"), 0))
	require.NoError(t, root.WriteFile(filepath.Join(stale, "events/net/net_dev_xmit/enable"), []byte("1"), 0))
	t.Cleanup(func() { _ = root.Remove(stale) })

	assert.Contains(t, ktrace.Sweep(root), filepath.Base(stale))
	_, err = root.Stat(stale)
	assert.True(t, os.IsNotExist(err), "stale instance survived the sweep: %v", err)
}

// A sweep leaves alone the instance of a tracer that lives, whatever its
// pid says where the sweep runs: a tracer in a container is pid 7 there,
// which on the host may be a process long gone, or another one.
func TestSweepLeavesALiveTracersInstance(t *testing.T) {
	tr := ktrace.New(t)
	tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
	root := ktrace.Root(t)
	assert.NotContains(t, ktrace.Sweep(root), filepath.Base(ktrace.InstanceDir(tr)))
	_, err := root.Stat(ktrace.InstanceDir(tr))
	require.NoError(t, err, "the live tracer's instance")
	tr.Start(t)
	tr.Stop(t)
}

// Other test processes sweep while a tracer is made and removed: a sweep
// may take the instance once its tracer has let it go, before the tracer
// removes it itself, and the tracer's cleanup must take that as done.
// (make notes, two test binaries at a time, failed U3, V5, L3 and V6 at
// cleanup so in a container, where every tracer shares one tracefs.)
func TestTracersAndSweepsAtOnce(t *testing.T) {
	ktrace.New(t) // tracing works here
	root := ktrace.Root(t)
	done := make(chan struct{})
	swept := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				swept <- n
				return
			case <-time.After(time.Millisecond):
				ktrace.Sweep(root)
				n++
			}
		}
	}()
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tr := ktrace.New(t)
			tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
			tr.Start(t)
			tr.Stop(t)
		})
	}
	close(done)
	t.Logf("%d sweeps meanwhile", <-swept)
}

// A test process killed with SIGKILL cannot clean up; the next tracer
// sweeps the instance it left, and its kprobe event where the kernel has
// them.
func TestInstanceOfKilledProcessIsSwept(t *testing.T) {
	ktrace.New(t) // tracing works here, so the helper can trace too
	child := instanceHolder.Command("-test.run=^TestHelperProcessHoldsInstance$")
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	said := bufio.NewReader(out)
	line, err := said.ReadString('\n')
	require.NoError(t, err, "the helper process printed no instance name")
	name := strings.TrimSpace(strings.TrimPrefix(line, "instance "))
	line, err = said.ReadString('\n')
	require.NoError(t, err, "the helper process did not say whether it made a kprobe")
	kprobe := strings.TrimSpace(strings.TrimPrefix(line, "kprobe"))
	root := ktrace.Root(t)
	dir := filepath.Join("instances", name)
	_, err = root.Stat(dir)
	require.NoError(t, err, "the helper's instance")

	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	_, err = root.Stat(dir)
	require.NoError(t, err, "the killed process's instance should survive it")

	ktrace.New(t) // sweeps on the way in
	_, err = root.Stat(dir)
	assert.True(t, os.IsNotExist(err), "the killed process's instance survived the sweep: %v", err)
	if kprobe != "" {
		defs, err := root.ReadFile("kprobe_events")
		require.NoError(t, err)
		assert.NotContains(t, string(defs), kprobe, "the killed process's kprobe survived the sweep")
	}
}

// instanceHolder is the process killed above: this test binary, running
// TestHelperProcessHoldsInstance alone, which makes a tracer, says its name
// and waits to be killed.
var instanceHolder = role.Register(role.Role{Name: "ktrace-instance-holder", Run: func([]string) int {
	isInstanceHolder = true
	return role.Continue
}})

var isInstanceHolder bool

func TestHelperProcessHoldsInstance(t *testing.T) {
	if !isInstanceHolder {
		t.Skip("helper process for TestInstanceOfKilledProcessIsSwept")
	}
	tr := ktrace.New(t)
	tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
	fmt.Printf("instance %s\n", filepath.Base(ktrace.InstanceDir(tr)))
	kprobe := ""
	if tr.EnableKprobe(t, "veth_xmit", ktrace.WithStack) == nil {
		kprobe = ktrace.KprobeGroup(tr) + "/veth_xmit"
	}
	fmt.Printf("kprobe %s\n", kprobe)
	tr.Start(t)
	select {}
}

// A kprobe event records the stack at the function's entry and is removed
// at cleanup, from the instance and from kprobe_events. Kernels without
// kprobe events (the project's machine) skip; `make matrix` runs this on
// Debian's kernels, which have them.
func TestKprobeRecordsStackAndLeavesNothingBehind(t *testing.T) {
	var used bool
	var group string
	t.Run("use", func(t *testing.T) {
		tr := ktrace.New(t)
		if !tr.HasKprobes() {
			t.Skip("this kernel has no kprobe events (CONFIG_KPROBE_EVENTS); make matrix runs this on Debian's kernels")
		}
		used, group = true, ktrace.KprobeGroup(tr)
		// A function the kernel will not probe is an error, not a skip.
		assert.ErrorContains(t, tr.EnableKprobe(t, "netnotes_no_such_function", false), "netnotes_no_such_function")
		// The system call's entry, and a frame of the path into it, are
		// the architecture's own.
		name, entry := map[string]string{"amd64": "__x64_sys_getpid", "arm64": "__arm64_sys_getpid"}[runtime.GOARCH],
			map[string]string{"amd64": "do_syscall_64", "arm64": "do_el0_svc"}[runtime.GOARCH]
		if name == "" {
			t.Skipf("no getpid entry point known for %s (only amd64's and arm64's)", runtime.GOARCH)
		}
		require.NoError(t, tr.EnableKprobe(t, name, ktrace.WithStack))
		tr.Start(t)
		syscall.Getpid() // a real getpid(2): Go does not cache it
		events := tr.Stop(t)
		require.NotZero(t, ktrace.Count(events, name), "kprobe hits: %v", events)
		for _, e := range events {
			if e.Name == name && e.Stack != nil {
				// The wrapper's body is inlined: __do_sys_getpid.
				assert.Contains(t, e.Stack[0], "sys_getpid", "stack %v", e.Stack)
				assert.True(t, e.HasFrame(entry), "stack %v", e.Stack)
			}
		}
	})
	if !used {
		return
	}
	defs, err := ktrace.Root(t).ReadFile("kprobe_events")
	if err == nil {
		assert.NotContains(t, string(defs), group, "kprobe_events after cleanup")
	}
}

// The main thread of a test process can be left with a descriptor table of
// its own: a thread that leaves the shared table (unshare(CLONE_FILES), as
// the bench's raw path does) and exits locked is ended by the runtime,
// unless it is the main thread, which the runtime parks instead, table and
// all. /proc/PID/fd then names that table. A tracer (and any detached
// mount) must still work: issue 18, where the detached tracefs was reached
// as /proc/PID/fd/N, a descriptor that table does not have ("mkdir
// /proc/PID/fd/13/instances/...: no such file or directory").
func TestTracerWorksWhileTheMainThreadHasItsOwnFiles(t *testing.T) {
	ktrace.New(t) // tracing works here, so the helper can trace too
	child := mainOwnFiles.Command("-test.run=^TestHelperProcessBesideMainWithOwnFiles$", "-test.v", "-test.count=1")
	out, err := child.CombinedOutput()
	require.NoError(t, err, "the helper process:\n%s", out)
	require.Contains(t, string(out), "--- PASS: TestHelperProcessBesideMainWithOwnFiles", "the helper process:\n%s", out)
}

// mainOwnFiles is the helper process: the main thread leaves the shared
// descriptor table before the tests run. Roles play on the main thread,
// and locking it keeps the main goroutine there for good (it only waits
// for the tests), so nothing else ever runs on it, as on a parked main
// thread.
var mainOwnFiles = role.Register(role.Role{Name: "ktrace-main-own-files", Run: func([]string) int {
	runtime.LockOSThread()
	// The runtime's poller must have its descriptor in the shared table.
	r, w, err := os.Pipe()
	if err != nil {
		errMainOwnFiles = err
		return role.Continue
	}
	r.Close()
	w.Close()
	errMainOwnFiles = unix.Unshare(unix.CLONE_FILES)
	return role.Continue
}})

// errMainOwnFiles is the main thread's unshare(CLONE_FILES) in the helper
// process: nil once it has a table of its own.
var errMainOwnFiles = errNotHelper

var errNotHelper = errors.New("not the helper process")

// TestHelperProcessBesideMainWithOwnFiles is the process above: a detached
// mount and a tracer, made and used on test goroutines, which share the
// process's table and not the main thread's.
func TestHelperProcessBesideMainWithOwnFiles(t *testing.T) {
	if errors.Is(errMainOwnFiles, errNotHelper) {
		t.Skip("helper process for TestTracerWorksWhileTheMainThreadHasItsOwnFiles")
	}
	require.NoError(t, errMainOwnFiles, "unshare(CLONE_FILES) on the main thread")
	mine, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer mine.Close()
	_, err = os.Stat(fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), mine.Fd()))
	require.Error(t, err, "the premise: /proc/PID/fd is not the table this goroutine's descriptors are in")

	root := sandbox.Mount(t, "tmpfs", map[string]string{"size": "1m"})
	require.NoError(t, root.WriteFile("x", []byte("x"), 0o600))

	tr := ktrace.New(t)
	tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
	tr.Start(t)
	tr.Stop(t)
}
