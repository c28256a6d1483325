//go:build linux && sudo

package sandbox_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"netnotes/internal/sandbox"
)

// The caller's thread never changes namespace, and Do runs inside.
func TestDoRunsInsideAndLeavesCallerAlone(t *testing.T) {
	host, err := netns.Get()
	require.NoError(t, err)
	defer host.Close()
	ns := sandbox.New(t)

	var inside netns.NsHandle
	require.NoError(t, ns.Do(func() (err error) { inside, err = netns.Get(); return err }))
	defer inside.Close()

	assert.True(t, inside.Equal(netns.NsHandle(ns.FD())), "Do ran in %v, want %v", inside, ns)
	now, err := netns.Get()
	require.NoError(t, err)
	defer now.Close()
	assert.True(t, now.Equal(host), "the caller's thread moved to %v", now)
}

// 50 goroutines, each in its own namespace at once, each sees only its own
// devices: no goroutine ends up in another's namespace.
func TestFiftyNamespacesAtOnce(t *testing.T) {
	const n = 50
	spaces := make([]*sandbox.NS, n)
	names := make([]string, n)
	for i := range spaces {
		spaces[i] = sandbox.New(t)
		here, _ := spaces[i].AddVeth(t, spaces[i])
		names[i] = here.Attrs().Name
	}
	var all []string // every pair's ends
	for _, name := range names {
		all = append(all, name, name[:len(name)-1]+"b")
	}

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range spaces {
		wg.Go(func() {
			for range 20 {
				errs[i] = spaces[i].Do(func() error {
					links, err := netlink.LinkList() // this thread's namespace
					if err != nil {
						return err
					}
					// lo, the pair and, where tunnel modules are loaded,
					// their fallback devices (tunl0, sit0...): ignored.
					own := []string{"lo", all[2*i], all[2*i+1]}
					var others []string
					for _, l := range links {
						if name := l.Attrs().Name; slices.Contains(all, name) && !slices.Contains(own, name) {
							others = append(others, name)
						}
					}
					if len(others) != 0 {
						return fmt.Errorf("namespace %d sees other namespaces' devices %v", i, others)
					}
					for _, name := range own {
						if !slices.ContainsFunc(links, func(l netlink.Link) bool { return l.Attrs().Name == name }) {
							return fmt.Errorf("namespace %d does not see %s", i, name)
						}
					}
					return nil
				})
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "goroutine %d", i)
	}
}

func TestSysctlIsPerNamespace(t *testing.T) {
	a, b := sandbox.New(t), sandbox.New(t)
	a.SetSysctl(t, "net.ipv4.ip_forward", "1")
	b.SetSysctl(t, "net.ipv4.ip_forward", "0")
	assert.Equal(t, "1", a.Sysctl(t, "net.ipv4.ip_forward"))
	assert.Equal(t, "0", b.Sysctl(t, "net.ipv4.ip_forward"))
}

func TestPairIsUpAndConnected(t *testing.T) {
	p := sandbox.NewPair(t)
	assert.Equal(t, netlink.LinkOperState(netlink.OperUp), p.LinkA.Attrs().OperState)
	assert.Equal(t, netlink.LinkOperState(netlink.OperUp), p.LinkB.Attrs().OperState)

	srv := p.B.ListenPacket(t, "udp4", p.AddrB.Addr().String()+":0")
	cli := p.A.Dial(t, "udp4", srv.LocalAddr().String())
	_, err := cli.Write([]byte("across"))
	require.NoError(t, err)
	buf := make([]byte, 16)
	n, _, err := srv.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "across", string(buf[:n]))
	assert.Positive(t, p.B.Counters(t, p.LinkB.Attrs().Name).RxPackets)
}

// A detached mount is in no mount table, and is used through its root's
// descriptor.
func TestMountIsPrivate(t *testing.T) {
	mounted := func() int { return strings.Count(readMounts(t), "size=1024k") }
	before := mounted()
	root := sandbox.Mount(t, "tmpfs", map[string]string{"size": "1m"})
	require.NoError(t, root.WriteFile("x", []byte("x"), 0o600))
	b, err := root.ReadFile("x")
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
	assert.Equal(t, before, mounted(), "a tmpfs of 1 MiB appeared in /proc/self/mounts")
}
