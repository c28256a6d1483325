// Package ktrace records kernel tracepoints for one test, through a private
// tracefs instance.
//
// The global trace buffer and its settings belong to the reader; a note only
// ever works in an instance of its own (instances/netnotes-...), which it
// removes at cleanup. Where tracefs is not mounted, New mounts a private,
// detached copy that no mount table shows. Either way the tracer works
// from a descriptor on tracefs's root (an *os.Root), never from a path
// through /proc/PID/fd, which names the main thread's descriptor table and
// not necessarily the one the mount is in.
//
// Instances are the kernel's, one set for the whole machine, seen alike
// from the host and from every container; PIDs are not (a container's
// test process may be pid 7 there and 26860 on the host). So nothing here
// rests on a pid. A tracer holds its instance's trace_marker open for as
// long as it lives, and the kernel refuses to remove an instance with an
// open file (EBUSY) and frees it when the process dies, however it dies.
// New first sweeps: it removes every netnotes- instance the kernel lets it
// remove, which are those whose tracer is gone (a test process killed
// mid-run). An flock on tracefs's instances directory keeps a sweep from
// taking an instance between its mkdir and the open that makes it held.
//
// Which events are a test's own is told by the trace too, not by gettid:
// the pid an event carries is the initial PID namespace's, which gettid in
// a container's PID namespace is not, and which /proc there does not show
// (NSpid lists only the container's own levels). The net tracepoints the
// notes read carry a device name, an skb address and a length; no network
// namespace, socket or cgroup that a test could have chosen. So the
// sending thread writes a mark into the instance's trace_marker
// (Tracer.OnThread): the kernel records it as an event of that thread,
// numbered like every other, and the thread's events are those with the
// mark's pid (Tracer.CausedBy). A trace that lost the mark attributes
// nothing, and the note fails rather than count other processes' events.
//
// Events can carry a kernel stack through a `stacktrace` trigger, which
// needs no kprobes:
//
//	tr := ktrace.New(t)
//	tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
//	tr.Start(t)
//	sender := tr.OnThread(func() { ... send packets ... })
//	mine, _ := tr.CausedBy(t, tr.Stop(t), sender)
//	for _, e := range mine { e.Field("dev"), e.Stack ... }
package ktrace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
	"netnotes/internal/wait"
)

// Prefix of every instance this package makes.
const Prefix = "netnotes-"

// WithStack asks Enable for a kernel stack with each event.
const WithStack = true

// Tracer is a private tracefs instance.
type Tracer struct {
	root     *os.Root // tracefs's root
	dir      string   // the instance's directory under root, "instances/NAME"
	id       string   // NAME without Prefix: names the instance's kprobe group too
	marker   *os.File // the instance's trace_marker, open while the tracer lives
	markerFD int
	enabled  []string       // "system/event" names, for cleanup
	marks    atomic.Uint64  // OnThread's marks so far
	marked   map[string]int // each mark Stop found: the pid of the thread that wrote it
}

var instanceSeq atomic.Uint64

// removeTimeout bounds the wait for an instance's last file to close.
const removeTimeout = 10 * time.Second

// New makes a private tracefs instance, removed at cleanup. It skips where
// Try says tracing is refused here.
func New(t testing.TB) *Tracer {
	t.Helper()
	tr, why := Try(t)
	if tr == nil {
		gate.Skip(t, "tracepoints: %s", why)
	}
	return tr
}

