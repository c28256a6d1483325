package ktrace_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/ktrace"
)

// A kprobe event's stack (Debian 6.1 under qemu) starts with the kprobe's
// handlers and the ftrace trampoline's address (on 5.10:
// ftrace_ops_assist_func and the address); the stack a note reads
// starts at the probed function, as bpftrace's kstack() does.
func TestParseDropsKprobeMachinery(t *testing.T) {
	trace := `# tracer: nop
            ping-97      [000] b..2.    12.345678: veth_xmit: (veth_xmit+0x0/0x310)
            ping-97      [000] b..2.    12.345690: <stack trace>
 => kprobe_trace_func+0x1d0/0x2c0
 => kprobe_dispatcher+0x3c/0x70
 => kprobe_ftrace_handler+0x155/0x1f0
 => 0xffffffffc03690c8
 => veth_xmit+0x5/0x310
 => dev_hard_start_xmit+0x63/0x1d0
 => __dev_queue_xmit+0x21f/0xd20
 => arp_solicit+0x10b/0x310
`
	events, err := ktrace.Parse(strings.NewReader(trace))
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "veth_xmit", events[0].Name)
	assert.Equal(t, []string{"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "arp_solicit"}, events[0].Stack)
}

// On arm64 a kprobe enters through a BRK exception: its frames go too.
func TestParseDropsArm64BreakFrames(t *testing.T) {
	trace := `# tracer: nop
            ping-97      [000] b..2.    12.345678: veth_xmit: (veth_xmit+0x0/0x2e0 [veth])
            ping-97      [000] b..2.    12.345690: <stack trace>
 => kprobe_dispatcher+0x5c/0x80
 => kprobe_breakpoint_handler+0x128/0x1a0
 => call_break_hook+0x7c/0xa8
 => brk_handler+0x28/0x70
 => do_debug_exception+0x9c/0x158
 => el1_dbg+0x4c/0x70
 => el1h_64_sync_handler+0x48/0xc0
 => el1h_64_sync+0x64/0x68
 => veth_xmit+0x0/0x2e0 [veth]
 => __dev_queue_xmit+0x4b0/0xd20
 => arp_xmit+0x30/0xa0
`
	events, err := ktrace.Parse(strings.NewReader(trace))
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, []string{"veth_xmit", "__dev_queue_xmit", "arp_xmit"}, events[0].Stack)
}

// The softirq flag is read wherever the kernel's flags put it: Debian's
// 6.1 PREEMPT_RT kernel adds a column before it.
func TestInSoftirqOnEveryFlagsLayout(t *testing.T) {
	for flags, want := range map[string]bool{
		"..s1.":   true,  // 6.x
		"..s1":    true,  // 5.10
		".Ns1.":   true,  // need-resched set
		"d.H2.":   true,  // a hardirq inside a softirq
		"...s.12": true,  // 6.1-rt
		"..Ls.12": true,  // 6.1-rt, lazy need-resched set
		"b..2.":   false, // process context, bottom halves disabled
		"d.h1.":   false, // a hardirq
		"....1":   false,
	} {
		assert.Equal(t, want, ktrace.Event{Flags: flags}.InSoftirq(), "flags %q", flags)
		if want {
			assert.False(t, ktrace.Event{Flags: flags}.InProcessContext(), "flags %q", flags)
		}
	}
}

func TestInProcessContext(t *testing.T) {
	for flags, want := range map[string]bool{"b..2.": true, "....1": true, "....0.11": true, "d.h1.": false, "..s1.": false, "...s.12": false, "Z...": false} {
		assert.Equal(t, want, ktrace.Event{Flags: flags}.InProcessContext(), "flags %q", flags)
	}
}

func TestStackHelpers(t *testing.T) {
	e := ktrace.Event{Stack: []string{"trace_event_raw_event_net_dev_xmit", "__traceiter_net_dev_xmit",
		"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2", "ip_output"}}
	stack := e.StackUpTo("ip_finish_output2")
	assert.Equal(t, []string{"veth_xmit", "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2"}, stack)
	assert.Len(t, e.StackUpTo("not_there"), 5, "without its stop frame, the whole stack less the machinery")

	assert.True(t, ktrace.InOrder(stack, "veth_xmit", "ip_finish_output2"), "other frames may come between")
	assert.False(t, ktrace.InOrder(stack, "ip_finish_output2", "veth_xmit"), "callee first")
	assert.False(t, ktrace.InOrder(stack, "veth_xmit", "neigh_resolve_output"))

	assert.Equal(t, "veth_xmit <- dev_hard_start_xmit <- __dev_queue_xmit <- ip_finish_output2", ktrace.Chain(stack))
	assert.Equal(t, "(no stack)", ktrace.Chain(nil))
}
