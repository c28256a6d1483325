package ktrace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Mechanisms a note can report as the source of its stacks.
const (
	MechanismKprobe     = "kprobe"
	MechanismTracepoint = "tracepoint"
)

// HasKprobes reports whether the kernel offers kprobe events
// (CONFIG_KPROBE_EVENTS: a kprobe_events file in tracefs). Debian's
// kernels have them; some kernels (this project's machine) do not.
func (tr *Tracer) HasKprobes() bool {
	_, err := tr.root.Stat("kprobe_events")
	return err == nil
}

// ErrNoKprobes is EnableKprobe's answer on a kernel without kprobe events.
var ErrNoKprobes = errors.New("this kernel has no kprobe events: no kprobe_events file in tracefs")

// EnableKprobe puts a kprobe event on the kernel function fn, enabled in
// this instance only; Stop reports its hits as events named fn. withStack
// adds a stacktrace trigger: the stack at fn's entry, as bpftrace's
// kstack() on kprobe:fn shows it. The probe's definition lives in the
// tracefs root (kprobe_events has no per-instance copy), in the instance's
// own group (netnotes_ and the instance's name), and is removed at cleanup;
// Sweep removes those whose instance is gone.
//
// A kernel without kprobe events (ErrNoKprobes) or one that refuses a probe
// on fn (not a traceable symbol, inlined away) is an error the caller turns
// into a fact, such as which mechanism its evidence rests on.
// equiv: echo 'p:GROUP/fn fn' >> kprobe_events; echo stacktrace > instances/I/events/GROUP/fn/trigger; echo 1 > instances/I/events/GROUP/fn/enable
func (tr *Tracer) EnableKprobe(t testing.TB, fn string, withStack bool) error {
	t.Helper()
	if !tr.HasKprobes() {
		return ErrNoKprobes
	}
	const defs = "kprobe_events"
	group := kprobeGroup(tr.id)
	if err := appendFile(tr.root, defs, fmt.Sprintf("p:%s/%s %s", group, fn, fn)); err != nil {
		return fmt.Errorf("kprobe on %s refused: %w", fn, err)
	}
	event := group + "/" + fn
	t.Cleanup(func() {
		// The instance may still have the event on: an enabled probe
		// cannot be removed (EBUSY).
		_ = writeFile(tr.root, filepath.Join(tr.dir, "events", event, "enable"), "0")
		if withStack {
			_ = writeFile(tr.root, filepath.Join(tr.dir, "events", event, "trigger"), "!stacktrace")
		}
		if err := appendFile(tr.root, defs, "-:"+event); err != nil {
			t.Errorf("removing kprobe %s: %v", event, err)
		}
	})
	if withStack {
		tr.write(t, filepath.Join("events", event, "trigger"), "stacktrace")
	}
	tr.write(t, filepath.Join("events", event, "enable"), "1")
	tr.enabled = append(tr.enabled, event)
	return nil
}

func appendFile(root *os.Root, path, line string) error {
	f, err := root.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(line + "\n")
	return errors.Join(werr, f.Close())
}

// kprobeGroup names the kprobe group of the instance Prefix+id: a group
// name takes letters, digits and underscores.
func kprobeGroup(id string) string {
	return "netnotes_" + strings.ReplaceAll(id, "-", "_")
}

var kprobeLineRE = regexp.MustCompile(`^[pr]:netnotes_([0-9a-zA-Z_]+)/(\S+)`)

// sweepKprobes removes the kprobe events whose instance is gone: its
// tracer removed the events at cleanup, unless its process died first.
// It runs after Sweep removed the instances of those processes (an event
// still enabled somewhere cannot be removed).
func sweepKprobes(root *os.Root) []string {
	b, err := root.ReadFile("kprobe_events")
	if err != nil {
		return nil
	}
	var removed []string
	for _, line := range strings.Split(string(b), "\n") {
		m := kprobeLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		instance := filepath.Join("instances", Prefix+strings.ReplaceAll(m[1], "_", "-"))
		if _, err := root.Stat(instance); err == nil {
			continue // its tracer lives
		}
		event := "netnotes_" + m[1] + "/" + m[2]
		if appendFile(root, "kprobe_events", "-:"+event) == nil {
			removed = append(removed, event)
		}
	}
	return removed
}