// Try is New for a note that has other evidence: it returns nil and why
// where tracing is refused here (the process is not real root, as the
// root of a user namespace is not: gate.CanTrace; the kernel has no
// tracefs; the kernel refuses an instance, as under lockdown:
// gate.TracefsRefused), which the note records as its tracing part not
// observed. Anything else that goes wrong fails the test.
func Try(t testing.TB) (*Tracer, string) {
	t.Helper()
	if ok, why := gate.CanTrace(); !ok {
		return nil, why
	}
	root, why := tryRoot(t)
	if root == nil {
		return nil, why
	}
	Sweep(root)

	// The name is random past the pid: pids repeat across PID namespaces
	// (every container's first process is pid 1), instances do not.
	id := fmt.Sprintf("%d-%d-%08x", os.Getpid(), instanceSeq.Add(1), rand.Uint32())
	tr := &Tracer{root: root, dir: filepath.Join("instances", Prefix+id), id: id, marked: map[string]int{}}
	if err := tr.make(); err != nil {
		if why, refused := gate.TracefsRefused(err); refused {
			return nil, why
		}
		t.Fatalf("making tracefs instance %s: %v", tr.dir, err)
	}
	t.Cleanup(func() {
		// Stopped while still held, so that no sweep takes it half-way.
		stop(root, tr.dir)
		_ = tr.marker.Close()
		// Released, it may still be held for a moment: a child this
		// process forked (another test's command) holds a copy of every
		// descriptor until it execs. And another process's sweep may
		// remove it first, which is as good.
		err := wait.Until(removeTimeout, func() error {
			err := root.Remove(tr.dir)
			switch {
			case err == nil, errors.Is(err, fs.ErrNotExist), errors.Is(err, unix.ENODEV):
				return nil // ENODEV: a sweep is removing it right now
			case errors.Is(err, unix.EBUSY):
				return err
			}
			return wait.Stop(err)
		})
		if err != nil {
			t.Errorf("removing tracefs instance %s: %v", tr.dir, err)
		}
	})
	tr.write(t, "tracing_on", "0")
	// An instance starts with the global buffer's options, which are the
	// reader's: markers off there would turn OnThread's marks away.
	if _, err := root.Stat(filepath.Join(tr.dir, "options", "markers")); err == nil {
		tr.write(t, filepath.Join("options", "markers"), "1")
	}
	return tr, ""
}

// make makes the instance and opens its trace_marker, which holds it
// (Sweep leaves an instance with an open file alone), under a shared lock
// on the instances directory, so that no sweep runs in between.
func (tr *Tracer) make() error {
	unlock, err := lockInstances(tr.root, unix.LOCK_SH)
	if err != nil {
		return err
	}
	defer unlock()
	if err := tr.root.Mkdir(tr.dir, 0o755); err != nil {
		return err
	}
	marker, err := tr.root.OpenFile(filepath.Join(tr.dir, "trace_marker"), os.O_WRONLY, 0)
	if err != nil {
		_ = tr.root.Remove(tr.dir)
		return fmt.Errorf("opening the instance's trace_marker: %w", err)
	}
	tr.marker, tr.markerFD = marker, int(marker.Fd())
	return nil
}

// lockInstances takes an flock on tracefs's instances directory, which is
// one inode however often and wherever tracefs is mounted (the host's
// mount, a container's, a detached one): New holds it shared while it
// makes an instance, Sweep exclusive while it removes.
func lockInstances(root *os.Root, how int) (unlock func(), err error) {
	dir, err := root.Open("instances")
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(dir.Fd()), how); err != nil {
		dir.Close()
		return nil, fmt.Errorf("flock on tracefs's instances directory: %w", err)
	}
	return func() { _ = dir.Close() }, nil
}

// Root opens the mounted tracefs, or else makes a private detached mount
// of it, and returns its root, which lasts until the test's cleanup. It
// skips where tracefs cannot be had (see Try).
func Root(t testing.TB) *os.Root {
	t.Helper()
	gate.MustTrace(t)
	root, why := tryRoot(t)
	if root == nil {
		gate.Skip(t, "%s", why)
	}
	return root
}

