//go:build linux && sudo

package sandbox_test

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"

	"netnotes/internal/gate"
	"netnotes/internal/role"
)

// Not root, a sudo-tagged test binary runs in a user namespace that maps
// this user alone to 0, in a network namespace of its own whose lo is up.
// As root, it is where it was started.
func TestRootlessModeIsAUserNamespaceOfOneUser(t *testing.T) {
	b, err := os.ReadFile("/proc/self/uid_map")
	require.NoError(t, err)
	uidMap := strings.Fields(string(b))
	switch gate.CurrentMode() {
	case gate.RealRoot:
		assert.Equal(t, []string{"0", "0", "4294967295"}, uidMap, "as root the rootless path is not taken")
		assert.Equal(t, "root", os.Getenv(role.UserNamespaceEnv), "as root the rootless path is not taken, and no child of this process takes it")
		return
	case gate.Unprivileged:
		t.Skipf("no user namespace here: %s=%q", role.UserNamespaceEnv, os.Getenv(role.UserNamespaceEnv))
	}
	require.Len(t, uidMap, 3, "uid_map %q", b)
	assert.Equal(t, "0", uidMap[0])
	assert.Equal(t, "1", uidMap[2], "one uid mapped")
	lo, err := netlink.LinkByName("lo")
	require.NoError(t, err)
	assert.NotZero(t, lo.Attrs().RawFlags&0x1, "lo is up in the process's own namespace") // IFF_UP
}

// A test's helper process (this binary again, as the bench peer is) gets
// its descriptor 3 as the test gave it: in the rootless mode, only the
// process the sandbox itself started reports on it.
func TestHelperProcessKeepsItsDescriptorThree(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := fd3Writer.Command()
	cmd.ExtraFiles = []*os.File{w}
	require.NoError(t, cmd.Start())
	w.Close()
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "from the helper\n", string(got), "what arrived on the helper's descriptor 3")
}

// fd3Writer is the helper process above: it writes a line on descriptor 3.
var fd3Writer = role.Register(role.Role{Name: "sandbox-fd3-writer", Run: func([]string) int {
	f := os.NewFile(3, "fd3")
	if _, err := f.WriteString("from the helper\n"); err != nil {
		return 1
	}
	if f.Close() != nil {
		return 1
	}
	return 0
}})
