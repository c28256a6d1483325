//go:build linux && sudo

package sockmap_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
	"netnotes/internal/sockmap"
	"netnotes/internal/wait"
)

func fdOf(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var fd int
	require.NoError(t, raw.Control(func(f uintptr) { fd = int(f) }))
	return fd
}

// pair connects a client to a listener inside ns and returns both ends.
func pair(t *testing.T, ns *sandbox.NS) (client, server net.Conn) {
	t.Helper()
	ln := ns.Listen(t, "tcp4", "127.0.0.1:0")
	client = ns.Dial(t, "tcp4", ln.Addr().String())
	server, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	return client, server
}

// A message written on one connection's socket is read on a socket of
// another connection; the first connection's peer gets nothing.
func TestRouteDeliversToAnotherConnection(t *testing.T) {
	gate.Feature(t, "BPF sockhash and sk_msg redirect", sockmap.Probe, gate.CapBPF)
	ns := sandbox.New(t)
	app, upstream := pair(t, ns)
	_, sidecar := pair(t, ns)
	r, err := sockmap.New()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	require.NoError(t, r.Route(fdOf(t, app), fdOf(t, sidecar)))

	_, err = app.Write([]byte("hello"))
	require.NoError(t, err)
	require.NoError(t, sidecar.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 16)
	n, err := sidecar.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf[:n]))

	// Released, the same socket writes through TCP to its own peer.
	require.NoError(t, r.Release())
	_, err = app.Write([]byte("again"))
	require.NoError(t, err)
	require.NoError(t, upstream.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, err = upstream.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "again", string(buf[:n]), "the upstream's first bytes")
}

// Close leaves nothing behind: the program and both maps disappear from
// the kernel (the kernel frees them after the last reference, a little
// later, hence the wait).
// equiv: bpftool prog show id N; bpftool map show id M
func TestCloseLeavesNothing(t *testing.T) {
	gate.Feature(t, "BPF sockhash and sk_msg redirect", sockmap.Probe, gate.CapBPF)
	ns := sandbox.New(t)
	app, _ := pair(t, ns)
	_, sidecar := pair(t, ns)
	r, err := sockmap.New()
	require.NoError(t, err)
	require.NoError(t, r.Route(fdOf(t, app), fdOf(t, sidecar)))
	progID, mapIDs, err := r.IDs()
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "a second Close")

	wait.For(t, 5*time.Second, "the program and maps to be freed", func() error {
		if p, err := ebpf.NewProgramFromID(progID); err == nil {
			p.Close()
			return fmt.Errorf("program %d still exists", progID)
		}
		for _, id := range mapIDs {
			if m, err := ebpf.NewMapFromID(id); err == nil {
				m.Close()
				return fmt.Errorf("map %d still exists", id)
			}
		}
		return nil
	})
}