// tryRoot is Root, or nil and why tracefs cannot be had here.
func tryRoot(t testing.TB) (*os.Root, string) {
	for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		if !mountedTracefs(dir) {
			continue
		}
		if root, err := os.OpenRoot(dir); err == nil {
			t.Cleanup(func() { _ = root.Close() })
			return root, ""
		}
	}
	root, err := sandbox.DetachedMount("tracefs", nil)
	if err != nil {
		if why, refused := gate.Refusal(err, gate.CapSysAdmin); refused {
			return nil, "needs tracefs, which is not mounted here and cannot be: " + why
		}
		return nil, fmt.Sprintf("needs tracefs, which is neither mounted nor mountable here (%v): "+
			"run on a kernel with CONFIG_FTRACE, or mount it: mount -t tracefs nodev /sys/kernel/tracing", err)
	}
	t.Cleanup(func() { _ = root.Close() })
	return root, ""
}

// mountedTracefs reports whether tracefs is mounted on dir, without
// mounting it: /sys/kernel/debug/tracing, where debugfs is mounted, is an
// automount point that a stat or open of anything in it (or of it as a
// directory) would mount in the host's mount table. An O_PATH open of the
// point itself does not trigger it.
func mountedTracefs(dir string) bool {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	return unix.Fstatfs(fd, &st) == nil && st.Type == unix.TRACEFS_MAGIC
}

// Enable turns on one event ("net/net_dev_xmit") with an optional filter in
// tracefs syntax (`name == "lo"`); withStack adds a stacktrace trigger on the
// same condition. A missing tracepoint skips the test.
// equiv: echo FILTER > events/E/filter; echo 'stacktrace if FILTER' > events/E/trigger; echo 1 > events/E/enable
func (tr *Tracer) Enable(t testing.TB, event, filter string, withStack bool) {
	t.Helper()
	dir := filepath.Join(tr.dir, "events", event)
	if _, err := tr.root.Stat(dir); err != nil {
		gate.Skip(t, "needs the kernel tracepoint %s, which this kernel does not have (%v): run on a kernel that has it", event, err)
	}
	if filter != "" {
		tr.write(t, filepath.Join("events", event, "filter"), filter)
	}
	if withStack {
		trigger := "stacktrace"
		if filter != "" {
			trigger += " if " + filter
		}
		tr.write(t, filepath.Join("events", event, "trigger"), trigger)
	}
	tr.write(t, filepath.Join("events", event, "enable"), "1")
	tr.enabled = append(tr.enabled, event)
}

// Start empties the buffer and starts recording.
func (tr *Tracer) Start(t testing.TB) {
	t.Helper()
	tr.write(t, "trace", "")
	tr.write(t, "tracing_on", "1")
}

// Stop stops recording and returns what was recorded, oldest first, but
// OnThread's marks, which it keeps for PID and CausedBy.
func (tr *Tracer) Stop(t testing.TB) []Event {
	t.Helper()
	tr.write(t, "tracing_on", "0")
	f, err := tr.root.Open(filepath.Join(tr.dir, "trace"))
	if err != nil {
		t.Fatalf("reading the trace: %v", err)
	}
	defer f.Close()
	events, err := Parse(f)
	if err != nil {
		t.Fatalf("parsing the trace: %v", err)
	}
	events, marks := Marks(events)
	maps.Copy(tr.marked, marks)
	return events
}

func (tr *Tracer) write(t testing.TB, file, value string) {
	t.Helper()
	if err := writeFile(tr.root, filepath.Join(tr.dir, file), value); err != nil {
		t.Fatalf("tracefs: echo %q > %s: %v", value, file, err)
	}
}

