//go:build linux && sudo

package uds

import (
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"netnotes/internal/sandbox"
)

func init() { abstractNamesPerNetns = checkAbstractNamesPerNetns }

// An abstract name lives in the network namespace of the socket that bound
// it, where a path lives in the filesystem that all namespaces here share.
// equiv: ip netns exec A ss -xl; ip netns exec B ss -xl
func checkAbstractNamesPerNetns(t *testing.T) AbstractNetnsFacts {
	a, b := sandbox.New(t), sandbox.New(t)
	name := "@" + abstractName("ns")
	la := a.Listen(t, "unix", name)
	go answerWith(la, "A")
	var f AbstractNetnsFacts

	listedIn := func(ns *sandbox.NS) int {
		var inodes []uint64
		require.NoError(t, ns.Do(func() (err error) { inodes, err = procNetUnix(name); return err }))
		return len(inodes)
	}
	f.ListedInA, f.ListedInB = listedIn(a), listedIn(b)
	inHost, err := procNetUnix(name) // this goroutine never leaves the host's namespace
	require.NoError(t, err)
	f.ListedInHost = len(inHost)

	_, err = dialFrom(b, name)
	f.DialFromB = errnoName(err)

	// May B bind the same name? May A, a second time?
	err = b.Do(func() error {
		lb, err := net.Listen("unix", name)
		if err == nil {
			t.Cleanup(func() { lb.Close() })
			go answerWith(lb, "B")
		}
		return err
	})
	f.BindInB = errnoName(err)
	f.SecondBindInA = errnoName(a.Do(func() error {
		l, err := net.Listen("unix", name)
		if err == nil {
			l.Close()
		}
		return err
	}))
	f.ReachedFromA, _ = dialFrom(a, name)
	f.ReachedFromB, _ = dialFrom(b, name)

	// Control: a path socket bound in A, dialled from B.
	path := filepath.Join(socketDir(t), "shared.sock")
	lp := a.Listen(t, "unix", path)
	go answerWith(lp, "A by path")
	f.PathFromB, _ = dialFrom(b, path)
	return f
}

// dialFrom dials addr from inside ns and reads what the server says.
func dialFrom(ns *sandbox.NS, addr string) (string, error) {
	var c net.Conn
	if err := ns.Do(func() (err error) { c, err = net.Dial("unix", addr); return err }); err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	return string(got), err
}
