//go:build linux && sudo

package ktrace_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/ktrace"
	"netnotes/internal/sandbox"
)

// A tracer sees exactly the test's own packets when its filter names them,
// with the stacks that the notes' chapters read.
func TestTracerRecordsFilteredEventsWithStacks(t *testing.T) {
	ns := sandbox.New(t)
	tr := ktrace.New(t)
	// 1233 bytes of payload + 8 UDP + 20 IP + 14 Ethernet: a length no
	// other lo traffic on the machine is likely to have.
	tr.Enable(t, "net/net_dev_xmit", `name == "lo" && len == 1275`, ktrace.WithStack)
	tr.Enable(t, "net/netif_receive_skb", `name == "lo" && len == 1261`, ktrace.WithStack)

	srv := ns.ListenPacket(t, "udp4", "127.0.0.1:0")
	cli := ns.Dial(t, "udp4", srv.LocalAddr().String())
	tr.Start(t)
	for range 3 {
		_, err := cli.Write(make([]byte, 1233))
		require.NoError(t, err)
	}
	buf := make([]byte, 2000)
	for range 3 {
		_, _, err := srv.ReadFrom(buf)
		require.NoError(t, err)
	}
	events := tr.Stop(t)

	require.Equal(t, 3, ktrace.Count(events, "net_dev_xmit"), "events: %v", events)
	require.Equal(t, 3, ktrace.Count(events, "netif_receive_skb"), "events: %v", events)
	for _, e := range events {
		assert.Equal(t, "lo", e.Field("dev"))
		require.NotEmpty(t, e.Stack, "%v has no stack", e)
		assert.True(t, e.HasFrame("ip_finish_output2"), "stack of %v: %v", e, e.Stack)
		if e.Name == "netif_receive_skb" {
			assert.True(t, e.InSoftirq(), "%v flags %q", e, e.Flags)
			assert.True(t, e.HasFrame("net_rx_action"), "stack of %v: %v", e, e.Stack)
		}
	}
}

// The instance is gone after cleanup, and instances of dead processes are
// swept by the next tracer.
func TestTracerLeavesNothingBehind(t *testing.T) {
	var dir string
	t.Run("use", func(t *testing.T) {
		tr := ktrace.New(t)
		tr.Enable(t, "net/net_dev_xmit", `name == "lo"`, ktrace.WithStack)
		tr.Start(t)
		dir = ktrace.InstanceDir(tr)
	})
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "instance %s still exists: %v", dir, err)

	// An instance named after a process that no longer runs, with an
	// enabled event and a trigger, as a killed test leaves it.
	root := ktrace.Root(t)
	stale := filepath.Join(root, "instances", ktrace.Prefix+"4194304-1") // above pid_max's limit: never alive
	require.NoError(t, os.Mkdir(stale, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stale, "events/net/net_dev_xmit/trigger"), []byte("stacktrace"), 0))
	require.NoError(t, os.WriteFile(filepath.Join(stale, "events/net/net_dev_xmit/enable"), []byte("1"), 0))
	t.Cleanup(func() { os.Remove(stale) })

	assert.Contains(t, ktrace.Sweep(root), filepath.Base(stale))
	_, err = os.Stat(stale)
	assert.True(t, os.IsNotExist(err), "stale instance survived the sweep: %v", err)
}