func writeFile(root *os.Root, path, value string) error {
	flag := os.O_WRONLY
	if filepath.Base(path) == "trace" {
		flag |= os.O_TRUNC // empties the buffer
	}
	f, err := root.OpenFile(path, flag, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(value)
	cerr := f.Close()
	return errors.Join(werr, cerr)
}

// Sweep removes the instances of tracers that are gone (killed before
// their cleanup) and the kprobe events they left. It returns the names it
// removed. An instance whose tracer lives holds an open file, and the
// kernel refuses to remove it (EBUSY); one whose process died holds none,
// and the kernel removes it with its events and triggers.
func Sweep(root *os.Root) []string {
	unlock, err := lockInstances(root, unix.LOCK_EX)
	if err != nil {
		return nil
	}
	defer unlock()
	entries, err := fs.ReadDir(root.FS(), "instances")
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), Prefix) || legacyAlive(e.Name()) {
			continue
		}
		if root.Remove(filepath.Join("instances", e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return append(removed, sweepKprobes(root)...)
}

// legacyRE is an instance's name as tracers made it before they held
// their instance open: netnotes-PID-N.
var legacyRE = regexp.MustCompile(`^` + Prefix + `(\d+)-\d+$`)

// legacyAlive reports whether name is a legacy instance whose process
// still runs (in this PID namespace, as those tracers judged): its tracer
// holds nothing open, and would lose the instance to a sweep.
func legacyAlive(name string) bool {
	m := legacyRE.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	pid, _ := strconv.Atoi(m[1])
	return !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// stop stops an instance and drops its triggers and events.
func stop(root *os.Root, dir string) {
	_ = writeFile(root, filepath.Join(dir, "tracing_on"), "0")
	_ = fs.WalkDir(root.FS(), filepath.Join(dir, "events"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "trigger" {
			return nil
		}
		b, err := root.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmd, _, _ := strings.Cut(line, " ")
			cmd, _, _ = strings.Cut(cmd, ":")
			_ = writeFile(root, path, "!"+cmd)
		}
		return nil
	})
	_ = writeFile(root, filepath.Join(dir, "events", "enable"), "0")
}

// Event is one recorded tracepoint hit.
type Event struct {
	Task   string            // comm of the task that was running
	PID    int               // its thread id
	CPU    int               //
	Flags  string            // irqs-off, need-resched, hardirq/softirq ... as ftrace prints them
	Time   float64           // seconds since boot
	Name   string            // the event, "net_dev_xmit"
	Text   string            // its formatted fields, "dev=lo skbaddr=... len=84"
	Stack  []string          // innermost frame first, if a stacktrace trigger recorded one
	fields map[string]string //
}

// Field returns a key=value field of the event's text ("dev", "len").
func (e Event) Field(key string) string { return e.fields[key] }

// InSoftirq reports whether the event fired while serving a softirq.
// The column's place differs between kernels (PREEMPT_RT kernels add a
// lazy need-resched column before it: "..Ls.12" against "..s1."), but its
// letters s (softirq) and H (hardirq inside softirq) appear in no other
// column.
func (e Event) InSoftirq() bool { return strings.ContainsAny(e.Flags, "sH") }

// InProcessContext reports whether the event fired in a task's own
// context: no hardirq, softirq or NMI letter (h, H, s, z, Z) among its
// flags, wherever the kernel puts that column.
func (e Event) InProcessContext() bool { return !strings.ContainsAny(e.Flags, "hHszZ") }

// HasFrame reports whether fn is one of the stack's frames.
func (e Event) HasFrame(fn string) bool {
	for _, f := range e.Stack {
		if f == fn {
			return true
		}
	}
	return false
}

func (e Event) String() string {
	return fmt.Sprintf("%s-%d [%d] %s: %s", e.Task, e.PID, e.CPU, e.Name, e.Text)
}

var (
	eventRE = regexp.MustCompile(`^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(?:(\S+)\s+)?(\d+\.\d+):\s+([^:]+)(?::\s?(.*))?$`)
	frameRE = regexp.MustCompile(`^\s*=>\s+(\S+)`)
)

// Parse reads ftrace's text output (the `trace` file). A stack trace entry
// is attached to the latest event of the same CPU and task.
func Parse(r io.Reader) ([]Event, error) {
	var events []Event
	var stackOf *Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if m := frameRE.FindStringSubmatch(line); m != nil {
			// The first frames are the tracing machinery itself.
			if f := cleanFrame(m[1]); stackOf != nil && (len(stackOf.Stack) > 0 || !isMachinery(f)) {
				stackOf.Stack = append(stackOf.Stack, f)
			}
			continue
		}
		m := eventRE.FindStringSubmatch(line)
		if m == nil {
			stackOf = nil
			continue
		}
		pid, _ := strconv.Atoi(m[2])
		cpu, _ := strconv.Atoi(m[3])
		ts, _ := strconv.ParseFloat(m[5], 64)
		if m[6] == "<stack trace>" {
			stackOf = nil
			for i := len(events) - 1; i >= 0; i-- {
				if events[i].CPU == cpu && events[i].PID == pid {
					if events[i].Stack == nil {
						stackOf = &events[i]
					}
					break
				}
			}
			continue
		}
		stackOf = nil
		events = append(events, Event{
			Task: strings.TrimSpace(m[1]), PID: pid, CPU: cpu, Flags: m[4], Time: ts,
			Name: m[6], Text: m[7], fields: parseFields(m[7]),
		})
	}
	return events, sc.Err()
}

