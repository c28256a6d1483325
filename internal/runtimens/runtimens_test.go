package runtimens

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sweep removes the cgroup parents of test processes that are gone, in
// every hierarchy, and leaves those of running ones alone. Plain
// directories stand for the cgroup hierarchies.
func TestSweepRemovesOnlyTheCgroupsOfGoneTests(t *testing.T) {
	saved := CgroupRoot
	t.Cleanup(func() { CgroupRoot = saved })
	CgroupRoot = t.TempDir()
	gone := fmt.Sprintf("%s%d-1", CgroupPrefix+"podman-", 1<<22+1) // above pid_max: no such process
	alive := fmt.Sprintf("%s%d-1", CgroupPrefix+"docker-", os.Getpid())
	for _, h := range []string{"cpu", "memory", "unified"} {
		for _, d := range []string{gone + "/libpod-0123/sub", gone + "/conmon", alive + "/libpod-4567"} {
			if err := os.MkdirAll(filepath.Join(CgroupRoot, h, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Sweep(); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"cpu", "memory", "unified"} {
		if _, err := os.Stat(filepath.Join(CgroupRoot, h, gone)); !os.IsNotExist(err) {
			t.Errorf("%s/%s survived the sweep (%v)", h, gone, err)
		}
		if _, err := os.Stat(filepath.Join(CgroupRoot, h, alive, "libpod-4567")); err != nil {
			t.Errorf("the sweep removed %s/%s, whose test is running: %v", h, alive, err)
		}
	}
}

func TestParseInspect(t *testing.T) {
	c, err := ParseInspect("podman", Container{Name: "c1"}, []byte("4f2a 61 bridge /run/netns/netns-6c26 198.18.10.2\n"))
	require.NoError(t, err)
	assert.Equal(t, Container{Name: "c1", ID: "4f2a", Pid: 61, Network: "bridge", SandboxKey: "/run/netns/netns-6c26", IPAddress: "198.18.10.2"}, c)

	// rootless: no sandbox file, no address on podman's network
	c, err = ParseInspect("podman", Container{Name: "c2"}, []byte("9b1c 45 slirp4netns\n"))
	require.NoError(t, err)
	assert.Equal(t, 45, c.Pid)
	assert.Empty(t, c.SandboxKey)

	for _, bad := range []string{"", "4f2a 61", "4f2a 0 default", "4f2a pid default"} {
		_, err := ParseInspect("docker", Container{Name: "c3"}, []byte(bad))
		assert.ErrorContains(t, err, "docker inspect c3", "%q", bad)
	}
}
