//go:build linux && sudo

package uds_test

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/sandbox"
)

func init() { abstractNamesPerNetns = checkAbstractNamesPerNetns }

// An abstract name lives in the network namespace of the socket that bound
// it, where a path lives in the filesystem that all namespaces here share.
// equiv: ip netns exec A ss -xl; ip netns exec B ss -xl
func checkAbstractNamesPerNetns(t *testing.T) string {
	a, b := sandbox.New(t), sandbox.New(t)
	name := "@" + abstractName("ns")
	la := a.Listen(t, "unix", name)
	go answerWith(la, "A")

	listedIn := func(ns *sandbox.NS) []uint64 {
		var inodes []uint64
		require.NoError(t, ns.Do(func() (err error) { inodes, err = procNetUnix(name); return err }))
		return inodes
	}
	inA, inB := listedIn(a), listedIn(b)
	inHost, err := procNetUnix(name) // this goroutine never leaves the host's namespace
	require.NoError(t, err)
	assert.Len(t, inA, 1, "%s in A's /proc/net/unix", name)
	assert.Empty(t, inB, "%s in B's /proc/net/unix", name)
	assert.Empty(t, inHost, "%s in the host's /proc/net/unix", name)

	dialFrom := func(ns *sandbox.NS, addr string) (string, error) {
		var c net.Conn
		if err := ns.Do(func() (err error) { c, err = net.Dial("unix", addr); return err }); err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(c)
		return string(got), err
	}
	_, fromB := dialFrom(b, name)
	assert.ErrorContains(t, fromB, "connection refused", "dial %s from B", name)

	// B may bind the same name: no clash across namespaces, one within.
	lb := b.Listen(t, "unix", name)
	go answerWith(lb, "B")
	againInA := a.Do(func() error {
		l, err := net.Listen("unix", name)
		if err == nil {
			l.Close()
		}
		return err
	})
	assert.ErrorContains(t, againInA, "address already in use", "a second bind of %s in A", name)
	gotA, errA := dialFrom(a, name)
	gotB, errB := dialFrom(b, name)
	require.NoError(t, errA)
	require.NoError(t, errB)
	assert.Equal(t, "A", gotA)
	assert.Equal(t, "B", gotB)

	// Control: a path socket bound in A is reachable from B.
	path := filepath.Join(socketDir(t), "shared.sock")
	lp := a.Listen(t, "unix", path)
	go answerWith(lp, "A by path")
	viaPath, err := dialFrom(b, path)
	require.NoError(t, err, "dial A's path socket from B")
	assert.Equal(t, "A by path", viaPath)

	return fmt.Sprintf("%s bound in %v is in its /proc/net/unix (inode %v), not in %v's nor the host's; from B: %s; "+
		"B bound the same name (a second bind in A: %s) and each namespace's dial reached its own server (%q, %q); "+
		"control: a path socket of A answered from B (%q)",
		name, a, inA, b, errnoName(fromB), errnoName(againInA), gotA, gotB, viaPath)
}