// isMachinery tells the frames a stacktrace trigger records above the
// traced point: a tracepoint's event function, a kprobe's handlers and the
// ftrace trampoline it enters through (an unnamed address, and on 5.10
// ftrace_ops_assist_func). On arm64 a kprobe is a BRK instruction, and
// its handler runs from the debug exception that BRK raises: those frames
// (arm64BreakFrames) come before the probed function's.
func isMachinery(f string) bool {
	for _, prefix := range []string{"trace_event_raw_event_", "kprobe_", "ftrace_", "0x"} {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return arm64BreakFrames[f]
}

// arm64BreakFrames are the frames of arm64's BRK exception, from the
// exception vector to the break hook that calls the kprobe handler.
var arm64BreakFrames = map[string]bool{
	"call_break_hook": true, "brk_handler": true, "do_debug_exception": true,
	"el1_dbg": true, "el1h_64_sync_handler": true, "el1h_64_sync": true,
	"do_el1_brk64": true, "el1_brk64": true, "arm64_enter_el1_dbg": true,
}

var compilerSuffixRE = regexp.MustCompile(`(\.(constprop|part|isra|cold|llvm)\.?\d*)+$`)

// cleanFrame turns "ip_finish_output2+0x1a4/0x590" into "ip_finish_output2"
// and "do_softirq.part.0" into "do_softirq": the names in the kernel source.
func cleanFrame(f string) string {
	f, _, _ = strings.Cut(f, "+")
	return compilerSuffixRE.ReplaceAllString(f, "")
}

func parseFields(text string) map[string]string {
	fields := map[string]string{}
	for _, tok := range strings.Fields(text) {
		if k, v, ok := strings.Cut(tok, "="); ok {
			fields[k] = v
		}
	}
	return fields
}

// Count returns how many events have the given name.
func Count(events []Event, name string) int {
	n := 0
	for _, e := range events {
		if e.Name == name {
			n++
		}
	}
	return n
}

// StackUpTo is the event's stack from the function that fired the
// tracepoint up to (and including) the first frame named in stops, callee
// first; without a stop frame, its first 24 frames. The tracing
// machinery's own frames (__traceiter_*, trace_*) are left out.
func (e Event) StackUpTo(stops ...string) []string {
	const maxFrames = 24
	var out []string
	for _, f := range e.Stack {
		if strings.HasPrefix(f, "__traceiter_") || strings.HasPrefix(f, "trace_") {
			continue
		}
		out = append(out, f)
		if slices.Contains(stops, f) || len(out) == maxFrames {
			break
		}
	}
	return out
}

// InOrder reports whether want appear in stack in this order, callee
// first, possibly with other frames between them (inlining differs
// between kernel builds).
func InOrder(stack []string, want ...string) bool {
	i := 0
	for _, f := range stack {
		if i < len(want) && f == want[i] {
			i++
		}
	}
	return i == len(want)
}

// Chain quotes a stack callee first, as the notes print them:
// "veth_xmit <- dev_hard_start_xmit <- ...".
func Chain(stack []string) string {
	if len(stack) == 0 {
		return "(no stack)"
	}
	return strings.Join(stack, " <- ")
}
